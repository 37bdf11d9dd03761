"""The simulator's own endpoints: health, reset, state and the simulated clock."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from fssim import __version__
from fssim.clock import isoformat
from fssim.control.http import ControlError, read_json_object

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["routes"]


def routes(sim: Simulator) -> list[BaseRoute]:
    async def health(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "store": str(sim.db.path) if sim.db.persistent else "memory",
                "now": isoformat(sim.clock.now()),
                "clock": "frozen" if sim.clock.frozen else "running",
            }
        )

    async def reset(request: Request) -> JSONResponse:
        sim.reset()
        return JSONResponse({"reset": True, "now": isoformat(sim.clock.now())})

    async def state(request: Request) -> JSONResponse:
        return JSONResponse(sim.state())

    async def advance_clock(request: Request) -> JSONResponse:
        body = await read_json_object(request)
        seconds = body.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ControlError(400, "'seconds' is required and must be a number of seconds to move forward")
        if not math.isfinite(seconds) or seconds < 0:
            raise ControlError(400, f"'seconds' must be a finite number >= 0 (time never goes back), got {seconds}")
        try:
            now = sim.clock.advance(float(seconds))
        except ValueError as error:
            raise ControlError(400, f"'seconds' is too large: {error}") from error
        return JSONResponse({"now": isoformat(now), "advanced": seconds})

    return [
        Route("/_sim/health", health, methods=["GET"]),
        Route("/_sim/reset", reset, methods=["POST"]),
        Route("/_sim/state", state, methods=["GET"]),
        Route("/_sim/clock/advance", advance_clock, methods=["POST"]),
    ]
