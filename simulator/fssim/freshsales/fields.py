"""The fields of leads and contacts: standard ones, each account's custom ``cf_*`` ones, and the checks
a write must pass.

Simulator policy (documented in docs/freshsales.md): Freshsales is a Rails application, and Rails drops
request attributes it does not permit, so an unknown *standard* attribute is ignored, as are read-only
ones (``id``, ``display_name``, ``created_at``…). A ``cf_*`` name the account has not defined is a 400,
because a custom field is something the account configures and a typo there loses data silently.
What a value becomes in a field of a type (``5`` in a text field is ``"5"``, ``"3"`` in a number field
is ``3``, ``"true"`` in a checkbox is ``true``) is :func:`fssim.integration.values.coerce_value`, and
what counts as an email is :func:`fssim.integration.emails.is_email`: the rules the Segment receiver
applies too, so a value means the same whichever way it arrives. A value that does not fit is
``"The type for FIELD is invalid."`` (the real message, reference §4).

Simulator policy (the reference is silent on sizes): one field's value may take at most
:data:`MAX_FIELD_BYTES` (64 KB) as UTF-8 text, counted over every string and number inside it (a list's
items, a company's parts); a larger one is a 400 naming the field, so a 12 MB note never reaches the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, cast, get_args

from fssim.errors import FssimError
from fssim.integration.crm import CustomField, FieldType
from fssim.integration.emails import is_email, normalize_email
from fssim.integration.values import coerce_value

__all__ = [
    "CUSTOM_FIELD_TYPES",
    "ENTITIES",
    "MAX_FIELD_BYTES",
    "FieldSpec",
    "NormalizedWrite",
    "custom_field_spec",
    "normalize_write",
    "standard_fields",
]

ENTITIES = ("lead", "contact")
# The integration's mapping checks trait values against these very types: one list for both.
CUSTOM_FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
_CUSTOM_NAME = re.compile(r"^cf_[a-z0-9_]{1,60}$")
MAX_FIELD_BYTES = 64 * 1024  # simulator policy: see the module docstring


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str  # text, number, id, checkbox, email, emails, date, list, company, sales_accounts, dropdown…
    entities: tuple[str, ...] = ENTITIES
    choices: tuple[str, ...] = ()

    def to_json(self, entity: str, position: int, field_id: int | None = None) -> dict[str, Any]:
        custom = self.name.startswith("cf_")
        return {
            "id": field_id,
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "default": not custom,
            "actionable": True,
            "required": False,
            "base_model": entity.capitalize(),
            "position": position,
            "choices": [{"id": i + 1, "value": choice} for i, choice in enumerate(self.choices)],
            "field_group_id": None,
        }


_STANDARD: tuple[FieldSpec, ...] = (
    FieldSpec("first_name", "First name", "text"),
    FieldSpec("last_name", "Last name", "text"),
    FieldSpec("email", "Email", "email"),
    FieldSpec("emails", "Emails", "emails", ("contact",)),
    FieldSpec("job_title", "Job title", "text"),
    FieldSpec("department", "Department", "text", ("lead",)),
    FieldSpec("work_number", "Work", "text"),
    FieldSpec("mobile_number", "Mobile", "text"),
    FieldSpec("address", "Address", "text"),
    FieldSpec("city", "City", "text"),
    FieldSpec("state", "State", "text"),
    FieldSpec("zipcode", "Zipcode", "text"),
    FieldSpec("country", "Country", "text"),
    FieldSpec("time_zone", "Time zone", "text"),
    FieldSpec("company", "Company", "company", ("lead",)),
    FieldSpec("sales_accounts", "Accounts", "sales_accounts", ("contact",)),
    FieldSpec("owner_id", "Owner", "id"),
    FieldSpec("lead_source_id", "Source", "id"),
    FieldSpec("lead_stage_id", "Lead stage", "id", ("lead",)),
    FieldSpec("contact_status_id", "Status", "id", ("contact",)),
    FieldSpec("lifecycle_stage_id", "Lifecycle stage", "id", ("contact",)),
    FieldSpec("territory_id", "Territory", "id"),
    FieldSpec("campaign_id", "Campaign", "id"),
    FieldSpec("medium", "Medium", "text"),
    FieldSpec("keyword", "Keyword", "text"),
    FieldSpec("facebook", "Facebook", "text"),
    FieldSpec("twitter", "Twitter", "text"),
    FieldSpec("linkedin", "LinkedIn", "text"),
    FieldSpec("external_id", "External ID", "text"),
    FieldSpec("subscription_status", "Subscription status", "number"),
    FieldSpec("subscription_types", "Subscription types", "text"),
    FieldSpec("do_not_disturb", "Do not disturb", "checkbox"),
    FieldSpec("tags", "Tags", "list"),
)

_COMPANY_KEYS = {
    "name": "text", "address": "text", "city": "text", "state": "text", "zipcode": "text", "country": "text",
    "website": "text", "phone": "text", "number_of_employees": "number", "annual_revenue": "number",
    "industry_type_id": "id", "business_type_id": "id",
}


def standard_fields(entity: str) -> list[FieldSpec]:
    return [spec for spec in _STANDARD if entity in spec.entities]


@cache
def _standard_by_name(entity: str) -> dict[str, FieldSpec]:
    """The standard fields by name, built once per entity: every write looks its keys up here. Shared,
    so read only."""
    return {spec.name: spec for spec in standard_fields(entity)}


# The standard fields of type text, by entity (a string there is stored trimmed, whatever it says).
_TEXT_FIELDS = {entity: frozenset(spec.name for spec in _STANDARD if entity in spec.entities and spec.type == "text")
                for entity in ENTITIES}


def custom_field_spec(name: str, type_: str, label: str | None = None, choices: list[str] | None = None) -> FieldSpec:
    """Check a custom field definition; ``ValueError`` naming the problem."""
    if not isinstance(name, str) or not _CUSTOM_NAME.match(name):
        raise ValueError(f"custom field name {name!r} must look like cf_something (lower case, digits, _)")
    if type_ not in CUSTOM_FIELD_TYPES:
        raise ValueError(f"custom field type {type_!r} is not one of {', '.join(CUSTOM_FIELD_TYPES)}")
    if label is not None and not isinstance(label, str):
        raise ValueError("custom field label must be a string")
    options = tuple(choices or ())
    if type_ == "dropdown" and (not options or not all(isinstance(c, str) for c in options)):
        raise ValueError("a dropdown custom field needs 'choices', a non-empty list of strings")
    default_label = name.removeprefix("cf_").replace("_", " ").capitalize()
    return FieldSpec(name, label or default_label, type_, choices=options)


@dataclass
class NormalizedWrite:
    """A write checked against the fields: the values to store, and every problem found."""

    values: dict[str, Any]
    custom: dict[str, Any]
    emails: list[str] | None  # None: the write does not touch emails; primary first
    problems: list[str]


class _Invalid(FssimError):
    pass


def _type_problem(name: str) -> str:
    return f"The type for {name} is invalid."


@lru_cache(maxsize=256)
def _as_custom_field(kind: str, choices: tuple[str, ...]) -> CustomField:
    # A few kinds and choice lists over the life of a process: each is made once, not per value written.
    return CustomField(cast(FieldType, kind), choices)


def _coerce(spec: FieldSpec, value: Any) -> Any:
    """The stored form of ``value`` for ``spec``, or :class:`_Invalid`."""
    if value is None:
        return None
    kind = spec.type
    if type(value) is str and (kind == "text" or kind == "email"):
        # What coerce_value makes of a string in a text field (most fields of most writes), without
        # looking the field up as a CustomField and the three calls to get there.
        return value.strip()
    if kind in CUSTOM_FIELD_TYPES or kind == "email":
        # One rule for a field's type, whoever writes it: the Segment receiver's trait mapping too.
        field = _as_custom_field("text" if kind == "email" else kind, spec.choices)
        try:
            return coerce_value(field, value)
        except ValueError:
            raise _Invalid from None
    if kind == "id":
        if isinstance(value, bool):
            raise _Invalid
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise _Invalid from None
        if not isinstance(value, int):
            raise _Invalid
        return value
    if kind == "list":
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise _Invalid
        return list(value)
    if kind == "company":
        if isinstance(value, str):
            return {"name": value.strip()}
        if not isinstance(value, dict):
            raise _Invalid
        company: dict[str, Any] = {}
        for key, item in value.items():
            sub = _COMPANY_KEYS.get(key)
            if sub is not None:
                company[key] = _coerce(FieldSpec(key, key, sub), item)
        return company
    if kind == "sales_accounts":
        if not isinstance(value, list):
            raise _Invalid
        for item in value:
            if not isinstance(item, dict) or isinstance(item.get("id"), bool) or not isinstance(item.get("id"), int):
                raise _Invalid
        return [{"id": item["id"], "is_primary": bool(item.get("is_primary", False))} for item in value]
    raise _Invalid


def _email_values(value: Any) -> list[str]:
    """``emails`` as clients send it: a string, a list of strings, or a list of ``{"value": ...}``."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise _Invalid
    found: list[tuple[bool, str]] = []
    for item in value:
        if isinstance(item, str):
            found.append((False, item))
        elif isinstance(item, dict) and isinstance(item.get("value"), str):
            if item.get("_destroy") is True:
                continue
            found.append((bool(item.get("is_primary")), item["value"]))
        else:
            raise _Invalid
    # A stable sort keeps the client's order but puts the entry it marked primary first.
    return [email for _, email in sorted(found, key=lambda pair: not pair[0])]


def _exceeds(value: Any, limit: int) -> int | None:
    """The size of ``value`` (UTF-8 bytes of its strings and numbers, 2 per container) once it passes
    ``limit``, else ``None``. Iterative and stopping early, so a huge or deeply nested value costs no more
    than the limit to refuse."""
    size, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            size += len(item.encode("utf-8", "surrogatepass"))
        elif isinstance(item, dict):
            size += 2
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            size += 2
            stack.extend(item)
        elif isinstance(item, float):
            size += len(repr(item))
        elif isinstance(item, int) and not isinstance(item, bool):
            # Its digits, without str() (which refuses ints of more than 4,300 digits): log10(2) < 1/3.
            size += item.bit_length() // 3 + 1
        else:
            size += 4
        if size > limit:
            return size
    return None


def _size_problem(name: str, size: int) -> str:
    return (f"{name} is too large: more than {MAX_FIELD_BYTES} bytes (got at least {size}); "
            f"a field holds at most 64 KB (simulator policy)")


def normalize_write(entity: str, payload: dict[str, Any], custom_specs: dict[str, FieldSpec]) -> NormalizedWrite:
    """Check one create/update body (already unwrapped from ``{"lead": ...}``) field by field."""
    specs = _standard_by_name(entity)
    values: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    problems: list[str] = []
    emails: list[str] | None = None
    # Custom fields given at top level (leniently, see below), met in the same walk of the payload.
    given_custom: dict[str, Any] = {}

    texts = _TEXT_FIELDS.get(entity, frozenset())
    for name, value in payload.items():
        if type(value) is str and name in texts and len(value) * 4 <= MAX_FIELD_BYTES:
            # A short string in a standard text field (most fields of most writes: names, a job title):
            # what the checks below end in, reached without them.
            values[name] = value.strip()
            continue
        if name.startswith("cf_"):
            given_custom[name] = value
        # A string of n characters is at most 4n bytes of UTF-8: a short one needs no measuring.
        short = type(value) is str and len(value) * 4 <= MAX_FIELD_BYTES
        oversized = _exceeds(value, MAX_FIELD_BYTES) if name != "custom_field" and not short else None
        if oversized is not None:
            problems.append(_size_problem(name, oversized))
            continue
        if name in ("email", "emails"):
            # Leads store one email and contacts several; both accept either key. ``email`` is primary.
            if type(value) is str:  # one email, the usual write: no list of one to make and walk
                cleaned = [value.strip()] if value.strip() else []
            else:
                try:
                    given = [] if value is None else _email_values(value)
                except _Invalid:
                    problems.append(_type_problem(name))
                    continue
                cleaned = [email.strip() for email in given if email.strip()]
            emails = cleaned + (emails or []) if name == "email" else (emails or []) + cleaned
            continue
        spec = specs.get(name)
        if spec is None:
            continue  # unknown or read-only standard attribute: dropped, as Rails strong params do
        if short and spec.type == "text":
            values[name] = value.strip()  # _coerce's first case, the usual field: without the call
            continue
        try:
            values[name] = _coerce(spec, value)
        except _Invalid:
            problems.append(_type_problem(name))

    # Custom fields arrive inside "custom_field" (the documented form) or, leniently, at top level.
    nested = payload.get("custom_field")
    if nested is not None and not isinstance(nested, dict):
        problems.append(_type_problem("custom_field"))
    elif isinstance(nested, dict):
        given_custom.update(nested)
    for name, value in given_custom.items():
        oversized = _exceeds(value, MAX_FIELD_BYTES)
        if oversized is not None:
            if name in payload:
                continue  # a top-level cf_ value: already named above
            problems.append(_size_problem(name, oversized))
            continue
        spec = custom_specs.get(name)
        if spec is None:
            problems.append(f"Unknown custom field {name}: it is not defined for {entity}s in this account")
            continue
        try:
            custom[name] = _coerce(spec, value)
        except _Invalid:
            problems.append(_type_problem(name))

    if emails is not None:
        seen: set[str] = set()
        unique: list[str] = []
        for email in emails:
            if not is_email(email):
                problems.append(f"Email {email} is invalid")
            elif (normal := normalize_email(email)) not in seen:
                seen.add(normal)
                unique.append(email)
        emails = unique
    return NormalizedWrite(values, custom, emails, problems)
