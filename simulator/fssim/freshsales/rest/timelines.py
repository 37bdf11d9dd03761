"""Activity timelines over REST: ``GET /<plural>/:id/activities`` for leads, contacts, sales accounts
and deals (reference §3.3), ``{"activities": [...], "meta": {"total", "total_pages"}}``, oldest first.

The reference documents the endpoint for leads and contacts. **Simulator policy:** sales accounts and
deals answer the same path in the same shape, because tasks, appointments, notes and sales activities
may target them and issue 13 puts those on the target's timeline; a client that reads a contact's
timeline reads an account's or a deal's the same way. Their timeline holds only those items (a sales
account's or deal's own field changes are not recorded).

Paged only on request (simulator policy): clients that read ``['activities']`` once get it all.
"""

from __future__ import annotations

from typing import Any

from fssim.endpoints import Endpoint
from fssim.freshsales.errors import ValidationError
from fssim.freshsales.rest.auth import Call, Handler
from fssim.freshsales.views import MAX_PER_PAGE

__all__ = ["endpoints"]

# entity -> its path (the tag the OpenAPI document groups it under).
_PLURALS = {"lead": "leads", "contact": "contacts", "sales_account": "sales_accounts", "deal": "deals"}


def _require(call: Call, entity: str, record_id: int) -> None:
    """404 for a record this account does not have (and, for leads, the Suite 404 of the module)."""
    if entity == "sales_account":
        call.fs.sales_accounts.get(call.account, record_id)
    elif entity == "deal":
        call.fs.deals.get(call.account, record_id)
    else:
        call.fs.records.get(call.account.subdomain, entity, record_id)


def _timeline(entity: str) -> Handler:
    def activities(call: Call) -> tuple[int, Any]:
        record_id = call.path_id()
        _require(call, entity, record_id)
        items = call.fs.timeline.activities(call.account.subdomain, entity, record_id)
        total = len(items)
        if "page" in call.query or "per_page" in call.query:
            page, per_page = call.query_int("page", 1), call.query_int("per_page", 25)
            if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
                raise ValidationError(f"page must be >= 1 and per_page from 1 to {MAX_PER_PAGE}")
            items = items[(page - 1) * per_page: page * per_page]
            pages = max(1, -(-total // per_page))
        else:
            pages = 1
        return 200, {"activities": items, "meta": {"total": total, "total_pages": pages}}

    return activities


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", f"/{plural}/{{id:int}}/activities", _timeline(entity),
                 f"The {entity.replace('_', ' ')}'s activity timeline", plural, query=("page", "per_page"),
                 responses={200: "activities and meta.total", 404: "no such record in this account"})
        for entity, plural in _PLURALS.items()]
