"""Finding people: ``GET /lookup`` (double-nested answer) and ``GET /search`` (a bare array),
reference §2.5. Emails match case-insensitively and trimmed, among leads and contacts alike.

Simulator policy: ``search`` matches ``q`` as a case-insensitive substring of the name, any email,
the company name and the phone numbers; its ``id`` is a string, as the Go client's types say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fssim.endpoints import Endpoint
from fssim.freshsales.errors import ValidationError
from fssim.freshsales.rest.auth import Call
from fssim.freshsales.views import MAX_PER_PAGE

__all__ = ["endpoints"]

_ENTITY_NAMES = {"lead": "lead", "leads": "lead", "contact": "contact", "contacts": "contact"}
# Sales accounts and deals (freshsales/objects.py), and users, which lookup answers empty (not refused).
_OTHER_PLURALS = {"sales_account": "sales_accounts", "sales_accounts": "sales_accounts", "deal": "deals",
                  "deals": "deals", "user": "users", "users": "users"}
_OBJECT_TYPES = {"sales_accounts": "sales_account", "deals": "deal"}


def _entities(call: Call, parameter: str) -> tuple[list[str], list[str]]:
    """The simulator entities and the other (empty) plurals a request names; leads only on Classic."""
    default = "lead,contact" if call.account.has_leads else "contact"
    names = [n.strip().lower() for n in (call.query.get(parameter) or default).split(",") if n.strip()]
    unknown = [n for n in names if n not in _ENTITY_NAMES and n not in _OTHER_PLURALS]
    if unknown:
        raise ValidationError(f"{parameter} names unknown entities: {', '.join(unknown)} (use lead, contact, "
                              "sales_account, deal)")
    ours = [_ENTITY_NAMES[n] for n in names if n in _ENTITY_NAMES]
    if not call.account.has_leads:
        ours = [entity for entity in ours if entity != "lead"]
    others = [_OTHER_PLURALS[n] for n in names if n in _OTHER_PLURALS]
    return list(dict.fromkeys(ours)), list(dict.fromkeys(others))


def _matches(record: Mapping[str, Any], field: str, value: str) -> bool:
    if field == "name":
        return (record.get("display_name") or "").strip().lower() == value.strip().lower()
    stored = record.get("custom_field", {}).get(field) if field.startswith("cf_") else record.get(field)
    if isinstance(stored, str):
        return stored.strip().lower() == value.strip().lower()
    return stored is not None and str(stored) == value.strip()


def lookup(call: Call) -> tuple[int, Any]:
    q, field = call.query.get("q"), call.query.get("f")
    problems = []
    if not q or not q.strip():
        problems.append("q is required: the value to look up")
    if not field:
        problems.append("f is required: the field to look in (email, name, external_id, mobile_number, cf_...)")
    if problems:
        raise ValidationError(*problems)
    assert q is not None and field is not None
    entities, others = _entities(call, "entities")
    account = call.account.subdomain
    answer: dict[str, Any] = {}
    for entity in entities:
        plural = f"{entity}s"
        if field == "email":
            found = call.fs.records.find_by_email(account, q)
            hits = ([call.fs.records.get(account, entity, found.id)]
                    if found is not None and found.entity == entity else [])
        else:
            hits = [r for r in call.fs.records.all(account, entity) if _matches(r, field, q)]
        answer[plural] = {plural: hits}
    for plural in others:
        if plural in _OBJECT_TYPES:
            store = call.fs.sales_accounts if plural == "sales_accounts" else call.fs.deals
            answer[plural] = {plural: [r for r in store.all(call.account) if _matches_object(r, field, q)]}
        else:
            answer[plural] = {plural: []}
    return 200, answer


def _matches_object(record: Mapping[str, Any], field: str, value: str) -> bool:
    # Sales accounts and deals have a name, not a display_name; other fields compare as for people.
    return _matches({**record, "display_name": record.get("name")}, field, value)


def search(call: Call) -> tuple[int, Any]:
    q = (call.query.get("q") or "").strip().lower()
    if not q:
        raise ValidationError("q is required: the text to search for")
    per_page = call.query_int("per_page", 25)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"per_page must be from 1 to {MAX_PER_PAGE}, got {per_page}")
    entities, others = _entities(call, "include")
    results: list[dict[str, Any]] = []
    for entity in entities:
        for record in call.fs.records.all(call.account.subdomain, entity):
            emails = [e["value"] for e in record.get("emails", [])] or [record.get("email") or ""]
            company = (record.get("company") or {}).get("name") if entity == "lead" else None
            haystack = [record.get("display_name") or "", company or "", record.get("work_number") or "",
                        record.get("mobile_number") or "", *emails]
            # A substring test also finds an email equal to q: email matching needs no case of its own.
            if any(q in text.lower() for text in haystack):
                results.append({"id": str(record["id"]), "type": entity, "name": record.get("display_name"),
                                "email": record.get("email"), "avatar": record.get("avatar"),
                                "company_name": company})
    for plural in others:
        if plural in _OBJECT_TYPES:
            store = call.fs.sales_accounts if plural == "sales_accounts" else call.fs.deals
            results.extend({"id": str(record["id"]), "type": _OBJECT_TYPES[plural], "name": record.get("name"),
                            "email": None, "avatar": None, "company_name": None}
                           for record in store.all(call.account)
                           if q in str(record.get("name") or "").lower() or q in str(record.get("website") or ""))
    return 200, results[:per_page]


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/lookup", lookup, "Look records up by one field", "search", query=("q", "f", "entities"),
                 responses={200: '{"leads": {"leads": [...]}, "contacts": {"contacts": [...]}}',
                            400: "q or f missing"}),
        Endpoint("GET", "/search", search, "Search leads, contacts, sales accounts and deals by text", "search",
                 query=("q", "include", "per_page"),
                 responses={200: "a bare array of {id, type, name, email, avatar, company_name}",
                            400: "q missing"}),
    ]
