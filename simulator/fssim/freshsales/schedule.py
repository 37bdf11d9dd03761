"""The fields of sales activities, tasks and appointments: what a body may say, checked, and what is
stored; and the ``?filter=`` forms connectors list tasks and appointments with (reference §3.2, §5).

Pure functions: the caller (``Engagements``) hands in the current time, the stored item when updating,
and ``known(kind, id)``, which answers from the account's references (``freshsales.references``).
Every problem found is appended to ``problems``, so one 400 names them all.

Simulator policy where the reference is silent:
* a task's ``status`` is 0 (open) or 1 (completed); completing one sets ``completed_date``;
* ``due today``/``due tomorrow`` are calendar days in UTC; ``overdue`` is open and due before now;
* an appointment is ``past`` once its ``end_date`` is before now, ``upcoming`` until then;
* ``owner_id`` defaults to the account's admin user, as a record's does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fssim.clock import isoformat, parse_iso

__all__ = ["ATTENDEE_TYPES", "FILTERS", "Known", "build", "matches_filter"]

Known = Callable[[str, int], bool]
ATTENDEE_TYPES = {"FdMultitenant::User": "owner", "Lead": "Lead", "Contact": "Contact"}
FILTERS = {
    "task": ("open", "completed", "due today", "due tomorrow", "overdue"),
    "appointment": ("past", "upcoming"),
}
_COMMON = ("targetable_type", "targetable_id")
_FIELDS = {
    "sales_activity": ("title", "notes", "sales_activity_type_id", "sales_activity_outcome_id", "start_date",
                       "end_date", "owner_id", "location", "latitude", "longitude", "checkedin_at", *_COMMON),
    "task": ("title", "description", "due_date", "owner_id", "status", "task_type_id", "outcome_id", *_COMMON),
    "appointment": ("title", "description", "from_date", "end_date", "time_zone", "location", "is_allday",
                    "outcome_id", "latitude", "longitude", "appointment_attendees_attributes", *_COMMON),
}


def _time(body: dict[str, Any], name: str, problems: list[str], *, required: bool) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            problems.append(f"{name.replace('_', ' ').capitalize()} can't be blank")
        return None
    if not isinstance(value, str):
        problems.append(f"The type for {name} is invalid.")
        return None
    try:
        return isoformat(parse_iso(value))
    except ValueError:
        problems.append(f"{name} {value!r} is not an ISO-8601 time")
        return None


def _reference(body: dict[str, Any], name: str, kind: str, known: Known, problems: list[str]) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not known(kind, value):
        hint = {"owner": "a user of the account", "sales_activity_type": "GET /api/selector/sales_activity_types",
                "sales_activity_outcome": "an outcome of GET /api/selector/sales_activity_outcomes"}[kind]
        noun = kind.replace("_", " ")
        problems.append(f"{name} {value!r} is not {'an' if noun[0] in 'aeiou' else 'a'} {noun} ({hint})")
        return None
    return value


def _title(body: dict[str, Any], problems: list[str]) -> Any:
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append("Title can't be blank")
    return title


def build(kind: str, body: dict[str, Any], old: dict[str, Any] | None, now: datetime, owner_id: int,
          known: Known, problems: list[str]) -> dict[str, Any]:
    """The stored fields of a ``kind`` from ``body`` (merged over ``old`` when updating), without id,
    target and timestamps, which the caller sets. Unknown keys are ignored, as Freshsales does."""
    given = {name: body[name] for name in _FIELDS[kind] if name in body}
    merged: dict[str, Any] = {**(old or {}), **given}
    stamp = isoformat(now)
    item: dict[str, Any] = {"title": _title(merged, problems)}
    owner = _reference(merged, "owner_id", "owner", known, problems) if kind != "appointment" else None
    if kind == "sales_activity":
        item.update(
            notes=merged.get("notes"),
            sales_activity_type_id=_reference(merged, "sales_activity_type_id", "sales_activity_type", known,
                                              problems),
            sales_activity_outcome_id=_reference(merged, "sales_activity_outcome_id", "sales_activity_outcome",
                                                 known, problems))
        start = _time(merged, "start_date", problems, required=False) or stamp
        item.update(
            start_date=start, end_date=_time(merged, "end_date", problems, required=False) or start,
            owner_id=owner or owner_id, creator_id=owner_id, updater_id=owner_id,
            location=merged.get("location"), latitude=merged.get("latitude"), longitude=merged.get("longitude"),
            checkedin_at=merged.get("checkedin_at"), is_deleted=False)
    elif kind == "task":
        status = merged.get("status", 0)
        if status not in (0, 1) or isinstance(status, bool):
            problems.append(f"status {status!r} must be 0 (open) or 1 (completed)")
        was_done = bool(old and old.get("status") == 1)
        item.update(
            description=merged.get("description"), due_date=_time(merged, "due_date", problems, required=True),
            owner_id=owner or owner_id, creater_id=owner_id, status=status,
            task_type_id=_reference(merged, "task_type_id", "sales_activity_type", known, problems),
            outcome_id=_reference(merged, "outcome_id", "sales_activity_outcome", known, problems),
            completed_date=(old or {}).get("completed_date") if was_done and status == 1 else
            (stamp if status == 1 else None))
    else:
        begins = _time(merged, "from_date", problems, required=True)
        end = _time(merged, "end_date", problems, required=True)
        if begins and end and parse_iso(end) < parse_iso(begins):
            problems.append("end_date must not be before from_date")
        is_allday = merged.get("is_allday", False)
        if not isinstance(is_allday, bool):
            problems.append("The type for is_allday is invalid.")
        item.update(
            description=merged.get("description"), from_date=begins, end_date=end,
            time_zone=merged.get("time_zone"), location=merged.get("location"), is_allday=is_allday,
            outcome_id=_reference(merged, "outcome_id", "sales_activity_outcome", known, problems),
            latitude=merged.get("latitude"), longitude=merged.get("longitude"), creater_id=owner_id,
            appointment_attendees=_attendees(merged, old, owner_id, known, problems))
    return item


def _attendees(merged: dict[str, Any], old: dict[str, Any] | None, owner_id: int, known: Known,
               problems: list[str]) -> list[dict[str, Any]]:
    given = merged.get("appointment_attendees_attributes")
    if given is None:
        # Simulator policy: with no attendees named, the account's user attends (the creator, in the UI).
        return list((old or {}).get("appointment_attendees") or
                    [{"attendee_type": "FdMultitenant::User", "attendee_id": owner_id}])
    if not isinstance(given, list):
        problems.append("The type for appointment_attendees_attributes is invalid.")
        return []
    attendees = []
    for entry in given:
        kind = entry.get("attendee_type") if isinstance(entry, dict) else None
        ref = entry.get("attendee_id") if isinstance(entry, dict) else None
        if kind not in ATTENDEE_TYPES or isinstance(ref, bool) or not isinstance(ref, int) \
                or not known(ATTENDEE_TYPES[str(kind)], ref):
            problems.append(f"attendee {entry!r} is not a user, lead or contact of the account "
                            f"(attendee_type one of {', '.join(ATTENDEE_TYPES)})")
            continue
        attendees.append({"attendee_type": kind, "attendee_id": ref})
    return attendees


def matches_filter(kind: str, item: dict[str, Any], name: str, now: datetime) -> bool:
    """Whether ``item`` belongs in ``?filter=name`` (one of :data:`FILTERS` for its kind)."""
    if kind == "appointment":
        ended = parse_iso(item["end_date"]) < now
        return ended if name == "past" else not ended
    is_open = item["status"] == 0
    due = parse_iso(item["due_date"]) if item.get("due_date") else None
    if name == "open":
        return is_open
    if name == "completed":
        return not is_open
    if due is None or not is_open:
        return False
    if name == "overdue":
        return due < now
    day = now.date() if name == "due today" else (now + timedelta(days=1)).date()
    return due.astimezone(now.tzinfo).date() == day
