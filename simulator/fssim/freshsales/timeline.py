"""The activity timeline of a lead, contact, sales account or deal. A lead's or contact's holds its
creation, field updates, notes, sales activities, tasks, appointments, and the page views and events
the integration rules add (R8); a sales account's or deal's the notes, sales activities, tasks and
appointments that target it (simulator policy: their own field changes are not recorded).

Items are shaped like the real ``GET /api/contacts/:id/activities`` items (reference §3.3:
``action_type``, ``targetable_*``, ``action_data``…). They are kept in their own table with an index by
owner, and listed oldest first by ``created_at`` — for Segment messages that is the message's corrected
timestamp, so a late retry still lands in its place (R8).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fssim import strictjson
from fssim.clock import Clock, isoformat, parse_iso
from fssim.freshsales.compact_items import CompactTimeline, created_data, packed_created, packed_item
from fssim.freshsales.errors import ValidationError
from fssim.freshsales.ids import IdSequence
from fssim.freshsales.shapes import ENTITY_TYPES, Target
from fssim.store import Database

__all__ = ["TIMELINE_TYPES", "Timeline"]

# Every entity that has a timeline -> its ``targetable_type`` (the name items and clients use).
TIMELINE_TYPES = {**ENTITY_TYPES, "sales_account": "SalesAccount", "deal": "Deal"}
# One encoder for every check: json.dumps builds a new one per call when given any option.
_strict_json = json.JSONEncoder(allow_nan=False).encode


def _whole_seconds(text: str) -> str:
    """``isoformat(parse_iso(text))`` for a time written as the rules write them, already in UTC with
    milliseconds (``2026-01-01T10:00:00.123+00:00``): its seconds, cut from the text, with no printing
    of the parsed time again. Any other text (an offset, no fraction) is printed from its parse."""
    if len(text) == 29 and text[10] == "T" and text[19] == "." and text.endswith("+00:00"):
        return text[:19] + "+00:00"
    return isoformat(parse_iso(text))


def _dated(text: str) -> tuple[datetime, str]:
    """An activity's own time, given as ISO-8601 text: its instant and its text in whole seconds
    (:class:`ValidationError` naming it when it is no such time)."""
    try:
        moment = parse_iso(text)
    except ValueError:
        raise ValidationError(f"activity created_at {text!r} is not an ISO-8601 time") from None
    return moment, _whole_seconds(text)


def _whole_item(activity_id: int, entity: str, record_id: int, name: Any, data: dict[str, Any],
                created_at: str) -> dict[str, Any]:
    """The item Timeline answers and stores (but its private fields) of ``data``, which it keeps."""
    kind = TIMELINE_TYPES[entity]
    return {
        "id": activity_id,
        "actionable_type": kind,
        "actionable_id": record_id,
        "targetable_type": kind,
        "targetable_id": record_id,
        "targetable_name": name,
        "user_activity": False,
        "composite_id": f"{kind}-{record_id}-{activity_id}",
        "automation": False,
        "action_data": {},
        **data,
        "created_at": created_at,
    }


def _checked(activity: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(activity, dict) or not isinstance(activity.get("action_type"), str):
        raise ValidationError("an activity needs an 'action_type' string")
    return activity


class Timeline:
    """Timeline items by record. It never looks records up: whoever adds an item hands it the
    :class:`Target` (from :class:`~fssim.freshsales.records.Records`, which checked the record exists)."""

    def __init__(self, db: Database, clock: Clock, ids: IdSequence) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids
        # Stored without the fields its owner already says, read back whole (compact_items.py).
        self._items = CompactTimeline(db.collection("fs_activities"))
        self._by_owner = self._items.by_private(lambda doc: (doc["_account"], doc["_entity"], doc["_record_id"]))

    def add_activity(self, target: Target, activity: dict[str, Any]) -> dict[str, Any]:
        """Append one item to ``target``'s timeline. ``activity`` needs ``action_type``; ``created_at``
        (ISO-8601 or a datetime) defaults to now; ``action_data`` and any other keys are kept as given.
        To add to a record known by id, use :meth:`Records.add_activity`, which checks it exists."""
        item = self._append(target, _checked(activity), answer=True)
        assert item is not None
        return item

    def record(self, target: Target, activity: dict[str, Any], *, now: datetime | None = None,
               now_text: str | None = None, plain: bool = False) -> None:
        """:meth:`add_activity` for a caller that does not read the item back (the receiver's page views
        and events, a record's own create and update items): an item of plain JSON data is then stored
        packed straight from ``activity`` (:func:`~fssim.freshsales.compact_items.packed_item`), without the
        whole item, its copy of the data and the comparison of its fields with what they derive from.

        ``now`` (a UTC time): the instant of the write that makes this item, when the caller has read the
        clock already (a record's create: its ``created_at`` and its item's are one instant), and
        ``now_text`` its :func:`~fssim.clock.isoformat` when printed already; an item without its own
        ``created_at`` is dated by them instead of another clock read and printing. ``plain``: the caller
        made ``activity`` of its own constants (ASCII strings, booleans, dicts of them: a record's
        "created" item), which read back as themselves and are not walked to see."""
        if type(activity) is not dict or type(activity.get("action_type")) is not str:
            _checked(activity)  # raises; a well-formed activity (every caller's) is not checked by a call
        self._append(target, activity, answer=False, now=now, now_text=now_text, plain=plain)

    def record_created(self, target: Target, *, now: datetime, now_text: str, at: str | None = None) -> None:
        """:meth:`record` of ``target``'s "created" item (:func:`created_data`, dated ``at`` when given, an
        ISO-8601 text: a Segment message's time, R8), written by the record's create at ``now`` (printed
        ``now_text``): packed from its few values by a template, not walked field by field
        (:func:`~fssim.freshsales.compact_items.packed_created`; the same stored item)."""
        account, entity, record_id, name = target
        moment, created_at = _dated(at) if at else (now, now_text)
        activity_id = self._ids.next()
        private = {"_account": account, "_entity": entity, "_record_id": record_id, "_at": moment.timestamp()}
        packed = packed_created(activity_id, entity, record_id, name, created_at, private, printed_from_at=not at)
        if packed is None:  # what the template cannot pack (as packed_item): the whole item, as record() stores it
            item = _whole_item(activity_id, entity, record_id, name, created_data(entity), created_at)
            self._items.insert({**item, **private})
        else:
            self._items.insert_packed(packed)

    def _append(self, target: Target, activity: dict[str, Any], *, answer: bool, now: datetime | None = None,
                now_text: str | None = None, plain: bool = False) -> dict[str, Any] | None:
        account, entity, record_id, name = target
        when = activity.get("created_at")
        created_at: str | None = None  # the text of a time given as text; else printed from the instant
        if isinstance(when, str):
            moment, created_at = _dated(when)
        elif isinstance(when, datetime):
            moment = when if when.tzinfo else when.replace(tzinfo=UTC)
        else:
            moment = self._clock.now() if now is None else now
        # Only read (packed to text, or deep-copied into the item): the activity itself when it has no time.
        data = activity if "created_at" not in activity else {k: v for k, v in activity.items() if k != "created_at"}
        # What is stored must survive the JSON file and the REST answer: refuse what strict JSON cannot
        # write (objects, NaN, infinity) now, not when the timeline is read. Plain JSON data (what the
        # rules and REST bodies give) is told by a walk of its types; only anything else is encoded to see.
        exact = plain or strictjson.reads_back_as_itself(data)
        if not exact:
            try:
                _strict_json(data)
            except (TypeError, ValueError) as error:
                raise ValidationError(f"an activity must be JSON data: {error}") from None
        activity_id = self._ids.next()
        if created_at is None:
            created_at = now_text if now_text is not None and moment is now else isoformat(moment)
        private = {"_account": account, "_entity": entity, "_record_id": record_id, "_at": moment.timestamp()}
        if not answer and exact:
            # Stored as text, so nothing keeps the caller's values: no copy of them is needed.
            packed = packed_item(activity_id, entity, record_id, name, data, created_at, private,
                                 printed_from_at=True)
            if packed is not None:
                self._items.insert_packed(packed)
                return None
        item = _whole_item(activity_id, entity, record_id, name, strictjson.deep_copy(data), created_at)
        # The item's other fields are names, ids, flags and a time: with data that reads back as itself,
        # the whole item does, and the compact store need not walk it again.
        self._items.insert({**item, **private}, exact=exact)
        return item

    def activities(self, account: str, entity: str, record_id: int) -> list[dict[str, Any]]:
        """The record's items, oldest first (ties keep insertion order)."""
        with self._db.lock:
            docs = [self._items.get(doc_id) for doc_id in self._by_owner.ids((account, entity, record_id))]
            found = sorted((doc for doc in docs if doc is not None), key=lambda doc: (doc["_at"], doc["id"]))
            return [{k: strictjson.deep_copy(v) for k, v in doc.items() if not k.startswith("_")} for doc in found]

    def move(self, account: str, source: tuple[str, int], target: Target) -> None:
        """Carry a converted lead's history over to its contact (simulator policy: nothing is lost)."""
        entity, record_id = source
        kind = TIMELINE_TYPES[target.entity]
        with self._db.transaction():
            for doc_id in self._by_owner.ids((account, entity, record_id)):
                doc = self._items.get(doc_id)
                if doc is None:
                    continue
                moved = {**doc, "_entity": target.entity, "_record_id": target.id, "targetable_type": kind,
                         "targetable_id": target.id, "targetable_name": target.name}
                self._items.replace(doc_id, moved)

    def drop_actionable(self, account: str, entity: str, record_id: int, actionable_type: str,
                        actionable_id: int) -> None:
        """Forget the item a deleted note, task, appointment or sales activity put on the timeline."""
        with self._db.transaction():
            for doc_id in self._by_owner.ids((account, entity, record_id)):
                doc = self._items.get(doc_id)
                if doc is not None and (doc.get("actionable_type"), doc.get("actionable_id")) == (
                        actionable_type, actionable_id):
                    self._items.delete(doc_id)

    def drop(self, account: str, entity: str, record_id: int) -> None:
        """Forget a deleted record's items."""
        with self._db.transaction():
            for doc_id in self._by_owner.ids((account, entity, record_id)):
                self._items.delete(doc_id)
