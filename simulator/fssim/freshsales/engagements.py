"""Notes, sales activities, tasks and appointments on a lead or contact (or, through the reference
hooks, a sales account or deal); each one also appears on its target's timeline, whichever it is.

Shapes from reference §3.1-3.2 and §5: ``{"note": {"id","description","targetable_type","targetable_id",
"created_at","updated_at"}}``, the sales-activity record of the onSalesActivityUpdate payload, and the
task and appointment fields connectors read (``freshsales.schedule``).

Links stay consistent (simulator policy): deleting a lead, contact, sales account or deal deletes what
targets it, and a lead or contact its appointment attendances; converting a lead moves them to the
contact; deleting an item removes its timeline entry. The target of an item cannot change on update
(delete it and create it again).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from fssim import strictjson
from fssim.clock import Clock, isoformat
from fssim.freshsales.accounts import Account, Accounts
from fssim.freshsales.errors import NotFoundError, ValidationError
from fssim.freshsales.ids import IdSequence
from fssim.freshsales.records import Records
from fssim.freshsales.references import ReferenceCheck, TargetLookup, default_reference_check
from fssim.freshsales.schedule import build, matches_filter
from fssim.freshsales.shapes import ENTITY_TYPES, Target
from fssim.freshsales.timeline import TIMELINE_TYPES, Timeline
from fssim.store import Database

__all__ = ["KINDS", "Engagements", "Link"]

KINDS = {"note": "Note", "sales_activity": "SalesActivity", "task": "Task", "appointment": "Appointment"}
_TABLES = {"note": "fs_notes", "sales_activity": "fs_sales_activities", "task": "fs_tasks",
           "appointment": "fs_appointments"}
_RECORD_TARGETS = {"Lead": "lead", "Contact": "contact"}
_OTHER_TARGETS = ("SalesAccount", "Deal")
_TIMELINES = {label: entity for entity, label in TIMELINE_TYPES.items()}  # "SalesAccount" -> "sales_account"


class Link(NamedTuple):
    """What an item targets: its type and id, and the timeline to write to (none when the engagements
    were built without a way to look sales accounts and deals up: a bare unit test)."""

    type: str
    id: int
    target: Target | None


class Engagements:
    def __init__(self, db: Database, clock: Clock, ids: IdSequence, records: Records, timeline: Timeline,
                 accounts: Accounts | None = None, check: ReferenceCheck = default_reference_check,
                 targets: TargetLookup | None = None) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids
        self._records = records
        self._timeline = timeline
        self._accounts = accounts
        self._check = check
        self._targets = targets
        self._collections = {kind: db.collection(name) for kind, name in _TABLES.items()}
        records.watch(self)

    # -- shared ---------------------------------------------------------------------------------------

    def _account(self, account: str) -> Account | None:
        return self._accounts.get(account) if self._accounts is not None else None

    def _known(self, account: str) -> Any:
        owner = self._account(account)

        def known(kind: str, ref_id: int) -> bool:
            if kind in _RECORD_TARGETS:
                return self._records.exists(account, _RECORD_TARGETS[kind], ref_id)
            if kind == "owner" and owner is None:
                return True  # no accounts to ask (a bare Engagements in a unit test)
            return owner is not None and self._check(owner, kind, ref_id)

        return known

    def _link(self, account: str, body: dict[str, Any], problems: list[str]) -> Link | None:
        kind, target_id = body.get("targetable_type"), body.get("targetable_id")
        if isinstance(target_id, str) and target_id.strip().isdigit():
            target_id = int(target_id)
        if not isinstance(kind, str) or kind not in (*_RECORD_TARGETS, *_OTHER_TARGETS):
            problems.append("targetable_type must be Lead, Contact, SalesAccount or Deal")
        if isinstance(target_id, bool) or not isinstance(target_id, int):
            problems.append("targetable_id must be the id of the record named by targetable_type")
        if problems:
            return None
        assert isinstance(kind, str) and isinstance(target_id, int)
        if kind in _RECORD_TARGETS:  # 404 if there is no such record
            return Link(kind, target_id, self._records.target(account, _RECORD_TARGETS[kind], target_id))
        owner = self._account(account)
        if owner is not None and self._targets is not None:
            target = self._targets(owner, kind, target_id)
            if target is None:
                raise NotFoundError(f"{kind} {target_id} not found")
            return Link(kind, target_id, target)
        if owner is None or not self._check(owner, kind, target_id):
            raise NotFoundError(f"{kind} {target_id} not found")
        return Link(kind, target_id, None)

    @staticmethod
    def _public(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: strictjson.deep_copy(v) for k, v in doc.items() if not k.startswith("_")}

    def targeting(self, account: str, kind: str, targetable_type: str, ids: set[int]) -> list[dict[str, Any]]:
        """The items of ``kind`` whose target is one of ``ids`` of ``targetable_type`` (side-loads)."""
        return [item for item in self.list(account, kind)
                if item["targetable_type"] == targetable_type and item["targetable_id"] in ids]

    def get(self, account: str, kind: str, item_id: int) -> dict[str, Any]:
        with self._db.lock:
            doc = self._collections[kind].get(item_id) if isinstance(item_id, int) and item_id > 0 else None
            if doc is None or doc["_account"] != account:
                raise NotFoundError(f"{kind.replace('_', ' ').capitalize()} {item_id} not found")
            return self._public(doc)

    def list(self, account: str, kind: str, *, filter_name: str | None = None) -> list[dict[str, Any]]:
        """The account's items of ``kind``, oldest first; ``filter_name`` one of ``schedule.FILTERS``."""
        now = self._clock.now()
        with self._db.lock:
            docs = [doc for _, doc in self._collections[kind].items() if doc["_account"] == account]
            return [self._public(doc) for doc in sorted(docs, key=lambda d: d["id"])
                    if filter_name is None or matches_filter(kind, doc, filter_name, now)]

    def count(self, account: str, kind: str) -> int:
        with self._db.lock:
            return sum(1 for _, doc in self._collections[kind].items() if doc["_account"] == account)

    def delete(self, account: str, kind: str, item_id: int) -> dict[str, Any]:
        with self._db.transaction():
            item = self.get(account, kind, item_id)
            self._collections[kind].delete(item_id)
            self._timeline.drop_actionable(account, _TIMELINES[item["targetable_type"]], item["targetable_id"],
                                           KINDS[kind], item_id)
            return item

    def _store(self, account: str, link: Link, kind: str, item: dict[str, Any]) -> dict[str, Any]:
        self._collections[kind].insert({**item, "_account": account}, doc_id=item["id"])
        if link.target is not None:
            self._timeline.add_activity(link.target, {
                "action_type": kind, "user_activity": True, "actionable_type": KINDS[kind],
                "actionable_id": item["id"],
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
            link = self._link(account, body if isinstance(body, dict) else {}, problems)
            if link is None:
                raise ValidationError(*problems)
            now = isoformat(self._clock.now())
            note = {"id": self._ids.next(), "description": description, "targetable_type": link.type,
                    "targetable_id": link.id, "created_at": now, "updated_at": now}
            return self._store(account, link, "note", note)

    def update_note(self, account: str, note_id: int, body: dict[str, Any]) -> dict[str, Any]:
        with self._db.transaction():
            note = self.get(account, "note", note_id)
            description = body.get("description", note["description"]) if isinstance(body, dict) else None
            if not isinstance(description, str) or not description.strip():
                raise ValidationError("Description can't be blank")
            note.update(description=description, updated_at=isoformat(self._clock.now()))
            self._collections["note"].replace(note_id, {**note, "_account": account})
            return note

    # -- sales activities, tasks, appointments --------------------------------------------------------

    def _owner_id(self, account: str) -> int:
        owner = self._account(account)
        return owner.user_id if owner is not None else 0

    def add_sales_activity(self, account: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.create(account, "sales_activity", body)

    def create(self, account: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """A new sales activity, task or appointment; 400 naming every problem, 404 for a missing target."""
        body = body if isinstance(body, dict) else {}
        problems: list[str] = []
        now = self._clock.now()
        with self._db.transaction():
            fields = build(kind, body, None, now, self._owner_id(account), self._known(account), problems)
            link = self._link(account, body, problems)
            if link is None or problems:
                raise ValidationError(*problems)
            stamp = isoformat(now)
            item = {"id": self._ids.next(), **fields, "targetable_type": link.type, "targetable_id": link.id,
                    "created_at": stamp, "updated_at": stamp}
            return self._store(account, link, kind, item)

    def update(self, account: str, kind: str, item_id: int, body: dict[str, Any]) -> dict[str, Any]:
        body = body if isinstance(body, dict) else {}
        problems: list[str] = []
        now = self._clock.now()
        with self._db.transaction():
            old = self.get(account, kind, item_id)
            for name in ("targetable_type", "targetable_id"):
                if name in body and body[name] != old[name] and str(body[name]) != str(old[name]):
                    problems.append(f"{name} cannot change; delete the {kind.replace('_', ' ')} and create it again")
            fields = build(kind, body, old, now, self._owner_id(account), self._known(account), problems)
            if problems:
                raise ValidationError(*problems)
            item = {**old, **fields, "updated_at": isoformat(now)}
            self._collections[kind].replace(item_id, {**item, "_account": account})
            return item

    # -- following records (RecordWatcher) ------------------------------------------------------------

    def record_deleted(self, account: str, entity: str, record_id: int) -> None:
        self.target_deleted(account, ENTITY_TYPES[entity], record_id)

    def target_deleted(self, account: str, kind_name: str, record_id: int) -> None:
        """Delete the items that target ``kind_name`` ``record_id`` (Lead, Contact, SalesAccount, Deal) and
        drop it from appointment attendees."""
        for kind, collection in self._collections.items():
            for doc_id, doc in list(collection.items()):
                if doc["_account"] != account:
                    continue
                if doc["targetable_type"] == kind_name and doc["targetable_id"] == record_id:
                    collection.delete(doc_id)
                elif kind == "appointment" and any(
                        a["attendee_type"] == kind_name and a["attendee_id"] == record_id
                        for a in doc.get("appointment_attendees", [])):
                    kept = [a for a in doc["appointment_attendees"]
                            if not (a["attendee_type"] == kind_name and a["attendee_id"] == record_id)]
                    collection.replace(doc_id, {**doc, "appointment_attendees": kept})

    def record_moved(self, account: str, source: tuple[str, int], target: Target) -> None:
        old_type, new_type = ENTITY_TYPES[source[0]], ENTITY_TYPES[target.entity]
        for collection in self._collections.values():
            for doc_id, doc in list(collection.items()):
                if doc["_account"] != account:
                    continue
                moved = dict(doc)
                if doc["targetable_type"] == old_type and doc["targetable_id"] == source[1]:
                    moved.update(targetable_type=new_type, targetable_id=target.id)
                if "appointment_attendees" in doc:
                    moved["appointment_attendees"] = [
                        {"attendee_type": new_type, "attendee_id": target.id}
                        if a["attendee_type"] == old_type and a["attendee_id"] == source[1] else a
                        for a in doc["appointment_attendees"]]
                if moved != doc:
                    collection.replace(doc_id, moved)
