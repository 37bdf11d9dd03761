"""Leads and contacts: create, view (``include=``), update, delete, list views and their pages,
contact upsert and lead convert (reference §2, §5); their activity timelines are in ``rest/timelines.py``.

Simulator policy on statuses: a POST that creates answers 201, everything else 200; a deleted lead
or contact answers ``true`` (what python-freshworks-crm's fixtures expect).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fssim.endpoints import Endpoint
from fssim.freshsales.errors import ValidationError
from fssim.freshsales.rest.answer_text import Plain
from fssim.freshsales.rest.auth import Call
from fssim.freshsales.rest.sideloads import record_side_loads
from fssim.freshsales.shapes import ENTITY_TYPES, PLURALS

__all__ = ["endpoints", "side_loads"]

_PAGE_QUERY = ("page", "per_page", "sort", "sort_type", "include")


def side_loads(call: Call, entity: str, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``include=a,b`` adds sibling arrays (reference §5; what each name loads is in
    ``rest/sideloads.py``). A name that is the answer's own key (``lead``, ``leads``, ``meta``) is ignored:
    a side-load never replaces the record itself."""
    return record_side_loads(call, ENTITY_TYPES[entity], {entity, PLURALS[entity], "meta"}, records)


def endpoints() -> list[Endpoint]:
    found: list[Endpoint] = []
    for entity in ("lead", "contact"):
        found.extend(_entity_endpoints(entity))
    return found


def _entity_endpoints(entity: str) -> list[Endpoint]:
    plural = PLURALS[entity]
    label = ENTITY_TYPES[entity]

    def create(call: Call) -> tuple[int, Any]:
        # Encoded at once and never changed, as a read's (issue 12): no copy of its lists and dicts, and no
        # walk of a record its store vouches for.
        record, plain = call.fs.records.create_shown(call.account, entity, call.record_body(entity))
        return 201, Plain({entity: record}) if plain else {entity: record}

    def view(call: Call) -> tuple[int, Any]:
        # Encoded at once and never changed: no copy of the record's lists and dicts, and no walk of a
        # record the store knows to be plain (issue 12).
        record, plain = call.fs.records.show(call.account, entity, call.path_id())
        if not call.query.get("include"):  # no side-loads asked for: none looked for (issue 12)
            return 200, Plain({entity: record}) if plain else {entity: record}
        loaded = side_loads(call, entity, [record])
        if plain and not loaded:
            return 200, Plain({entity: record})
        return 200, {entity: record, **loaded}

    def update(call: Call) -> tuple[int, Any]:
        record = call.fs.records.update(call.account, entity, call.path_id(), call.record_body(entity))
        return 200, {entity: record}

    def delete(call: Call) -> tuple[int, Any]:
        call.fs.records.delete(call.account, entity, call.path_id())
        return 200, True

    def filters(call: Call) -> tuple[int, Any]:
        call.fs.records.check_module(call.account.subdomain, entity)  # the Suite 404 for leads
        views = [{"id": view["id"], "name": view["name"], "model_class_name": label,
                  "user_id": call.account.user_id, "is_default": True, "is_public": True,
                  "updated_at": call.account.created_at} for view in call.account.views[entity]]
        return 200, {"filters": views}

    def list_view(call: Call) -> tuple[int, Any]:
        page = call.fs.records.list(
            call.account.subdomain, entity, view_id=call.path_id("view_id"),
            page=call.query_int("page", 1), per_page=call.query_int("per_page", 25),
            sort=call.query.get("sort") or None, sort_type=(call.query.get("sort_type") or "desc").lower())
        return 200, {plural: page.records, "meta": {"total_pages": page.total_pages, "total": page.total},
                     **side_loads(call, entity, page.records)}

    found = [
        Endpoint("POST", f"/{plural}", create, f"Create a {entity}", plural, body=entity,
                 responses={201: f"the new {entity}", 400: "every problem named"}),
        Endpoint("GET", f"/{plural}/filters", filters, f"List the {entity} views", plural,
                 responses={200: "views"}),
        Endpoint("GET", f"/{plural}/view/{{view_id:int}}", list_view, f"List a {entity} view, paged", plural,
                 query=_PAGE_QUERY, responses={200: f"{plural} and meta.total_pages, meta.total"}),
        Endpoint("GET", f"/{plural}/{{id:int}}", view, f"View a {entity}", plural, query=("include",),
                 responses={200: f"the {entity}", 404: "no such record in this account"}),
        Endpoint("PUT", f"/{plural}/{{id:int}}", update, f"Update a {entity}", plural, body=entity,
                 responses={200: f"the {entity}", 400: "every problem named", 404: "not found"}),
        Endpoint("DELETE", f"/{plural}/{{id:int}}", delete, f"Delete a {entity}", plural,
                 responses={200: "true", 404: "not found"}),
    ]
    if entity == "contact":
        def upsert(call: Call) -> tuple[int, Any]:
            body = call.json_object()
            identifier = body.get("unique_identifier")
            contact = body.get("contact", {})
            if not isinstance(contact, dict):
                raise ValidationError("The type for contact is invalid.")
            if not isinstance(identifier, dict) or not identifier:
                raise ValidationError('unique_identifier is required, e.g. {"emails": "a@b.com"}')
            record, created = call.fs.records.upsert(call.account.subdomain, "contact", identifier, contact)
            return (201 if created else 200), {"contact": record, **side_loads(call, "contact", [record])}

        found.insert(1, Endpoint("POST", "/contacts/upsert", upsert, "Create or update a contact by a unique field",
                                 plural, body="contact", query=("include",),
                                 responses={200: "updated", 201: "created", 400: "every problem named"}))
    else:
        def convert(call: Call) -> tuple[int, Any]:
            payload = call.record_body("lead", required=False)
            contact = call.fs.records.convert(call.account.subdomain, call.path_id(), payload or None)
            return 200, {"contact": contact}

        found.append(Endpoint("POST", "/leads/{id:int}/convert", convert, "Convert a lead into a contact", plural,
                              body="lead", responses={200: "the contact", 404: "no such lead"}))
    return found
