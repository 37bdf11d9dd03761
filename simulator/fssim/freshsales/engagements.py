"""Notes and sales activities on a lead or contact; each one also appears on the record's timeline.

Shapes from reference §3.1-3.2: ``{"note": {"id","description","targetable_type","targetable_id",
"created_at","updated_at"}}`` and the sales-activity record of the onSalesActivityUpdate payload.
Simulator policy: only ``Lead`` and ``Contact`` targets exist here (no deals or sales accounts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fssim import strictjson
from fssim.clock import Clock, isoformat, parse_iso
from fssim.freshsales.errors import NotFoundError, ValidationError
from fssim.freshsales.ids import IdSequence
from fssim.freshsales.records import Records
from fssim.freshsales.shapes import Target
from fssim.freshsales.timeline import Timeline
from fssim.store import Database

__all__ = ["SALES_ACTIVITY_TYPES", "Engagements"]

_TARGETS = {"Lead": "lead", "Contact": "contact"}
# The default types the real selector lists (reference §3.2, rudder capture); fixed ids far from records'.
SALES_ACTIVITY_TYPES: list[dict[str, Any]] = [
    {"partial": True, "id": 70_000_000_001 + position, "name": name, "internal_name": name.lower().replace(" ", "_"),
     "show_in_conversation": True, "position": position + 1, "is_default": True, "is_checkedin": False}
    for position, name in enumerate(
        ("Chat", "Phone", "Meeting", "Task", "Email", "SMS Outgoing", "Reminder", "SMS Incoming"))
]
_TYPE_IDS = {kind["id"]: kind for kind in SALES_ACTIVITY_TYPES}


class Engagements:
    def __init__(self, db: Database, clock: Clock, ids: IdSequence, records: Records, timeline: Timeline) -> None:
        # (subdomain, id) -> is it one of the account's sales activity types; the service points it at
        # the account's own list (fssim.freshsales.selectors), this default at the fixed one.
        self.sales_activity_type_exists: Callable[[str, Any], bool] = \
            lambda account, type_id: isinstance(type_id, int) and type_id in _TYPE_IDS
        self._db = db
        self._clock = clock
        self._ids = ids
        self._records = records
        self._timeline = timeline
        self._collections = {"note": db.collection("fs_notes"), "sales_activity": db.collection("fs_sales_activities")}

    # -- shared ---------------------------------------------------------------------------------------

    def _target(self, account: str, body: dict[str, Any], problems: list[str]) -> Target | None:
        kind, target_id = body.get("targetable_type"), body.get("targetable_id")
        if isinstance(target_id, str) and target_id.strip().isdigit():
            target_id = int(target_id)
        if not isinstance(kind, str) or kind not in _TARGETS:
            problems.append("targetable_type must be Lead or Contact")
        if isinstance(target_id, bool) or not isinstance(target_id, int):
            problems.append("targetable_id must be the id of a lead or contact")
        if problems:
            return None
        assert isinstance(target_id, int)
        return self._records.target(account, _TARGETS[str(kind)], target_id)  # 404 if there is no such record

    def get(self, account: str, kind: str, item_id: int) -> dict[str, Any]:
        with self._db.lock:
            doc = self._collections[kind].get(item_id) if isinstance(item_id, int) and item_id > 0 else None
            if doc is None or doc["_account"] != account:
                raise NotFoundError(f"{kind.replace('_', ' ').capitalize()} {item_id} not found")
            return {k: strictjson.deep_copy(v) for k, v in doc.items() if not k.startswith("_")}

    def list(self, account: str, kind: str) -> list[dict[str, Any]]:
        with self._db.lock:
            docs = [doc for _, doc in self._collections[kind].items() if doc["_account"] == account]
            return [{k: strictjson.deep_copy(v) for k, v in doc.items() if not k.startswith("_")}
                    for doc in sorted(docs, key=lambda d: d["id"])]

    def delete(self, account: str, kind: str, item_id: int) -> dict[str, Any]:
        with self._db.transaction():
            item = self.get(account, kind, item_id)
            self._collections[kind].delete(item_id)
            return item

    def _store(self, target: Target, kind: str, item: dict[str, Any], name: str) -> dict[str, Any]:
        self._collections[kind].insert({**item, "_account": target.account}, doc_id=item["id"])
        self._timeline.add_activity(target, {
            "action_type": kind, "user_activity": True, "actionable_type": name, "actionable_id": item["id"],
            "action_data": {"name": item.get("title") or item.get("description"), f"{kind}_id": item["id"]},
        })
        return strictjson.deep_copy(item)

    # -- notes ----------------------------------------------------------------------------------------

    def add_note(self, account: str, body: dict[str, Any]) -> dict[str, Any]:
        problems: list[str] = []
        description = body.get("description") if isinstance(body, dict) else None
        if not isinstance(description, str) or not description.strip():
            problems.append("Description can't be blank")
        with self._db.transaction():
            target = self._target(account, body if isinstance(body, dict) else {}, problems)
            if target is None:
                raise ValidationError(*problems)
            now = isoformat(self._clock.now())
            note = {"id": self._ids.next(), "description": description, "targetable_type": body["targetable_type"],
                    "targetable_id": target.id, "created_at": now, "updated_at": now}
            return self._store(target, "note", note, "Note")

    def update_note(self, account: str, note_id: int, body: dict[str, Any]) -> dict[str, Any]:
        with self._db.transaction():
            note = self.get(account, "note", note_id)
            description = body.get("description", note["description"]) if isinstance(body, dict) else None
            if not isinstance(description, str) or not description.strip():
                raise ValidationError("Description can't be blank")
            note.update(description=description, updated_at=isoformat(self._clock.now()))
            self._collections["note"].replace(note_id, {**note, "_account": account})
            return note

    # -- sales activities -----------------------------------------------------------------------------

    def add_sales_activity(self, account: str, body: dict[str, Any]) -> dict[str, Any]:
        problems: list[str] = []
        body = body if isinstance(body, dict) else {}
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            problems.append("Title can't be blank")
        type_id = body.get("sales_activity_type_id")
        if type_id is not None and not self.sales_activity_type_exists(account, type_id):
            problems.append(f"sales_activity_type_id {type_id!r} is not a sales activity type "
                            "(GET /api/selector/sales_activity_types)")
        times: dict[str, str | None] = {}
        for name in ("start_date", "end_date"):
            value = body.get(name)
            try:
                times[name] = isoformat(parse_iso(value)) if isinstance(value, str) else None
            except ValueError:
                problems.append(f"{name} {value!r} is not an ISO-8601 time")
            if value is not None and not isinstance(value, str):
                problems.append(f"The type for {name} is invalid.")
        with self._db.transaction():
            target = self._target(account, body, problems)
            if target is None:
                raise ValidationError(*problems)
            now = isoformat(self._clock.now())
            activity = {
                "id": self._ids.next(), "title": title, "notes": body.get("notes"),
                "sales_activity_type_id": type_id, "sales_activity_outcome_id": body.get("sales_activity_outcome_id"),
                "start_date": times["start_date"] or now, "end_date": times["end_date"] or now,
                "owner_id": body.get("owner_id"), "creator_id": None, "updater_id": None,
                "targetable_type": body["targetable_type"], "targetable_id": target.id,
                "location": body.get("location"), "latitude": body.get("latitude"),
                "longitude": body.get("longitude"), "checkedin_at": body.get("checkedin_at"),
                "is_deleted": False, "created_at": now, "updated_at": now,
            }
            return self._store(target, "sales_activity", activity, "SalesActivity")
