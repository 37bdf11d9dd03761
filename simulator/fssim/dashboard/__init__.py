"""The dashboard: Freshsales and Segment as server-rendered pages at ``/`` and ``/ui/...`` (DESIGN §3).

Each module holds one page group's table of endpoints; :data:`ENDPOINTS` is all of them. Pages read and
act only through the services the control API uses (``sim.freshsales``, ``sim.segment``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from fssim.dashboard import controls, freshsales_pages, overview, segment_pages
from fssim.dashboard.web import Dashboard, DashboardEndpoint, bind
from fssim.endpoints import to_routes

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["ENDPOINTS", "routes"]

ENDPOINTS: list[DashboardEndpoint] = [*overview.ENDPOINTS, *freshsales_pages.ENDPOINTS, *segment_pages.ENDPOINTS,
                                      *controls.ENDPOINTS]


def routes(sim: Simulator) -> list[BaseRoute]:
    return to_routes(ENDPOINTS, bind(Dashboard(sim)))
