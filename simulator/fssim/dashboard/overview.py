"""The overview (``/``): accounts, sources, the clock, counts and the delivery chart, on one screen;
and the dashboard's own static files (``/ui/static/...``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from fssim.clock import isoformat
from fssim.dashboard.chart import DeliveryChart
from fssim.dashboard.web import Dashboard, DashboardEndpoint, DashboardError
from fssim.endpoints import Endpoint

__all__ = ["ENDPOINTS", "overview", "static"]

STATIC = Path(__file__).parent / "static"
# Only the files we wrote, by name: a path parameter can never reach outside this folder.
_STATIC_TYPES = {"dashboard.css": "text/css; charset=utf-8", "debugger.js": "text/javascript; charset=utf-8"}


async def overview(dash: Dashboard, request: Request) -> Response:
    sim = dash.sim
    deliveries = sim.segment.delivery_log({})
    chart = DeliveryChart(deliveries)
    by_code = Counter(str(d.get("code") or d.get("status")) for d in deliveries)
    return dash.page(
        request, "overview.html",
        accounts=sim.freshsales.accounts.all(),
        sources=sim.segment.sources(),
        now=isoformat(sim.clock.now()),
        clock="frozen" if sim.clock.frozen else "running",
        event_counts=sim.segment.events.counts(),
        delivery_codes=dict(sorted(by_code.items())),
        chart=chart, bars=chart.bars(), colours=chart.colours(), size=chart.size(),
    )


async def static(dash: Dashboard, request: Request) -> Response:
    name = request.path_params["name"]
    media_type = _STATIC_TYPES.get(name)
    if media_type is None:
        raise DashboardError(404, f"no dashboard file {name!r}")
    return Response((STATIC / name).read_bytes(), media_type=media_type,
                    headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


ENDPOINTS: list[DashboardEndpoint] = [
    Endpoint("GET", "/", overview, "The dashboard's overview page", "dashboard"),
    Endpoint("GET", "/ui/static/{name}", static, "The dashboard's own CSS and JS", "dashboard"),
]
