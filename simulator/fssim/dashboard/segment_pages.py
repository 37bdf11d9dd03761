"""The Segment side: sources and their destinations (with the catalog's "Add destination"), the "Send data
to Freshsales" page the Freshsales toggle leads to, the debugger and the event-delivery view.

Two ways to connect Freshsales, as in R2: "Add destination" here is Segment's catalog, which leaves the
account's toggle off (the data-not-accepted story); Send Data on the send-data page is the hand-over
from Freshsales, which switches the toggle on and connects the destination in one step.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fssim.dashboard.web import Dashboard, DashboardEndpoint, DashboardError, redirect
from fssim.endpoints import Endpoint
from fssim.errors import Refusal
from fssim.segment.spec import MESSAGE_TYPES

__all__ = ["DEBUGGER_ROWS", "ENDPOINTS", "add_destination", "add_source", "debugger", "debugger_rows",
           "deliveries", "send_data", "send_data_page", "sources"]

DEBUGGER_ROWS = 50  # the newest events the debugger shows; it is a live tail, not an archive
DELIVERY_ROWS = 100
_DELIVERY_FILTERS = ("user", "source", "type", "code", "message_id")


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


async def sources(dash: Dashboard, request: Request) -> Response:
    return dash.page(request, "sources.html", sources=dash.sim.segment.sources(),
                     accounts=[a.subdomain for a in dash.sim.freshsales.accounts.all()])


async def add_source(dash: Dashboard, request: Request) -> Response:
    form = await dash.form(request)
    source = dash.sim.segment.add_source(form.get("name"), form.get("write_key"), form.get("kind") or "web")
    return redirect("/ui/segment/sources", f"Source {source['name']} created")


async def add_destination(dash: Dashboard, request: Request) -> Response:
    """Segment's catalog: Add destination > Freshsales, with the API key and subdomain typed in."""
    form = await dash.form(request)
    name = request.path_params["name"]
    dash.sim.segment.add_destination(name, "freshsales", form.get("api_key"), form.get("subdomain"))
    return redirect("/ui/segment/sources", f"Freshsales added to {name} from the catalog; the account's "
                                           "Segment toggle is unchanged")


async def send_data_page(dash: Dashboard, request: Request) -> Response:
    subdomain = request.query_params.get("account", "")
    account = dash.sim.freshsales.accounts.get(subdomain)
    if account is None:
        raise DashboardError(404, f"no Freshsales account with subdomain {subdomain!r}")
    return dash.page(request, "send_data.html", account=account, sources=dash.sim.segment.sources())


async def send_data(dash: Dashboard, request: Request) -> Response:
    """Send Data: the R2 hand-over, through the same service call as the control API's enable."""
    form = await dash.form(request)
    account = dash.sim.freshsales.accounts.get(form.get("account", ""))
    if account is None:
        raise DashboardError(404, f"no Freshsales account with subdomain {form.get('account')!r}")
    source = (form.get("source") or "").strip()
    if not source:
        raise DashboardError(400, "pick the Segment source that should send data to Freshsales")
    try:
        dash.sim.freshsales.enable_segment(account.subdomain, source=source, via="freshsales")
    except Refusal as refusal:  # Segment refused the hand-over; the service put the toggle back
        raise DashboardError(refusal.status_code, f"Segment could not take the hand-over: {refusal.message}") \
            from refusal
    return redirect(f"/ui/accounts/{account.subdomain}/integrations",
                    f"Segment is enabled: source {source} sends data to Freshsales")


def _events_after(dash: Dashboard, after: int) -> list[dict[str, Any]]:
    entries = dash.sim.segment.event_log({}, DEBUGGER_ROWS)
    return [dict(e, pretty=_pretty(e.get("message"))) for e in reversed(entries) if e["id"] > after]


async def debugger(dash: Dashboard, request: Request) -> Response:
    events = _events_after(dash, 0)
    return dash.page(request, "debugger.html", events=events, last=max((e["id"] for e in events), default=0))


async def debugger_rows(dash: Dashboard, request: Request) -> Response:
    """The rows newer than ``after``, as HTML the debugger's script inserts (rendered and escaped here)."""
    raw = request.query_params.get("after", "0")
    if not raw.isdigit():
        raise DashboardError(400, f"'after' must be an event id, got {raw!r}")
    events = _events_after(dash, int(raw))
    answer = dash.page(request, "debugger_rows.html", events=events)
    answer.headers["X-Last-Event"] = str(max((e["id"] for e in events), default=int(raw)))
    return answer


async def deliveries(dash: Dashboard, request: Request) -> Response:
    filters = {k: request.query_params.get(k, "").strip() for k in _DELIVERY_FILTERS}
    filters = {k: v for k, v in filters.items() if v}
    if filters.get("type") and filters["type"] not in MESSAGE_TYPES:
        raise DashboardError(400, f"unknown type {filters['type']!r}; use {', '.join(MESSAGE_TYPES)}")
    code = filters.pop("code", None)
    entries = [d for d in dash.sim.segment.delivery_log(filters) if not code or d.get("code") == code]
    per_destination: dict[str, Counter[str]] = defaultdict(Counter)
    for entry in entries:
        per_destination[f"{entry['destination']} ({entry['subdomain']}) on {entry['source']}"][
            str(entry.get("code") or entry["status"])] += 1
    shown = list(reversed(entries))[:DELIVERY_ROWS]
    all_codes = sorted({str(d.get("code")) for d in dash.sim.segment.delivery_log({}) if d.get("code")})
    return dash.page(request, "deliveries.html", deliveries=shown, total=len(entries),
                     per_destination={k: dict(sorted(v.items())) for k, v in sorted(per_destination.items())},
                     filters={**filters, "code": code or ""}, types=MESSAGE_TYPES, codes=all_codes,
                     sources=[s["name"] for s in dash.sim.segment.sources()])


ENDPOINTS: list[DashboardEndpoint] = [
    Endpoint("GET", "/ui/segment/sources", sources, "Segment: sources and destinations", "dashboard"),
    Endpoint("POST", "/ui/segment/sources", add_source, "Segment: create a source", "dashboard"),
    Endpoint("POST", "/ui/segment/sources/{name}/destinations", add_destination,
             "Segment's catalog: add the Freshsales destination (toggle untouched)", "dashboard"),
    Endpoint("GET", "/ui/segment/send-data", send_data_page, "Segment: the Send data to Freshsales window",
             "dashboard"),
    Endpoint("POST", "/ui/segment/send-data", send_data, "Send Data: the R2 hand-over", "dashboard"),
    Endpoint("GET", "/ui/segment/debugger", debugger, "Segment: the live debugger", "dashboard"),
    Endpoint("GET", "/ui/segment/debugger/rows", debugger_rows, "Debugger rows newer than an event id",
             "dashboard"),
    Endpoint("GET", "/ui/segment/deliveries", deliveries, "Segment: event delivery", "dashboard"),
]
