"""One table of the REST API's endpoints, from which both the routes and the OpenAPI document are made,
so the document can never leave an endpoint out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute, Route

from fssim.freshsales.rest.auth import Handler, guarded

if TYPE_CHECKING:
    from fssim.freshsales.service import Freshsales

__all__ = ["Endpoint", "to_routes"]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # Starlette syntax, relative to the /api or /crm/sales/api mount: "/leads/{id:int}"
    handler: Handler
    summary: str
    tag: str
    body: str | None = None  # the envelope key of the request body ("lead"), if it takes one
    query: tuple[str, ...] = ()
    responses: dict[int, str] = field(default_factory=dict)


def to_routes(fs: Freshsales, endpoints: list[Endpoint]) -> list[BaseRoute]:
    # One Route per (path, method): Starlette tries them in order and answers 405 only when a path
    # matched under no method.
    return [Route(e.path, guarded(fs, e.handler), methods=[e.method], name=f"{e.method} {e.path}")
            for e in endpoints]
