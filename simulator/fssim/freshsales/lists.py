"""Contact lists: create, rename, delete, add and remove contacts, and list members (issue 13 point 4;
the reference shows ``GET /api/lists`` answering ``{"lists": [...], "meta": {...}}``, rudder-transformer).

Simulator policy: a list needs a name, and two lists may share one (the reference says nothing of
unique names, and a rule between documents cannot be stated in the OpenAPI document that Schemathesis
holds the API to); members are contacts only; adding a contact twice keeps one membership;
a deleted contact leaves every list, a converted lead was never a member. Ids that are not contacts of
the account are a 400 naming them, and nothing changes.
"""

from __future__ import annotations

from typing import Any

from fssim import strictjson
from fssim.clock import Clock, isoformat
from fssim.freshsales.errors import NotFoundError, ValidationError
from fssim.freshsales.ids import IdSequence
from fssim.freshsales.records import Records
from fssim.freshsales.shapes import Target
from fssim.store import Database

__all__ = ["Lists"]


class Lists:
    def __init__(self, db: Database, clock: Clock, ids: IdSequence, records: Records) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids
        self._records = records
        self._lists = db.collection("fs_lists")
        records.watch(self)

    def _doc(self, account: str, list_id: int) -> dict[str, Any]:
        doc = self._lists.get(list_id) if isinstance(list_id, int) and list_id > 0 else None
        if doc is None or doc["_account"] != account:
            raise NotFoundError(f"List {list_id} not found")
        return dict(doc)

    @staticmethod
    def _public(doc: dict[str, Any]) -> dict[str, Any]:
        shown = {k: strictjson.deep_copy(v) for k, v in doc.items() if not k.startswith("_")}
        shown["contacts_count"] = len(doc["_members"])
        return shown

    def _name(self, body: dict[str, Any]) -> str:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("Name can't be blank")
        return name.strip()

    def create(self, account: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._db.transaction():
            name = self._name(body)
            now = isoformat(self._clock.now())
            list_id = self._ids.next()
            doc: dict[str, Any] = {"id": list_id, "name": name, "description": body.get("description"),
                   "created_at": now, "updated_at": now, "_account": account, "_members": []}
            self._lists.insert(doc, doc_id=list_id)
            return self._public(doc)

    def get(self, account: str, list_id: int) -> dict[str, Any]:
        with self._db.lock:
            return self._public(self._doc(account, list_id))

    def all(self, account: str) -> list[dict[str, Any]]:
        with self._db.lock:
            return [self._public(doc) for _, doc in sorted(self._lists.items()) if doc["_account"] == account]

    def count(self, account: str) -> int:
        return len(self.all(account))

    def rename(self, account: str, list_id: int, body: dict[str, Any]) -> dict[str, Any]:
        with self._db.transaction():
            doc = self._doc(account, list_id)
            doc.update(name=self._name(body), updated_at=isoformat(self._clock.now()))
            if "description" in body:
                doc["description"] = body["description"]
            self._lists.replace(list_id, doc)
            return self._public(doc)

    def delete(self, account: str, list_id: int) -> None:
        with self._db.transaction():
            self._doc(account, list_id)
            self._lists.delete(list_id)

    def change_members(self, account: str, list_id: int, ids: Any, *, add: bool) -> dict[str, Any]:
        with self._db.transaction():
            doc = self._doc(account, list_id)  # an unknown list is a 404 whatever the body says
            if not isinstance(ids, list) or not ids or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
                raise ValidationError('ids must be a non-empty array of contact ids, e.g. {"ids": [1, 2]}')
            missing = [i for i in ids if not self._records.exists(account, "contact", i)]
            if missing:
                raise ValidationError(f"Not contacts of this account: {', '.join(map(str, missing))}")
            members = [m for m in doc["_members"] if m not in ids]
            doc["_members"] = sorted({*members, *ids}) if add else members
            doc["updated_at"] = isoformat(self._clock.now())
            self._lists.replace(list_id, doc)
            return self._public(doc)

    def members(self, account: str, list_id: int) -> list[int]:
        with self._db.lock:
            return list(self._doc(account, list_id)["_members"])

    # -- following records (RecordWatcher) ------------------------------------------------------------

    def record_deleted(self, account: str, entity: str, record_id: int) -> None:
        if entity != "contact":
            return
        for doc_id, doc in list(self._lists.items()):
            if doc["_account"] == account and record_id in doc["_members"]:
                self._lists.replace(doc_id, {**doc, "_members": [m for m in doc["_members"] if m != record_id]})

    def record_moved(self, account: str, source: tuple[str, int], target: Target) -> None:
        """Only leads are converted, and leads are never members: nothing to follow."""
