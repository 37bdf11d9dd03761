"""How a stored lead or contact looks in an API response (reference §2.4, real captures).

Records are kept in the store already in their response shape, plus a few private ``_`` keys (account,
entity) that :func:`public` strips; so what a client reads is exactly what is stored. The two shapes
are :class:`StoredRecord` (the document) and :class:`PublicRecord` (the answer: no ``_`` keys, plus
``links``); leads and contacts share the common fields and each has a few of its own.
"""

from __future__ import annotations

from typing import Any, NamedTuple, NotRequired, TypedDict, cast

from fssim import strictjson

__all__ = [
    "ENTITY_TYPES", "PLURALS", "EmailEntry", "PublicRecord", "RecordFields", "Shown", "StoredRecord", "Target",
    "blank_record", "display_name", "links", "public", "shown",
]

PLURALS = {"lead": "leads", "contact": "contacts"}
ENTITY_TYPES = {"lead": "Lead", "contact": "Contact"}

_COMMON: dict[str, Any] = {
    "first_name": None, "last_name": None, "display_name": None, "avatar": None, "job_title": None,
    "email": None, "work_number": None, "mobile_number": None, "address": None, "city": None, "state": None,
    "zipcode": None, "country": None, "time_zone": None, "do_not_disturb": False, "owner_id": None,
    "lead_source_id": None, "campaign_id": None, "territory_id": None, "medium": None, "keyword": None,
    "last_seen": None, "last_contacted": None, "last_contacted_mode": None,
    "last_contacted_sales_activity_mode": None, "lead_score": 0, "facebook": None, "twitter": None,
    "linkedin": None, "external_id": None, "subscription_status": None, "subscription_types": None,
    "tags": [], "is_deleted": False, "phone_numbers": [], "recent_note": None, "web_form_ids": None,
    "custom_field": {}, "created_at": None, "updated_at": None,
}
_LEAD: dict[str, Any] = {
    "department": None, "company": None, "deal": None, "lead_stage_id": None, "lead_quality": None,
    "stage_updated_time": None, "has_authority": False, "email_status": None, "team_user_ids": None,
}
_CONTACT: dict[str, Any] = {
    "emails": [], "sales_accounts": [], "contact_status_id": None, "lifecycle_stage_id": None,
    "customer_fit": 0, "email_status": None,
}


class EmailEntry(TypedDict):
    """One of a contact's emails (``emails``), as the API shows it."""

    id: int
    value: str
    is_primary: bool
    label: str | None
    _destroy: bool


class RecordFields(TypedDict):
    """The fields of a lead or contact (``_COMMON`` below), and those only one of them has."""

    id: int
    first_name: str | None
    last_name: str | None
    display_name: str | None
    avatar: str | None
    job_title: str | None
    email: str | None  # a contact's primary email
    work_number: str | None
    mobile_number: str | None
    address: str | None
    city: str | None
    state: str | None
    zipcode: str | None
    country: str | None
    time_zone: str | None
    do_not_disturb: bool
    owner_id: int | None
    lead_source_id: int | None
    campaign_id: int | None
    territory_id: int | None
    medium: str | None
    keyword: str | None
    last_seen: str | None
    last_contacted: str | None
    last_contacted_mode: str | None
    last_contacted_sales_activity_mode: str | None
    lead_score: int
    facebook: str | None
    twitter: str | None
    linkedin: str | None
    external_id: str | None
    subscription_status: Any
    subscription_types: Any
    tags: list[str]
    is_deleted: bool
    phone_numbers: list[Any]
    recent_note: str | None
    web_form_ids: Any
    custom_field: dict[str, Any]  # cf_* name -> value
    created_at: str | None
    updated_at: str | None
    email_status: Any
    # leads only
    department: NotRequired[str | None]
    company: NotRequired[dict[str, Any] | None]
    deal: NotRequired[dict[str, Any] | None]
    lead_stage_id: NotRequired[int | None]
    lead_quality: NotRequired[Any]
    stage_updated_time: NotRequired[str | None]
    has_authority: NotRequired[bool]
    team_user_ids: NotRequired[list[int] | None]
    # contacts only
    emails: NotRequired[list[EmailEntry]]
    sales_accounts: NotRequired[list[dict[str, Any]]]
    contact_status_id: NotRequired[int | None]
    lifecycle_stage_id: NotRequired[int | None]
    customer_fit: NotRequired[int]


class StoredRecord(RecordFields):
    """A lead or contact as the store keeps it: the fields plus whose it is and what it is."""

    _account: str  # the subdomain
    _entity: str  # "lead" or "contact"


class PublicRecord(RecordFields):
    """A lead or contact as the API answers it: the fields plus the links to its related lists."""

    links: dict[str, str]


class Target(NamedTuple):
    """A reference to one stored lead, contact, sales account or deal: what look-ups return and what a
    timeline item names.

    Only the stores make them, from the stored document (:class:`~fssim.freshsales.records.Records` for
    leads and contacts, :func:`fssim.freshsales.references.store_target_lookup` for sales accounts and
    deals), so holding one means the record existed when it was read (inside the same transaction, it
    still does).
    """

    account: str
    entity: str  # "lead", "contact", "sales_account" or "deal"
    id: int
    name: str | None  # the display name, the timeline's ``targetable_name``


class Shown(NamedTuple):
    """A record as the API shows it, for an answer encoded at once (its lists and dicts may be the stored
    document's own: never change them), and whether it is plain: a tree of exact dicts, lists, strings,
    ints, booleans and None, with no float (:class:`fssim.freshsales.rest.answer_text.Plain`)."""

    record: PublicRecord
    plain: bool


# Each entity's blank record, in field order, and the fields whose value is mutable (lists, dicts): a
# blank is a copy of the template with fresh copies of those (every record is built from one).
_BLANKS = {entity: {"id": 0, **_COMMON, **extra} for entity, extra in (("lead", _LEAD), ("contact", _CONTACT))}
_MUTABLE = {entity: tuple(name for name, value in blank.items() if isinstance(value, list | dict))
            for entity, blank in _BLANKS.items()}


def blank_record(entity: str, record_id: int) -> dict[str, Any]:
    kind = "lead" if entity == "lead" else "contact"
    record = dict(_BLANKS[kind])
    record["id"] = record_id
    for name in _MUTABLE[kind]:
        # Every mutable default is empty ([] or {}, test_fs_shapes.py): a fresh one is made by calling its
        # type, not by a deep copy (a call and a walk each, on every create).
        record[name] = type(record[name])()
    return record


def display_name(record: dict[str, Any]) -> str | None:
    """First and last name, or the email when both are empty (as in the rudder capture)."""
    first, last = record.get("first_name"), record.get("last_name")
    # " ".join of the names that are given, spelled out: a generator is a call per name, on every write.
    name = (first + " " + last if last else first) if first else last
    return name or record.get("email")


def links(entity: str, record_id: int, product: str) -> dict[str, str]:
    # Suite's links carry the /crm/sales prefix (reference §2.4).
    base = ("/crm/sales" if product == "suite" else "") + f"/{PLURALS[entity]}/{record_id}"
    return {
        "conversations": f"{base}/conversations/all?include=email_conversation_recipients%2Ctargetable",
        "timeline_feeds": f"{base}/timeline_feeds",
        "document_associations": f"{base}/document_associations",
        "notes": f"{base}/notes?include=creater",
        "tasks": f"{base}/tasks?include=creater,owner,updater,targetable,users,task_type",
        "appointments": f"{base}/appointments?include=creater,owner,updater,targetable,appointment_attendees",
        "activities": f"{base}/activities",
    }


# Every field a lead or contact is built with (their blanks'): a record with no other key has no private
# ``_`` key but the two every stored record has, so :func:`public` need not look at each key's name.
_FIELDS = frozenset(_BLANKS["lead"]) | frozenset(_BLANKS["contact"])
_PRIVATE = ("_account", "_entity")


def shown(fields: dict[str, Any], entity: str, record_id: int, product: str) -> PublicRecord:
    """A record as the API returns it, from its public fields alone (no ``_`` key among them): the links
    added to ``fields`` itself, which must be the caller's own dict (what :func:`public` answers for the
    stored document those fields came from, without copying them again)."""
    fields["links"] = links(entity, record_id, product)
    return fields  # type: ignore[return-value]  # a PublicRecord now: no cast() call per read (issue 12)


def public(doc: StoredRecord, product: str, *, copy: bool = True) -> PublicRecord:
    """The record as the API returns it, without ``_`` keys: a deep copy (callers may change it freely).

    ``copy=False``: a new dict whose container values (lists, dicts) are the document's own, for an
    answer that is encoded at once and never changed (issue 12: a read copied every field to throw the
    copy away after encoding it).
    """
    record: dict[str, Any] = dict(doc)  # in C; then only the few container values are copied again
    if copy:
        atoms = strictjson.ATOMS
        for key in [key for key, value in record.items() if type(value) not in atoms]:
            record[key] = strictjson.deep_copy(record[key])
    for key in _PRIVATE:
        record.pop(key, None)
    if not record.keys() <= _FIELDS:  # a key no record is built with: any other "_" one must go too
        for key in [key for key in record if key[:1] == "_"]:
            del record[key]
    record["links"] = links(doc["_entity"], doc["id"], product)
    return cast(PublicRecord, record)
