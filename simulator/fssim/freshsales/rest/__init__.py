"""The fake Freshsales REST API: every endpoint, the OpenAPI document, and the routes the app mounts at
``/api`` and ``/crm/sales/api`` (see docs/freshsales.md).

One table (:func:`all_endpoints`, in :class:`fssim.endpoints.Endpoint` rows) makes both the routes and
the OpenAPI document, so the document can never leave an endpoint out. Each handler runs behind the
REST gate (:func:`fssim.freshsales.rest.auth.guarded`: key, host, plan, rate limits, error bodies)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute

from fssim.endpoints import Endpoint, bound_to, to_routes
from fssim.freshsales.rest import (
    engagements,
    filtered,
    lists,
    lookup,
    objects,
    records,
    schedule,
    selectors,
    settings,
    timelines,
)
from fssim.freshsales.rest.auth import Handler, guarded
from fssim.freshsales.rest.openapi import document

if TYPE_CHECKING:
    from fssim.freshsales.service import Freshsales

__all__ = ["all_endpoints", "routes"]


def all_endpoints() -> list[Endpoint[Handler]]:
    return [*records.endpoints(), *lookup.endpoints(), *filtered.endpoints(), *engagements.endpoints(),
            *settings.endpoints(), *schedule.endpoints(), *lists.endpoints(), *selectors.endpoints(),
            *objects.endpoints(), *timelines.endpoints()]


async def openapi(spec: dict[str, Any], request: Request) -> JSONResponse:
    # Public, like most API descriptions: it holds no account data.
    return JSONResponse(spec)


def routes(freshsales: Freshsales) -> list[BaseRoute]:
    endpoints = all_endpoints()
    # Outside the gate and outside the document it serves.
    described = [Endpoint("GET", "/openapi.json", openapi, "This OpenAPI document", "meta")]
    return [*to_routes(described, bound_to(document(endpoints))),
            *to_routes(endpoints, lambda handler: guarded(freshsales, handler))]
