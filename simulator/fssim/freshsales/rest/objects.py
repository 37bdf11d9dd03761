"""Sales accounts and deals: create, view (``include=``), update, delete, upsert, list views and
their pages (reference §2.1, §2.3, §5), one table per kind under ``/sales_accounts`` and ``/deals``.

Statuses as for leads and contacts: a POST that creates answers 201, everything else 200, a delete
answers ``true``; an upsert answers 201 when it created, 200 when it updated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fssim.endpoints import Endpoint
from fssim.freshsales.errors import ValidationError
from fssim.freshsales.objects import Objects
from fssim.freshsales.rest.auth import Call
from fssim.freshsales.rest.sideloads import record_side_loads

__all__ = ["endpoints"]

_PAGE_QUERY = ("page", "per_page", "sort", "sort_type", "include")
_LABELS = {"sales_account": "SalesAccount", "deal": "Deal"}


def _store(call: Call, plural: str) -> Objects:
    return call.fs.sales_accounts if plural == "sales_accounts" else call.fs.deals


def side_loads(call: Call, entity: str, plural: str, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Sibling arrays for ``include=a,b`` (``rest/sideloads.py``), as for leads and contacts."""
    return record_side_loads(call, _LABELS[entity], {entity, plural, "meta"}, records)


def _kind_endpoints(entity: str, plural: str, label: str) -> list[Endpoint]:
    def create(call: Call) -> tuple[int, Any]:
        return 201, {entity: _store(call, plural).create(call.account, call.record_body(entity))}

    def view(call: Call) -> tuple[int, Any]:
        record = _store(call, plural).get(call.account, call.path_id())
        return 200, {entity: record, **side_loads(call, entity, plural, [record])}

    def update(call: Call) -> tuple[int, Any]:
        return 200, {entity: _store(call, plural).update(call.account, call.path_id(), call.record_body(entity))}

    def delete(call: Call) -> tuple[int, Any]:
        _store(call, plural).delete(call.account, call.path_id())
        return 200, True

    def upsert(call: Call) -> tuple[int, Any]:
        body = call.json_object()
        payload = body.get(entity, {})
        if not isinstance(payload, dict):
            raise ValidationError(f"The type for {entity} is invalid.")
        identifier = body.get("unique_identifier")
        if not isinstance(identifier, dict) or not identifier:
            raise ValidationError('unique_identifier is required, e.g. {"name": "Acme Inc"}')
        record, created = _store(call, plural).upsert(call.account, identifier, payload)
        return (201 if created else 200), {entity: record, **side_loads(call, entity, plural, [record])}

    def filters(call: Call) -> tuple[int, Any]:
        views = [{"id": v["id"], "name": v["name"], "model_class_name": label, "user_id": call.account.user_id,
                  "is_default": True, "is_public": True, "updated_at": call.account.created_at}
                 for v in _store(call, plural).views(call.account)]
        return 200, {"filters": views}

    def list_view(call: Call) -> tuple[int, Any]:
        page = _store(call, plural).list(
            call.account, call.path_id("view_id"), page=call.query_int("page", 1),
            per_page=call.query_int("per_page", 25), sort=call.query.get("sort") or None,
            sort_type=(call.query.get("sort_type") or "desc").lower())
        return 200, {plural: page.records, "meta": {"total_pages": page.total_pages, "total": page.total},
                     **side_loads(call, entity, plural, page.records)}

    name = entity.replace("_", " ")
    return [
        Endpoint("POST", f"/{plural}", create, f"Create a {name}", plural, body=entity,
                 responses={201: f"the new {name}", 400: "every problem named"}),
        Endpoint("POST", f"/{plural}/upsert", upsert, f"Create or update a {name} by a unique field", plural,
                 body=entity, query=("include",), responses={200: "updated", 201: "created", 400: "every problem"}),
        Endpoint("GET", f"/{plural}/filters", filters, f"List the {name} views", plural, responses={200: "views"}),
        Endpoint("GET", f"/{plural}/view/{{view_id:int}}", list_view, f"List a {name} view, paged", plural,
                 query=_PAGE_QUERY, responses={200: f"{plural} and meta.total_pages, meta.total",
                                               404: "no such view"}),
        Endpoint("GET", f"/{plural}/{{id:int}}", view, f"View a {name}", plural, query=("include",),
                 responses={200: f"the {name}", 404: "no such record in this account"}),
        Endpoint("PUT", f"/{plural}/{{id:int}}", update, f"Update a {name}", plural, body=entity,
                 responses={200: f"the {name}", 400: "every problem named", 404: "not found"}),
        Endpoint("DELETE", f"/{plural}/{{id:int}}", delete, f"Delete a {name}", plural,
                 responses={200: "true", 404: "not found"}),
    ]


def endpoints() -> list[Endpoint]:
    return [*_kind_endpoints("sales_account", "sales_accounts", "SalesAccount"),
            *_kind_endpoints("deal", "deals", "Deal")]
