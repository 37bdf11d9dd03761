"""One shape for every HTTP endpoint fssim serves: a table of :class:`Endpoint` rows, made into routes
by :func:`to_routes`.

Each surface (the Tracking API, the Segment receiver, the control API, the REST API) declares its
endpoints as a table of small named handler functions; ``to_routes`` binds each handler to what it
needs and renders any :class:`~fssim.errors.Refusal` it raises, so no surface builds its own error
answers for them. The same table can describe the surface too (the REST API's OpenAPI document).

Most handlers take ``(context, request)``, the context being the object the surface serves (the
``Simulator``, the ``SegmentReceiver``, Segment's ingest function); :func:`bound_to` binds them. The
REST API's handlers take a ``Call`` instead and are bound by its gate (``rest/auth.guarded``), which
answers every outcome itself: :func:`to_app_routes` makes those rows routes to ASGI apps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from fssim.errors import Refusal

__all__ = ["Endpoint", "Responder", "bound_to", "refusal_response", "to_app_routes", "to_routes"]

H = TypeVar("H")
C = TypeVar("C")

# What Starlette calls for a request.
Responder = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Endpoint(Generic[H]):
    """One (method, path) a surface answers, with the handler that answers it and what it is for."""

    method: str
    path: str  # Starlette syntax, relative to where the surface is mounted: "/leads/{id:int}"
    handler: H
    summary: str
    tag: str
    body: str | None = None  # the envelope key of the request body ("lead"), if it takes one
    query: tuple[str, ...] = ()
    responses: dict[int, str] = field(default_factory=dict)


def refusal_response(refusal: Refusal) -> JSONResponse:
    """The one place a :class:`Refusal` becomes an answer: its JSON with its status."""
    return JSONResponse(refusal.to_json(), status_code=refusal.status_code)


def bound_to(context: C) -> Callable[[Callable[[C, Request], Awaitable[Response]]], Responder]:
    """Bind ``(context, request)`` handlers to ``context``, for :func:`to_routes`."""

    def bind(handler: Callable[[C, Request], Awaitable[Response]]) -> Responder:
        async def endpoint(request: Request) -> Response:
            return await handler(context, request)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return bind


def _rendering_refusals(responder: Responder) -> Responder:
    async def endpoint(request: Request) -> Response:
        try:
            return await responder(request)
        except Refusal as refusal:
            return refusal_response(refusal)

    endpoint.__name__ = responder.__name__
    endpoint.__doc__ = responder.__doc__
    return endpoint


def to_routes(endpoints: Iterable[Endpoint[H]], bind: Callable[[H], Responder]) -> list[BaseRoute]:
    """One route per endpoint, in table order; ``bind`` makes each handler a Starlette endpoint."""
    # One Route per (path, method): Starlette tries them in order and answers 405 only when a path
    # matched under no method.
    return [Route(e.path, _rendering_refusals(bind(e.handler)), methods=[e.method], name=f"{e.method} {e.path}")
            for e in endpoints]


def to_app_routes(endpoints: Iterable[Endpoint[H]], bind: Callable[[H], ASGIApp]) -> list[BaseRoute]:
    """One route per endpoint, in table order, each to the ASGI app ``bind`` makes of its handler.

    For a surface whose binding answers every outcome itself, errors included (the REST gate): Starlette
    calls an ASGI endpoint as it is, with no ``Request``, no exception wrapper and no ``Response`` object
    on the way, which a surface that answers thousands of calls a second notices (issue 12)."""
    return [Route(e.path, bind(e.handler), methods=[e.method], name=f"{e.method} {e.path}") for e in endpoints]
