"""Bare Starlette servers the benchmarks compare fssim with, served by uvicorn like ``fssim serve``.

``python -m benchmarks.baselines parse --port N``: ``POST /v1/batch`` parses the JSON and answers
``{"success": true}`` -- the ceiling of the HTTP layer for Segment's Tracking API.

``python -m benchmarks.baselines crud --port N``: ``POST /api/leads`` and ``GET /api/leads/{id}`` on a
dict in memory -- the ceiling of a REST API that stores nothing but the body.

``python -m benchmarks.baselines fssim --port N --loop asyncio --http h11``: fssim's own app (as
``fssim serve --no-rate-limits`` builds it) under uvicorn with a chosen event loop and HTTP parser.
``fssim serve`` leaves that choice to uvicorn ("auto": uvloop and httptools when installed), so this
is how ``bench_rest`` measures what they buy. ``--loop`` / ``--http`` apply to every kind.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["crud_app", "fssim_app", "main", "parse_app"]


async def _health(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def parse_app() -> Starlette:
    async def parse_only(request: Request) -> JSONResponse:
        json.loads(await request.body())
        return JSONResponse({"success": True})

    return Starlette(routes=[Route("/health", _health), Route("/v1/batch", parse_only, methods=["POST"])])


def crud_app() -> Starlette:
    leads: dict[int, dict[str, Any]] = {}

    async def create(request: Request) -> JSONResponse:
        lead = {"id": len(leads) + 1, **json.loads(await request.body())["lead"]}
        leads[lead["id"]] = lead
        return JSONResponse({"lead": lead}, status_code=201)

    async def read(request: Request) -> JSONResponse:
        found = leads.get(int(request.path_params["id"]))
        if found is None:
            return JSONResponse({"message": "no such lead"}, status_code=404)
        return JSONResponse({"lead": found})

    return Starlette(routes=[Route("/health", _health), Route("/api/leads", create, methods=["POST"]),
                             Route("/api/leads/{id:int}", read, methods=["GET"])])


def fssim_app() -> Starlette:
    from fssim.app import Simulator, SimulatorConfig  # only this kind needs fssim

    # What `fssim serve --no-rate-limits` builds (its own process, deliveries in the background).
    sim = Simulator(SimulatorConfig(rate_limits=False, background_delivery=True))
    return sim.app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["parse", "crud", "fssim"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"])
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"])
    options = parser.parse_args()
    app = {"parse": parse_app, "crud": crud_app, "fssim": fssim_app}[options.kind]()
    # Every server of a comparison runs as `fssim serve` runs at its default level (warning): uvicorn's
    # defaults, but no access log, whose lines that level never shows (fssim.commands.serve). A baseline
    # that built and dropped a log line per request would make fssim's ratio look better by work fssim
    # skips and the baseline need not do.
    uvicorn.run(app, host="127.0.0.1", port=options.port, log_level="warning", loop=options.loop,
                http=options.http, access_log=False)


if __name__ == "__main__":
    main()
