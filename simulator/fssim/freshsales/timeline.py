"""The activity timeline of a lead or contact: creates, field updates, notes, sales activities, and the
page views and events the integration rules add (R8).

Items are shaped like the real ``GET /api/contacts/:id/activities`` items (reference §3.3:
``action_type``, ``targetable_*``, ``action_data``…). They are kept in their own table with an index by
owner, and listed oldest first by ``created_at`` — for Segment messages that is the message's corrected
timestamp, so a late retry still lands in its place (R8).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fssim import strictjson
from fssim.clock import Clock, isoformat, parse_iso
from fssim.freshsales.errors import NotFoundError, ValidationError
from fssim.freshsales.ids import IdSequence
from fssim.freshsales.shapes import ENTITY_TYPES
from fssim.store import Database

__all__ = ["Timeline"]

Owner = tuple[str, str, int]  # (account, entity, record id)


class Timeline:
    def __init__(self, db: Database, clock: Clock, ids: IdSequence) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids
        self._items = db.collection("fs_activities")
        self._by_owner = self._items.index(lambda doc: (doc["_account"], doc["_entity"], doc["_record_id"]))
        # Set by the service: (account, entity, id) -> the record's display name, or None if no record.
        self.record_name: Callable[[str, str, int], str | None] = lambda account, entity, record_id: ""

    def add_activity(self, account: str, entity: str, record_id: int, activity: dict[str, Any]) -> dict[str, Any]:
        """Append one item. ``activity`` needs ``action_type``; ``created_at`` (ISO-8601) defaults to now;
        ``action_data`` and any other keys are kept as given. The record must exist (404 otherwise)."""
        if not isinstance(activity, dict) or not isinstance(activity.get("action_type"), str):
            raise ValidationError("an activity needs an 'action_type' string")
        with self._db.transaction():
            name = self.record_name(account, entity, record_id)
            if name is None:
                raise NotFoundError(f"{ENTITY_TYPES.get(entity, entity)} {record_id} not found")
            return self._append(account, entity, record_id, name, activity)

    def _append(
        self, account: str, entity: str, record_id: int, name: str | None, activity: dict[str, Any]
    ) -> dict[str, Any]:
        when = activity.get("created_at")
        try:
            if isinstance(when, datetime):
                moment = when if when.tzinfo else when.replace(tzinfo=UTC)
            else:
                moment = parse_iso(when) if isinstance(when, str) else self._clock.now()
        except ValueError:
            raise ValidationError(f"activity created_at {when!r} is not an ISO-8601 time") from None
        try:
            # What is stored must survive the JSON file and the REST answer: refuse what strict JSON
            # cannot write (objects, NaN, infinity) now, not when the timeline is read.
            json.dumps({k: v for k, v in activity.items() if k != "created_at"}, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ValidationError(f"an activity must be JSON data: {error}") from None
        activity_id = self._ids.next()
        item: dict[str, Any] = {
            "id": activity_id,
            "actionable_type": ENTITY_TYPES[entity],
            "actionable_id": record_id,
            "targetable_type": ENTITY_TYPES[entity],
            "targetable_id": record_id,
            "targetable_name": name,
            "user_activity": False,
            "composite_id": f"{ENTITY_TYPES[entity]}-{record_id}-{activity_id}",
            "automation": False,
            "action_data": {},
            **strictjson.deep_copy({k: v for k, v in activity.items() if k != "created_at"}),
            "created_at": isoformat(moment),
        }
        self._items.insert({
            **item, "_account": account, "_entity": entity, "_record_id": record_id, "_at": moment.timestamp(),
        })
        return item

    def record_event(
        self, account: str, entity: str, record_id: int, name: str | None, activity: dict[str, Any]
    ) -> dict[str, Any]:
        """For the record store itself (create, update, convert), which has just checked the record."""
        with self._db.transaction():
            return self._append(account, entity, record_id, name, activity)

    def activities(self, account: str, entity: str, record_id: int) -> list[dict[str, Any]]:
        """The record's items, oldest first (ties keep insertion order)."""
        with self._db.lock:
            docs = [self._items.get(doc_id) for doc_id in self._by_owner.ids((account, entity, record_id))]
            found = sorted((doc for doc in docs if isinstance(doc, dict)), key=lambda doc: (doc["_at"], doc["id"]))
            return [{k: strictjson.deep_copy(v) for k, v in doc.items() if not k.startswith("_")} for doc in found]

    def move(self, account: str, source: tuple[str, int], target: tuple[str, int], name: str | None) -> None:
        """Carry a converted lead's history over to its contact (simulator policy: nothing is lost)."""
        entity, record_id = source
        new_entity, new_id = target
        with self._db.transaction():
            for doc_id in self._by_owner.ids((account, entity, record_id)):
                doc = self._items.get(doc_id)
                if not isinstance(doc, dict):
                    continue
                kind = ENTITY_TYPES[new_entity]
                moved = {**doc, "_entity": new_entity, "_record_id": new_id, "targetable_type": kind,
                         "targetable_id": new_id, "targetable_name": name}
                self._items.replace(doc_id, moved)

    def drop(self, account: str, entity: str, record_id: int) -> None:
        """Forget a deleted record's items."""
        with self._db.transaction():
            for doc_id in self._by_owner.ids((account, entity, record_id)):
                self._items.delete(doc_id)
