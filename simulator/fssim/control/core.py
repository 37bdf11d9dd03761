"""The simulator's own endpoints: health, reset, state and the simulated clock."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse

from fssim import __version__
from fssim.clock import isoformat
from fssim.control.http import ControlEndpoint, ControlError, read_json_object, shown
from fssim.endpoints import Endpoint

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["ENDPOINTS", "advance_clock", "health", "reset", "state"]


async def health(sim: Simulator, request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "status": "ok",
            "version": __version__,
            "store": str(sim.db.path) if sim.db.persistent else "memory",
            "now": isoformat(sim.clock.now()),
            "clock": "frozen" if sim.clock.frozen else "running",
        }
    )


async def reset(sim: Simulator, request: Request) -> JSONResponse:
    sim.reset()
    return JSONResponse({"reset": True, "now": isoformat(sim.clock.now())})


async def state(sim: Simulator, request: Request) -> JSONResponse:
    return JSONResponse(shown(sim, sim.state()))


async def advance_clock(sim: Simulator, request: Request) -> JSONResponse:
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


ENDPOINTS: list[ControlEndpoint] = [
    Endpoint("GET", "/_sim/health", health, "Version, store and clock", "simulator"),
    Endpoint("POST", "/_sim/reset", reset, "Forget everything but the clock's time", "simulator"),
    Endpoint("GET", "/_sim/state", state, "Accounts, sources and counts at a glance", "simulator"),
    Endpoint("POST", "/_sim/clock/advance", advance_clock, "Move simulated time forward", "simulator"),
]
