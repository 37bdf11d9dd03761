"""The fake Freshsales REST API: every endpoint, the OpenAPI document, and the routes the app mounts at
``/api`` and ``/crm/sales/api`` (see docs/freshsales.md).

One table (:func:`all_endpoints`, in :class:`fssim.endpoints.Endpoint` rows) makes both the routes and
the OpenAPI document, so the document can never leave an endpoint out. Each handler runs behind the
REST gate (:func:`fssim.freshsales.rest.auth.guarded`: key, host, plan, rate limits, error bodies), an
ASGI app per endpoint."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute

from fssim.endpoints import Endpoint, to_app_routes, to_routes
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

__all__ = ["all_endpoints", "openapi_document", "routes"]


def all_endpoints() -> list[Endpoint[Handler]]:
    return [*records.endpoints(), *lookup.endpoints(), *filtered.endpoints(), *engagements.endpoints(),
            *settings.endpoints(), *schedule.endpoints(), *lists.endpoints(), *selectors.endpoints(),
            *objects.endpoints(), *timelines.endpoints()]


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document, built on its first request and then kept for the life of the process.

    It depends only on the endpoint tables, never on a simulator, and building it was more than half of
    what a new simulator cost (so of the ``fssim`` fixture's cost per test). Nothing may change it:
    every simulator of the process serves this one object.
    """
    return document(all_endpoints())


async def openapi(request: Request) -> JSONResponse:
    # Public, like most API descriptions: it holds no account data.
    return JSONResponse(openapi_document())


def routes(freshsales: Freshsales) -> list[BaseRoute]:
    endpoints = all_endpoints()
    # Outside the gate and outside the document it serves.
    described = [Endpoint("GET", "/openapi.json", openapi, "This OpenAPI document", "meta")]
    return [*to_routes(described, lambda handler: handler),
            *to_app_routes(endpoints, lambda handler: guarded(freshsales, handler))]
