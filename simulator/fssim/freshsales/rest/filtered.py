"""``POST /filtered_search/{lead|contact|sales_account|deal}``: records matching every rule of a
``filter_rule`` list (reference §2.1: maglr's ``Entity::filter()``, the Lori tap's ``updated_at
is_after``, which that tap sends for contacts, sales accounts and deals alike).

Simulator policy: attributes are ``<entity>_email.email`` or ``email`` (any of the record's emails,
case-insensitive), ``name`` (the display name; a sales account's or deal's ``name``), any standard
field, or a ``cf_*`` field (any ``cf_*`` on sales accounts and deals, whose custom fields are stored as
given); ``created_at``, ``updated_at`` and ``id`` everywhere. Operators are
``is_in``, ``equals``/``is``, ``contains``, ``is_not_empty``, ``is_after``, ``is_before`` (times).
An unknown attribute or operator is a 400 naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fssim.clock import parse_iso
from fssim.endpoints import Endpoint
from fssim.freshsales.errors import ValidationError
from fssim.freshsales.fields import standard_fields
from fssim.freshsales.rest.auth import Call
from fssim.freshsales.shapes import PLURALS
from fssim.freshsales.views import MAX_PER_PAGE
from fssim.integration.emails import normalize_email

__all__ = ["endpoints"]

Records = list[dict[str, Any]]
_OPERATORS = ("is_in", "equals", "is", "contains", "is_not_empty", "is_after", "is_before")


def _values_of(record: Mapping[str, Any], entity: str, attribute: str) -> list[Any]:
    if attribute in (f"{entity}_email.email", "email", "emails"):
        emails = [e["value"] for e in record.get("emails", [])] or ([record["email"]] if record.get("email") else [])
        return [normalize_email(e) for e in emails]
    if attribute == "name":
        return [record.get("display_name")]
    if attribute.startswith("cf_"):
        return [record.get("custom_field", {}).get(attribute)]
    return [record.get(attribute)]


def _text(value: Any) -> str:
    return str(value).strip().lower()


def _time_or_none(value: Any) -> datetime | None:
    """A stored value as a time; a field that holds no time (a name) simply never matches."""
    try:
        return parse_iso(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _rule_matches(values: list[Any], operator: str, wanted: Any) -> bool:
    present = [v for v in values if v not in (None, "", [])]
    if operator == "is_not_empty":
        return bool(present)
    if operator in ("is_after", "is_before"):
        moment = parse_iso(str(wanted))
        times = [t for t in (_time_or_none(v) for v in present) if t is not None]
        return any(t > moment if operator == "is_after" else t < moment for t in times)
    if operator == "contains":
        return any(_text(wanted) in _text(v) for v in present)
    options = wanted if isinstance(wanted, list) else str(wanted).split(",") if operator == "is_in" else [wanted]
    return any(_text(v) == _text(option) for v in present for option in options)


def _searchable(call: Call, entity: str) -> tuple[set[str], Records]:
    """The attributes a rule may name on ``entity``, and every record of it (in id order)."""
    if entity in PLURALS:
        account = call.fs.records.check_module(call.account.subdomain, entity)
        known = {spec.name for spec in standard_fields(entity)} | set(account.custom_fields[entity]) | {
            f"{entity}_email.email", "email", "name", "display_name", "created_at", "updated_at", "id"}
        return known, [dict(record) for record in call.fs.records.all(call.account.subdomain, entity)]
    store = call.fs.sales_accounts if entity == "sales_account" else call.fs.deals
    # A sales account's or deal's name is what "name" (and "display_name") match, as for people.
    records = [{**doc, "display_name": doc.get("name")} for doc in sorted(store.all(call.account),
                                                                         key=lambda d: d["id"])]
    return {*store.kind.fields, "name", "display_name", "created_at", "updated_at", "id"}, records


def _filtered(entity: str, plural: str) -> Any:
    def filtered_search(call: Call) -> tuple[int, Any]:
        known, records = _searchable(call, entity)
        body = call.json_object()
        rules = body.get("filter_rule")
        if not isinstance(rules, list) or not rules:
            raise ValidationError("filter_rule must be a non-empty list of {attribute, operator, value}")
        problems = []
        for rule in rules:
            if not isinstance(rule, dict):
                problems.append("each filter_rule entry must be an object")
                continue
            attribute = rule.get("attribute")
            if not isinstance(attribute, str) or (
                    attribute not in known and not (entity not in PLURALS and attribute.startswith("cf_"))):
                problems.append(f"filter attribute {attribute!r} is not a field of {plural}")
            if not isinstance(rule.get("operator"), str) or rule["operator"] not in _OPERATORS:
                problems.append(f"filter operator {rule.get('operator')!r} is not one of {', '.join(_OPERATORS)}")
            if rule.get("operator") in ("is_after", "is_before"):
                try:
                    parse_iso(str(rule.get("value")))
                except ValueError:
                    problems.append(f"filter value {rule.get('value')!r} is not an ISO-8601 time")
        per_page = call.query_int("per_page", body.get("per_page", 25) if isinstance(body.get("per_page"), int) else 25)
        page = call.query_int("page", body.get("page", 1) if isinstance(body.get("page"), int) else 1)
        if not 1 <= per_page <= MAX_PER_PAGE or page < 1:
            problems.append(f"page must be >= 1 and per_page from 1 to {MAX_PER_PAGE}")
        if problems:
            raise ValidationError(*problems)
        hits = [record for record in records
                if all(_rule_matches(_values_of(record, entity, rule["attribute"]), rule["operator"],
                                     rule.get("value")) for rule in rules)]
        chosen = hits[(page - 1) * per_page: page * per_page]
        if entity not in PLURALS:
            chosen = [{k: v for k, v in record.items() if k != "display_name"} for record in chosen]
        return 200, {plural: chosen,
                     "meta": {"total": len(hits), "total_pages": max(1, -(-len(hits) // per_page))}}

    filtered_search.__name__ = f"filtered_search_{entity}"
    return filtered_search


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", f"/filtered_search/{entity}", _filtered(entity, plural), f"Find {plural} by filter rules",
                 "search", body="filter_rule", query=("page", "per_page"),
                 responses={200: f"{plural} and meta.total", 400: "unknown attribute or operator"})
        for entity, plural in (*PLURALS.items(), ("sales_account", "sales_accounts"), ("deal", "deals"))
    ]
