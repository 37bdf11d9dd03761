"""Sales activities, tasks and appointments over REST: create, view, update, delete and list, with
``?filter=`` for tasks (open, completed, due today, due tomorrow, overdue) and appointments (past,
upcoming) and ``include=`` side-loads (reference §3.2, §5; ``rest/sideloads.py``).

Simulator policy: a list is one page unless ``page`` or ``per_page`` is asked for (clients that read the
array once get it all; paging clients get ``meta.total_pages``); an unknown filter is a 400 naming the
known ones; deleting answers ``{"success": "200"}``, like notes.
"""

from __future__ import annotations

from typing import Any

from fssim.endpoints import Endpoint
from fssim.freshsales.errors import ValidationError
from fssim.freshsales.rest.auth import Call
from fssim.freshsales.rest.sideloads import with_side_loads
from fssim.freshsales.schedule import FILTERS
from fssim.freshsales.views import MAX_PER_PAGE

__all__ = ["endpoints", "paged"]

_KINDS = {"sales_activity": ("sales_activities", "sales activity"), "task": ("tasks", "task"),
          "appointment": ("appointments", "appointment")}


def paged(call: Call, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The page ``page``/``per_page`` ask for (all of it when neither is given) and its ``meta``."""
    total = len(items)
    if "page" not in call.query and "per_page" not in call.query:
        return items, {"total_pages": 1, "total": total}
    page, per_page = call.query_int("page", 1), call.query_int("per_page", 25)
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"page must be >= 1 and per_page from 1 to {MAX_PER_PAGE}")
    return items[(page - 1) * per_page: page * per_page], {"total_pages": max(1, -(-total // per_page)),
                                                           "total": total}


def endpoints() -> list[Endpoint]:
    found: list[Endpoint] = []
    for kind in _KINDS:
        found.extend(_kind_endpoints(kind))
    for entity, label in (("lead", "Lead"), ("contact", "Contact")):
        found.extend(_record_endpoints(entity, label))
    return found


def _record_endpoints(entity: str, label: str) -> list[Endpoint]:
    """``GET /contacts/{id}/appointments`` and ``/tasks`` (and the same for leads): a record's own."""
    plural = f"{entity}s"
    found = []
    for kind, key in (("appointment", "appointments"), ("task", "tasks")):
        def own(call: Call, kind: str = kind, key: str = key) -> tuple[int, Any]:
            record_id = call.path_id()
            call.fs.records.get(call.account, entity, record_id)  # 404 for a record not here
            items, meta = paged(call, call.fs.engagements.targeting(call.account.subdomain, kind, label, {record_id}))
            return 200, with_side_loads(call, key, items, {key: items, "meta": meta})

        own.__name__ = f"{entity}_{key}"
        found.append(Endpoint("GET", f"/{plural}/{{id:int}}/{key}", own, f"The {entity}'s {key}", plural,
                              query=("include", "page", "per_page"), responses={200: f"{key} and meta"}))
    return found


def _kind_endpoints(kind: str) -> list[Endpoint]:
    plural, label = _KINDS[kind]
    filters = FILTERS.get(kind, ())

    def create(call: Call) -> tuple[int, Any]:
        item = call.fs.engagements.create(call.account.subdomain, kind, call.record_body(kind))
        return 201, {kind: item}

    def view(call: Call) -> tuple[int, Any]:
        item = call.fs.engagements.get(call.account.subdomain, kind, call.path_id())
        return 200, with_side_loads(call, kind, [item], {kind: item})

    def update(call: Call) -> tuple[int, Any]:
        item = call.fs.engagements.update(call.account.subdomain, kind, call.path_id(), call.record_body(kind))
        return 200, with_side_loads(call, kind, [item], {kind: item})

    def delete(call: Call) -> tuple[int, Any]:
        call.fs.engagements.delete(call.account.subdomain, kind, call.path_id())
        return 200, {"success": "200"}

    def listing(call: Call) -> tuple[int, Any]:
        name = call.query.get("filter") or None
        if name is not None and name not in filters:
            known = ", ".join(filters) or "none"
            raise ValidationError(f"filter {name!r} is not a {label} filter (known: {known})")
        items, meta = paged(call, call.fs.engagements.list(call.account.subdomain, kind, filter_name=name))
        return 200, with_side_loads(call, plural, items, {plural: items, "meta": meta})

    for handler, verb in ((create, "create"), (view, "view"), (update, "update"), (delete, "delete"),
                          (listing, "list")):
        handler.__name__ = f"{verb}_{kind}"
    query = ("filter", "include", "page", "per_page") if filters else ("include", "page", "per_page")
    return [
        Endpoint("POST", f"/{plural}", create, f"Create a {label} on a lead, contact, sales account or deal",
                 plural.replace("_", " "), body=kind,
                 responses={201: f"the {label}", 400: "every problem named", 404: "no such target"}),
        Endpoint("GET", f"/{plural}", listing, f"List {plural.replace('_', ' ')}" +
                 (f" (filter: {', '.join(filters)})" if filters else ""), plural.replace("_", " "),
                 query=query, responses={200: f"{plural}, then meta, then side-loads", 400: "unknown filter"}),
        Endpoint("GET", f"/{plural}/{{id:int}}", view, f"View a {label}", plural.replace("_", " "),
                 query=("include",), responses={200: f"the {label}", 404: "not found"}),
        Endpoint("PUT", f"/{plural}/{{id:int}}", update, f"Update a {label}", plural.replace("_", " "), body=kind,
                 query=("include",), responses={200: f"the {label}", 400: "every problem named", 404: "not found"}),
        Endpoint("DELETE", f"/{plural}/{{id:int}}", delete, f"Delete a {label}", plural.replace("_", " "),
                 responses={200: '{"success": "200"}', 404: "not found"}),
    ]
