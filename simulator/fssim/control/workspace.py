"""Control API for the fake Segment: sources, destinations (Segment side only), the logs and flush.

    POST /_sim/sources                        {"name", "write_key", "kind": "web"|"mobile"|"server"}
    GET  /_sim/sources
    POST /_sim/sources/{name}/destinations    {"type": "freshsales", "api_key", "subdomain"}
    GET  /_sim/events       ?source=&status=&user=&type=&message_id=&code=&event=&limit=
    GET  /_sim/deliveries   ?source=&destination=&status=&user=&type=&message_id=&code=&event=&limit=
    POST /_sim/flush        returns once every due delivery was tried

Enabling Freshsales here is the catalog path of R2: the destination exists, but the account's toggle
is left as it is, which is how "Freshsales is not accepting the data sent by Segment" happens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from fssim.control.http import ControlError, read_json_object
from fssim.segment.logs import LogFilter
from fssim.segment.workspace import WorkspaceError

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["routes"]

Endpoint = Callable[[Request], Awaitable[JSONResponse]]


def _limit(request: Request) -> int | None:
    raw = request.query_params.get("limit")
    if raw is None:
        return None
    if not raw.isdigit():
        raise ControlError(400, f"'limit' must be a whole number >= 0, got {raw!r}")
    return int(raw)


def _filters(request: Request) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items() if key != "limit"}


def routes(sim: Simulator) -> list[BaseRoute]:
    segment = sim.segment

    async def add_source(request: Request) -> JSONResponse:
        body = await read_json_object(request)
        try:
            source = segment.add_source(body.get("name"), body.get("write_key"), body.get("kind"))
        except WorkspaceError as error:
            raise ControlError(error.status_code, error.message) from error
        return JSONResponse({"source": source}, status_code=201)

    async def list_sources(request: Request) -> JSONResponse:
        return JSONResponse({"sources": segment.sources()})

    async def add_destination(request: Request) -> JSONResponse:
        body = await read_json_object(request)
        try:
            destination = segment.add_destination(request.path_params["name"], body.get("type"),
                                                  body.get("api_key"), body.get("subdomain"))
        except WorkspaceError as error:
            raise ControlError(error.status_code, error.message) from error
        return JSONResponse({"destination": destination}, status_code=201 if destination["created"] else 200)

    def log_reader(key: str, read: Callable[[LogFilter, int | None], Sequence[Mapping[str, Any]]]) -> Endpoint:
        async def answer(request: Request) -> JSONResponse:
            try:
                entries = read(_filters(request), _limit(request))
            except ValueError as error:  # an unknown filter or value, named in the message
                raise ControlError(400, str(error)) from error
            return JSONResponse({key: entries, "count": len(entries)})

        return answer

    async def flush(request: Request) -> JSONResponse:
        return JSONResponse(await segment.flush())

    return [
        Route("/_sim/sources", add_source, methods=["POST"]),
        Route("/_sim/sources", list_sources, methods=["GET"]),
        Route("/_sim/sources/{name}/destinations", add_destination, methods=["POST"]),
        Route("/_sim/events", log_reader("events", segment.event_log), methods=["GET"]),
        Route("/_sim/deliveries", log_reader("deliveries", segment.delivery_log), methods=["GET"]),
        Route("/_sim/flush", flush, methods=["POST"]),
    ]
