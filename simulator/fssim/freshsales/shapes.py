"""How a stored lead or contact looks in an API response (reference §2.4, real captures).

Records are kept in the store already in their response shape, plus a few private ``_`` keys (account,
entity) that :func:`public` strips; so what a client reads is exactly what is stored.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from fssim import strictjson

__all__ = ["ENTITY_TYPES", "PLURALS", "Target", "blank_record", "display_name", "links", "public"]

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


class Target(NamedTuple):
    """A reference to one stored lead or contact: what look-ups return and what a timeline item names.

    Only :class:`~fssim.freshsales.records.Records` makes them, from the stored document, so holding one
    means the record existed when it was read (inside the same transaction, it still does).
    """

    account: str
    entity: str  # "lead" or "contact"
    id: int
    name: str | None  # the display name, the timeline's ``targetable_name``


def blank_record(entity: str, record_id: int) -> dict[str, Any]:
    extra = _LEAD if entity == "lead" else _CONTACT
    return {"id": record_id, **strictjson.deep_copy(_COMMON), **strictjson.deep_copy(extra)}


def display_name(record: dict[str, Any]) -> str | None:
    """First and last name, or the email when both are empty (as in the rudder capture)."""
    name = " ".join(part for part in (record.get("first_name"), record.get("last_name")) if part)
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


def public(doc: dict[str, Any], product: str) -> dict[str, Any]:
    """The record as the API returns it: a deep copy (callers may change it freely) without ``_`` keys."""
    record = {key: strictjson.deep_copy(value) for key, value in doc.items() if not key.startswith("_")}
    record["links"] = links(doc["_entity"], doc["id"], product)
    return record
