"""Bare Starlette servers the benchmarks compare fssim with, served by uvicorn like ``fssim serve``.

``python -m benchmarks.baselines parse --port N``: ``POST /v1/batch`` parses the JSON and answers
``{"success": true}`` -- the ceiling of the HTTP layer for Segment's Tracking API.

``python -m benchmarks.baselines crud --port N``: ``POST /api/leads`` and ``GET /api/leads/{id}`` on a
dict in memory -- the ceiling of a REST API that stores nothing but the body.
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

__all__ = ["crud_app", "main", "parse_app"]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["parse", "crud"])
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    app = parse_app() if options.kind == "parse" else crud_app()
    # The same server settings as `fssim serve` (uvicorn's defaults, warnings only).
    uvicorn.run(app, host="127.0.0.1", port=options.port, log_level="warning")


if __name__ == "__main__":
    main()
