"""The Freshsales side, per account: the integrations page with the Segment toggle, the lead and contact
lists, and the record page with its activity timeline and the Segment deliveries that touched it.

Switching the toggle on is the seed's flow: it takes the user to fssim's Segment "Send data to
Freshsales" page (:mod:`fssim.dashboard.segment_pages`), where Send Data performs the R2 hand-over.
Switching it off is a POST here.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fssim.dashboard.web import Dashboard, DashboardEndpoint, DashboardError, redirect
from fssim.endpoints import Endpoint
from fssim.freshsales.accounts import Account
from fssim.freshsales.errors import FreshsalesError

__all__ = ["ENDPOINTS", "PER_PAGE", "integrations", "record", "records", "segment_off"]

PER_PAGE = 25
_ENTITIES = {"leads": "lead", "contacts": "contact"}


def account_named(dash: Dashboard, request: Request) -> Account:
    subdomain = request.path_params["subdomain"]
    account = dash.sim.freshsales.accounts.get(subdomain)
    if account is None:
        raise DashboardError(404, f"no Freshsales account with subdomain {subdomain!r}")
    return account


def _entity(request: Request) -> tuple[str, str]:
    plural = request.path_params["plural"]
    if plural not in _ENTITIES:
        raise DashboardError(404, f"no such list {plural!r}: use leads or contacts")
    return plural, _ENTITIES[plural]


def _whole(raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise DashboardError(400, f"page must be a whole number >= 1, got {raw!r}")
    return int(raw)


async def integrations(dash: Dashboard, request: Request) -> Response:
    account = account_named(dash, request)
    return dash.page(request, "integrations.html", account=account,
                     history=list(reversed(account.segment_history))[:5])


async def segment_off(dash: Dashboard, request: Request) -> Response:
    account = account_named(dash, request)
    await dash.form(request)
    dash.sim.freshsales.disable_segment(account.subdomain, via="freshsales")
    return redirect(f"/ui/accounts/{account.subdomain}/integrations", "Segment is disabled: deliveries now get 403")


async def records(dash: Dashboard, request: Request) -> Response:
    account = account_named(dash, request)
    plural, entity = _entity(request)
    email = (request.query_params.get("email") or "").strip()
    order = request.query_params.get("order") or "desc"
    if order not in ("asc", "desc"):
        raise DashboardError(400, f"order must be asc or desc, got {order!r}")
    page = _whole(request.query_params.get("page"), 1)
    listing = dash.sim.freshsales.listing
    try:
        if email:
            found = listing.by_email(account.subdomain, entity, email)
            total, pages = len(found), 1
        else:
            found, total, pages = listing.page(account.subdomain, entity, page=page, per_page=PER_PAGE,
                                               descending=order == "desc")
    except FreshsalesError as error:  # leads on a Suite account
        raise DashboardError(404, str(error)) from error
    return dash.page(request, "records.html", account=account, plural=plural, entity=entity, records=found,
                     total=total, page=page, pages=pages, email=email, order=order)


async def record(dash: Dashboard, request: Request) -> Response:
    account = account_named(dash, request)
    plural, entity = _entity(request)
    record_id = request.path_params["record_id"]
    fs = dash.sim.freshsales
    try:
        shown = fs.records.get(account.subdomain, entity, record_id)
    except FreshsalesError as error:
        raise DashboardError(404, str(error)) from error
    timeline = fs.timeline.activities(account.subdomain, entity, record_id)
    # The deliveries that touched it: messages to this account whose userId is the record's email
    # or its external id (R4, R6), newest first.
    users = {str(u) for u in (shown.get("email"), shown.get("external_id")) if u}
    deliveries = [d for user in sorted(users) for d in dash.sim.segment.delivery_log(
        {"user": user, "destination": account.subdomain})]
    deliveries.sort(key=lambda d: d["id"], reverse=True)
    fields = {k: v for k, v in shown.items() if k not in ("custom_field", "links") and v not in (None, "", [], {})}
    return dash.page(request, "record.html", account=account, plural=plural, entity=entity, record=shown,
                     fields=fields, custom=shown.get("custom_field") or {}, timeline=timeline,
                     deliveries=deliveries)


_ACCOUNT = "/ui/accounts/{subdomain}"

ENDPOINTS: list[DashboardEndpoint] = [
    Endpoint("GET", f"{_ACCOUNT}/integrations", integrations, "Freshsales: the integrations page", "dashboard"),
    Endpoint("POST", f"{_ACCOUNT}/integrations/segment/off", segment_off, "Switch the Segment toggle off",
             "dashboard"),
    Endpoint("GET", f"{_ACCOUNT}/{{plural}}", records, "Freshsales: leads or contacts", "dashboard"),
    Endpoint("GET", f"{_ACCOUNT}/{{plural}}/{{record_id:int}}", record, "Freshsales: one record and its timeline",
             "dashboard"),
]
