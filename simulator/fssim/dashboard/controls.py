"""Controls: flush, advance the clock, force failures, reset (confirmed), and a test message from a
source. Each is a CSRF-protected POST through the same service calls as the control API."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fssim.dashboard.web import Dashboard, DashboardEndpoint, DashboardError, redirect
from fssim.endpoints import Endpoint

__all__ = ["ENDPOINTS", "advance", "controls", "failures", "flush", "reset", "send"]

_CALLS = ("identify", "page", "track")


async def controls(dash: Dashboard, request: Request) -> Response:
    return dash.page(request, "controls.html", accounts=[a.subdomain for a in dash.sim.freshsales.accounts.all()],
                     sources=[s["name"] for s in dash.sim.segment.sources()], calls=_CALLS,
                     state=dash.sim.segment.state())


async def flush(dash: Dashboard, request: Request) -> Response:
    await dash.form(request)
    result = await dash.sim.segment.flush()
    return redirect("/ui/controls", f"Flushed: {result['tried']} tried, {result['open']} still open")


def _number(form: dict[str, str], name: str, *, required: bool = True) -> float | None:
    raw = form.get(name, "").strip()
    if not raw:
        if required:
            raise DashboardError(400, f"'{name}' is required")
        return None
    try:
        value = float(raw)
    except ValueError:
        raise DashboardError(400, f"'{name}' must be a number, got {raw!r}") from None
    if not math.isfinite(value) or value < 0:
        raise DashboardError(400, f"'{name}' must be a finite number >= 0, got {raw!r}")
    return value


async def advance(dash: Dashboard, request: Request) -> Response:
    seconds = _number(await dash.form(request), "seconds")
    assert seconds is not None
    try:
        now = dash.sim.clock.advance(seconds)
    except ValueError as error:
        raise DashboardError(400, f"'seconds' is too large: {error}") from error
    return redirect("/ui/controls", f"Clock moved {seconds:g} s forward, to {now:%Y-%m-%d %H:%M:%S}")


async def failures(dash: Dashboard, request: Request) -> Response:
    form = await dash.form(request)
    subdomain = form.get("account", "")
    if dash.sim.freshsales.accounts.get(subdomain) is None:
        raise DashboardError(404, f"no Freshsales account with subdomain {subdomain!r}")
    forced = dash.sim.freshsales.forced_failures
    if form.get("clear"):
        forced.clear(subdomain)
        return redirect("/ui/controls", f"Forced failures of {subdomain} cleared")
    status, count, seconds = (_number(form, "status"), _number(form, "count", required=False),
                              _number(form, "seconds", required=False))
    assert status is not None
    try:
        forced.set(subdomain, int(status), count=None if count is None else int(count), seconds=seconds,
                   retry_after=None)
    except ValueError as error:
        raise DashboardError(400, str(error)) from error
    return redirect("/ui/controls", f"{subdomain}'s receiver now answers {int(status)}")


async def reset(dash: Dashboard, request: Request) -> Response:
    form = await dash.form(request)
    if form.get("confirm") != "yes":
        raise DashboardError(400, "reset forgets every account, record, source, event and delivery: tick "
                                  "the confirmation box to do it")
    dash.sim.reset()
    return redirect("/", "Reset: everything was forgotten (the clock kept its time)")


async def send(dash: Dashboard, request: Request) -> Response:
    """A test identify, page or track from a source, through Segment's ingest like a real client call."""
    form = await dash.form(request)
    call = form.get("call", "")
    if call not in _CALLS:
        raise DashboardError(400, f"'call' must be one of {', '.join(_CALLS)}")
    name = form.get("source", "")
    source = next((s for s in dash.sim.segment.sources() if s["name"] == name), None)
    if source is None:
        raise DashboardError(404, f"no Segment source named {name!r}")
    try:
        extra = json.loads(form.get("data") or "{}")
    except ValueError as error:
        raise DashboardError(400, f"traits/properties must be a JSON object: {error}") from None
    if not isinstance(extra, dict):
        raise DashboardError(400, "traits/properties must be a JSON object")
    message: dict[str, Any] = {"type": call, "userId": form.get("user_id", "").strip() or None}
    if call == "identify":
        message["traits"] = extra
    elif call == "track":
        message["event"] = form.get("event", "").strip() or "Test Event"
        message["properties"] = extra
    else:
        message["name"] = form.get("event", "").strip() or "Test Page"
        message["properties"] = extra
    message = {k: v for k, v in message.items() if v is not None}
    dash.sim.segment.ingest(f"/v1/{call}", [message], {}, source["write_key"])
    return redirect("/ui/segment/debugger", f"Test {call} sent from {name}")


ENDPOINTS: list[DashboardEndpoint] = [
    Endpoint("GET", "/ui/controls", controls, "Controls", "dashboard"),
    Endpoint("POST", "/ui/controls/flush", flush, "Flush: try every due delivery", "dashboard"),
    Endpoint("POST", "/ui/controls/clock", advance, "Advance the simulated clock", "dashboard"),
    Endpoint("POST", "/ui/controls/failures", failures, "Force (or clear) the receiver's failures", "dashboard"),
    Endpoint("POST", "/ui/controls/reset", reset, "Reset, confirmed", "dashboard"),
    Endpoint("POST", "/ui/controls/send", send, "Send a test identify, page or track", "dashboard"),
]
