"""The fake Freshsales REST API: every endpoint, the OpenAPI document, and the routes the app mounts at
``/api`` and ``/crm/sales/api`` (see docs/freshsales.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from fssim.freshsales.rest import engagements, filtered, lookup, records, settings
from fssim.freshsales.rest.endpoints import Endpoint, to_routes
from fssim.freshsales.rest.openapi import document

if TYPE_CHECKING:
    from fssim.freshsales.service import Freshsales

__all__ = ["all_endpoints", "routes"]


def all_endpoints() -> list[Endpoint]:
    return [*records.endpoints(), *lookup.endpoints(), *filtered.endpoints(), *engagements.endpoints(),
            *settings.endpoints()]


def routes(freshsales: Freshsales) -> list[BaseRoute]:
    endpoints = all_endpoints()
    spec = document(endpoints)

    async def openapi(request: Request) -> JSONResponse:
        # Public, like most API descriptions: it holds no account data.
        return JSONResponse(spec)

    return [Route("/openapi.json", openapi, methods=["GET"]), *to_routes(freshsales, endpoints)]
