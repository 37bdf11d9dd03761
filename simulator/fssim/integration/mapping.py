"""R7: identify traits → Freshsales lead/contact fields.

Facts (reference/segment.md §1.3, §4.3; freshsales-api.md §2.2): trait keys are Freshsales *internal*
field names, sent camelCase or snake_case (``firstName`` / ``first_name``, ``cfAlternateNumber`` for the
custom field ``cf_alternate_number``); Segment's reserved ``title`` is Freshsales' ``job_title`` and
``phone`` is ``work_number``; ``company`` becomes a lead's company, or a contact's primary sales
account; ``deal`` a deal of the contact; custom fields must already exist and the value must match
their type; everything else is ignored.

Simulator policy where the docs are silent (docs/rules.md lists them all): ``null`` values are treated
as absent; ``name`` fills first/last name only when those are not sent; ``address`` may be Segment's
address object or a plain street line; a custom-field value of the wrong type is ignored (the rest of
the message still applies) and reported with the reason. What a value becomes in a field of a given
type (``"3"`` in a number field, ``"true"`` in a checkbox) is :mod:`fssim.integration.values`' rule,
the one the REST API applies too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fssim.integration.crm import CustomField, Entity
from fssim.integration.message import json_kind
from fssim.integration.outcome import IgnoredTrait
from fssim.integration.values import coerce_value

__all__ = [
    "CONSUMED_TRAITS",
    "LEAD_ONLY_FIELDS",
    "STANDARD_FIELDS",
    "MappedTraits",
    "is_fs_contact",
    "map_traits",
    "snake_case",
]

# Writable text fields of a Freshsales lead/contact that a trait may fill under its own name
# (freshsales-api.md §2.2, "other writable fields seen in real connectors", minus ids and owner links).
STANDARD_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "job_title",
        "department",
        "work_number",
        "mobile_number",
        "address",
        "city",
        "state",
        "zipcode",
        "country",
        "time_zone",
        "facebook",
        "twitter",
        "linkedin",
        "medium",
        "keyword",
    }
)

# Standard fields Freshsales has on leads only (contacts link sales accounts instead of a company).
LEAD_ONLY_FIELDS = frozenset({"company", "department"})

# Segment names for the same thing (after snake_casing).
_ALIASES = {
    "title": "job_title",
    "phone": "work_number",
    "mobile": "mobile_number",
    "mobile_phone": "mobile_number",
    "postal_code": "zipcode",
    "zip_code": "zipcode",
    "zip": "zipcode",
    "timezone": "time_zone",
    "street": "address",
}

# Traits the rules read themselves; they are neither mapped nor reported as ignored.
CONSUMED_TRAITS = frozenset({"email", "fs_contact", "fsContact"})

_ADDRESS_PARTS = {
    "street": "address",
    "city": "city",
    "state": "state",
    "postal_code": "zipcode",
    "zip_code": "zipcode",
    "zipcode": "zipcode",
    "zip": "zipcode",
    "country": "country",
}

# company object keys → keys of Freshsales' company object (gomodules Company struct, §2.2).
_COMPANY_TEXT = {"name": "name", "website": "website", "phone": "phone", "address": "address",
                 "city": "city", "state": "state", "zipcode": "zipcode", "postal_code": "zipcode",
                 "country": "country"}
_COMPANY_NUMBER = {"employee_count": "number_of_employees", "employees": "number_of_employees",
                   "number_of_employees": "number_of_employees", "annual_revenue": "annual_revenue"}

# deal object keys → deal fields (simulator policy: the fields a Segment deal object plausibly carries).
_DEAL_TEXT = {"name": "name", "expected_close": "expected_close", "close_date": "expected_close"}
_DEAL_NUMBER = {"amount": "amount", "value": "amount", "probability": "probability"}

# Standard text and number fields take values by the same rule as custom fields of those types.
_TEXT_FIELD = CustomField("text")
_NUMBER_FIELD = CustomField("number")

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """``firstName`` → ``first_name``, ``cfAlternateNumber`` → ``cf_alternate_number``; snake stays snake."""
    return _BOUNDARY.sub("_", name).lower()


def is_fs_contact(traits: Mapping[str, Any]) -> bool:
    """R5: ``fs_contact`` or ``fsContact`` set to true or the string "true" (any case, trimmed)."""
    for key in ("fs_contact", "fsContact"):
        value = traits.get(key)
        if value is True or (isinstance(value, str) and value.strip().lower() == "true"):
            return True
    return False


@dataclass(frozen=True)
class MappedTraits:
    """Freshsales fields to write (``custom_field`` and ``company`` nested), and what was left out."""

    fields: dict[str, Any]
    ignored: tuple[IgnoredTrait, ...]
    # A contact's ``company``: the sales account to create or update and link as primary (a lead keeps
    # it in ``fields["company"]``); a contact's ``deal``: the deal to create or update for it.
    sales_account: dict[str, Any] | None = None
    deal: dict[str, Any] | None = None


def _text(value: Any) -> str | None:
    """A value as a text field holds it (strings, and numbers written out), or ``None`` if it is none."""
    try:
        return str(coerce_value(_TEXT_FIELD, value))
    except ValueError:
        return None


def _number(value: Any) -> int | float | None:
    try:
        number: int | float = coerce_value(_NUMBER_FIELD, value)
    except ValueError:
        return None
    return number


def _fill_custom(
    name: str, value: Any, spec: CustomField | None, entity: Entity, custom: dict[str, Any]
) -> str | None:
    """Put ``value`` into the custom field ``name``, or say why it was left out."""
    if spec is None:
        return f"no custom field '{name}' exists for {entity}s in this account"
    try:
        custom[name] = coerce_value(spec, value)
    except ValueError:
        if spec.type == "dropdown" and isinstance(value, str):
            return f"{value!r} is not one of the choices of dropdown '{name}': {', '.join(spec.choices)}"
        got = f"the text {value[:60]!r}" if isinstance(value, str) else json_kind(value)
        return f"custom field '{name}' is a {spec.type} field; got {got}"
    return None


def _map_company(value: Any, ignored: list[IgnoredTrait]) -> dict[str, Any] | None:
    if isinstance(value, str):
        return {"name": value} if value.strip() else None
    if not isinstance(value, dict):
        ignored.append(IgnoredTrait("company", f"company must be a name or an object, not {json_kind(value)}"))
        return None
    company: dict[str, Any] = {}
    for key, part in value.items():
        if part is None:
            continue
        snake = snake_case(key)
        if snake in _COMPANY_TEXT and _text(part) is not None:
            company[_COMPANY_TEXT[snake]] = _text(part)
        elif snake in _COMPANY_NUMBER and _number(part) is not None:
            company[_COMPANY_NUMBER[snake]] = _number(part)
        else:
            ignored.append(IgnoredTrait(f"company.{key}", "not a field of a Freshsales company"))
    if not str(company.get("name", "")).strip():
        ignored.append(IgnoredTrait("company", "a company needs a name; company.name is missing"))
        return None
    return company


def _map_deal(value: Any, ignored: list[IgnoredTrait]) -> dict[str, Any] | None:
    """A ``deal`` trait: an object with a name (required, simulator policy) and an amount, a close date."""
    if not isinstance(value, dict):
        ignored.append(IgnoredTrait("deal", f"deal must be an object with a name, not {json_kind(value)}"))
        return None
    deal: dict[str, Any] = {}
    for key, part in value.items():
        if part is None:
            continue
        snake = snake_case(key)
        if snake in _DEAL_TEXT and _text(part) is not None:
            deal[_DEAL_TEXT[snake]] = _text(part)
        elif snake in _DEAL_NUMBER and _number(part) is not None:
            deal[_DEAL_NUMBER[snake]] = _number(part)
        else:
            ignored.append(IgnoredTrait(f"deal.{key}", "not a field of a Freshsales deal"))
    if not str(deal.get("name", "")).strip():
        ignored.append(IgnoredTrait("deal", "a deal needs a name; deal.name is missing"))
        return None
    return deal


def _map_address(value: Any, fields: dict[str, Any], ignored: list[IgnoredTrait]) -> None:
    if _text(value) is not None:
        fields["address"] = _text(value)
        return
    if not isinstance(value, dict):
        ignored.append(IgnoredTrait("address", f"address must be an object or a text, not {json_kind(value)}"))
        return
    for key, part in value.items():
        if part is None:
            continue
        target = _ADDRESS_PARTS.get(snake_case(key))
        if target is None or _text(part) is None:
            ignored.append(IgnoredTrait(f"address.{key}", "not a part of a Freshsales address"))
        else:
            fields[target] = _text(part)


def map_traits(
    traits: Mapping[str, Any], custom_fields: Mapping[str, CustomField], entity: Entity = "lead"
) -> MappedTraits:
    """Translate identify traits into the fields of a lead or contact; report every trait left out, and why.

    ``custom_fields`` are the account's ``cf_*`` fields of that entity.
    """
    fields: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    ignored: list[IgnoredTrait] = []
    full_name: str | None = None
    sales_account: dict[str, Any] | None = None
    deal: dict[str, Any] | None = None
    for key, value in traits.items():
        if key in CONSUMED_TRAITS or value is None:
            continue
        snake = snake_case(key)
        target = _ALIASES.get(snake, snake)
        if target == "name":
            full_name = _text(value)
        elif target == "company":
            company = _map_company(value, ignored)
            if company is not None and entity == "lead":
                fields["company"] = company
            elif company is not None:
                sales_account = company
        elif target == "deal":
            if entity == "lead":
                ignored.append(IgnoredTrait(key, "a deal is associated with contacts; this record is a lead "
                                                 "(send fs_contact: true for a new record, or convert the lead)"))
            else:
                deal = _map_deal(value, ignored)
        elif target in LEAD_ONLY_FIELDS and entity != "lead":
            ignored.append(IgnoredTrait(key, f"'{target}' is a field of leads; this record is a contact"))
        elif target == "address":
            _map_address(value, fields, ignored)
        elif target.startswith("cf_"):
            problem = _fill_custom(target, value, custom_fields.get(target), entity, custom)
            if problem is not None:
                ignored.append(IgnoredTrait(key, problem))
        elif target in STANDARD_FIELDS:
            text = _text(value)
            if text is None:
                ignored.append(IgnoredTrait(key, f"'{target}' holds text; got {json_kind(value)}"))
            else:
                fields[target] = text
        else:
            ignored.append(IgnoredTrait(key, "no Freshsales field has this name"))
    if full_name and full_name.strip() and "first_name" not in fields and "last_name" not in fields:
        first, _, last = full_name.strip().rpartition(" ")
        # "Ada Lovelace" → first "Ada", last "Lovelace"; a single word is a last name (Freshsales
        # requires last_name, not first_name).
        if first:
            fields["first_name"] = first
        fields["last_name"] = last
    if custom:
        fields["custom_field"] = custom
    return MappedTraits(fields=fields, ignored=tuple(ignored), sales_account=sales_account, deal=deal)
