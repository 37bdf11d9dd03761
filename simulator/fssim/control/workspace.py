"""Control API for the fake Segment: sources, destinations (Segment side only), the logs and flush.

    POST /_sim/sources                        {"name", "write_key", "kind": "web"|"mobile"|"server"}
    GET  /_sim/sources                        (write keys masked, ``****abcd``)
    GET  /_sim/sources/{name}/write-key       the source's write key in full, for tests
    POST /_sim/sources/{name}/destinations    {"type": "freshsales", "api_key", "subdomain"}
    GET  /_sim/events       ?source=&status=&user=&type=&message_id=&code=&event=&limit=
    GET  /_sim/deliveries   ?source=&destination=&status=&user=&type=&message_id=&code=&event=&limit=
    POST /_sim/flush        returns once every due delivery was tried
    GET  /_sim/delivery-order                  {"order": "ordered"|"unordered", "seed"}
    POST /_sim/delivery-order {"order", "seed"?}   until the next reset (then the configured one again)

Enabling Freshsales here is the catalog path of R2: the destination exists, but the account's toggle
is left as it is, which is how "Freshsales is not accepting the data sent by Segment" happens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from fssim.control.http import ControlEndpoint, ControlError, field, read_json_object, shown
from fssim.endpoints import Endpoint
from fssim.segment.logs import LogFilter

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["ENDPOINTS", "add_destination", "add_source", "deliveries", "delivery_order", "events", "flush",
           "list_sources", "set_delivery_order", "write_key"]


def _limit(request: Request) -> int | None:
    raw = request.query_params.get("limit")
    if raw is None:
        return None
    if not raw.isdigit():
        raise ControlError(400, f"'limit' must be a whole number >= 0, got {raw!r}")
    return int(raw)


def _filters(request: Request) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items() if key != "limit"}


# A WorkspaceError (bad name, unknown source, taken key) is a Refusal: the routes answer it with its status.
async def add_source(sim: Simulator, request: Request) -> JSONResponse:
    body = await read_json_object(request)
    source = sim.segment.add_source(body.get("name"), body.get("write_key"), body.get("kind"))
    return JSONResponse({"source": shown(sim, source)}, status_code=201)


async def list_sources(sim: Simulator, request: Request) -> JSONResponse:
    return JSONResponse({"sources": shown(sim, sim.segment.sources())})


async def write_key(sim: Simulator, request: Request) -> JSONResponse:
    """The one place a source's write key is shown in full (answers elsewhere mask it): for tests."""
    name = request.path_params["name"]
    for source in sim.segment.sources():
        if source["name"] == name:
            return JSONResponse({"write_key": source["write_key"]})
    raise ControlError(404, f"no Segment source named {name!r} (create it with POST /_sim/sources)")


async def add_destination(sim: Simulator, request: Request) -> JSONResponse:
    body = await read_json_object(request)
    destination = sim.segment.add_destination(request.path_params["name"], body.get("type"),
                                              body.get("api_key"), body.get("subdomain"))
    return JSONResponse({"destination": shown(sim, destination)}, status_code=201 if destination["created"] else 200)


def _log_answer(sim: Simulator, key: str, read: Callable[[LogFilter, int | None], Sequence[Mapping[str, Any]]],
                request: Request) -> JSONResponse:
    try:
        entries = read(_filters(request), _limit(request))
    except ValueError as error:  # an unknown filter or value, named in the message
        raise ControlError(400, str(error)) from error
    # Logged messages carry the writeKey they were sent with: masked like every key.
    return JSONResponse({key: shown(sim, entries), "count": len(entries)})


async def events(sim: Simulator, request: Request) -> JSONResponse:
    return _log_answer(sim, "events", sim.segment.event_log, request)


async def deliveries(sim: Simulator, request: Request) -> JSONResponse:
    return _log_answer(sim, "deliveries", sim.segment.delivery_log, request)


async def flush(sim: Simulator, request: Request) -> JSONResponse:
    return JSONResponse(await sim.segment.flush())


async def delivery_order(sim: Simulator, request: Request) -> JSONResponse:
    return JSONResponse(sim.segment.delivery_order())


async def set_delivery_order(sim: Simulator, request: Request) -> JSONResponse:
    body = await read_json_object(request)
    order = field(body, "order", str)
    seed = field(body, "seed", int, required=False)
    try:
        sim.segment.set_delivery_order(order, 0 if seed is None else seed)
    except ValueError as error:
        raise ControlError(400, str(error)) from error
    return JSONResponse(sim.segment.delivery_order())


ENDPOINTS: list[ControlEndpoint] = [
    Endpoint("POST", "/_sim/sources", add_source, "Create a Segment source", "workspace"),
    Endpoint("GET", "/_sim/sources", list_sources, "Every source and its destinations", "workspace"),
    Endpoint("GET", "/_sim/sources/{name}/write-key", write_key, "The source's write key in full (answers mask it)",
             "workspace"),
    Endpoint("POST", "/_sim/sources/{name}/destinations", add_destination,
             "Enable a destination from Segment's catalog (R2, Segment side only)", "workspace"),
    Endpoint("GET", "/_sim/events", events, "Segment's event log", "workspace", query=("limit",)),
    Endpoint("GET", "/_sim/deliveries", deliveries, "Segment's delivery log", "workspace", query=("limit",)),
    Endpoint("POST", "/_sim/flush", flush, "Try every due delivery, then answer", "workspace"),
    Endpoint("GET", "/_sim/delivery-order", delivery_order, "Whether a user's messages keep their order",
             "workspace"),
    Endpoint("POST", "/_sim/delivery-order", set_delivery_order, "Ordered, or unordered with a seed", "workspace"),
]
