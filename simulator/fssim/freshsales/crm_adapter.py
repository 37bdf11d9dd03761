"""The fake Freshsales store behind the integration rules' :class:`~fssim.integration.crm.CRM` Protocol.

:class:`FreshsalesCRM` binds one account of :class:`~fssim.freshsales.service.Freshsales` to the
Protocol, so the rules run against the very store the REST API reads: whatever the receiver does is
visible to any Freshsales client. :class:`ProcessedMessages` keeps, per account, the answer given to
each Segment ``messageId`` (R10 on the Freshsales side).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from fssim.freshsales.errors import FreshsalesError
from fssim.integration import timeline_time
from fssim.integration.crm import CRMConflict, CustomField, Entity, FieldType, RecordRef
from fssim.store import Database

if TYPE_CHECKING:
    from fssim.freshsales.records import FoundRecord
    from fssim.freshsales.service import Freshsales

__all__ = ["FreshsalesCRM", "ProcessedMessages"]

class ProcessedMessages:
    """The answers given to Segment messages, by (account, messageId); kept until ``POST /_sim/reset``.

    Simulator policy: no expiry. Segment's own de-duplication window is 24 h; the receiver is stricter,
    so a retry after any delay still changes nothing.
    """

    TABLE = "fs_segment_messages"

    def __init__(self, db: Database) -> None:
        self._db = db
        self._answers = db.collection(self.TABLE)
        self._index = self._answers.index(lambda doc: (doc["account"], doc["message_id"]))

    def recall(self, account: str, message_id: str) -> Mapping[str, Any] | None:
        with self._db.lock:
            doc_id = self._index.first((account, message_id))
            if doc_id is None:
                return None
            doc = self._answers.get(doc_id)
            return None if doc is None else dict(doc["answer"])

    def remember(self, account: str, message_id: str, answer: Mapping[str, Any]) -> None:
        with self._db.lock:
            if self._index.first((account, message_id)) is None:
                self._answers.insert({"account": account, "message_id": message_id, "answer": dict(answer)})


def _ref(found: FoundRecord | None) -> RecordRef | None:
    if found is None:
        return None
    return RecordRef(entity=cast(Entity, found.entity), id=int(found.record["id"]))


def _changed_fields(before: Mapping[str, Any], after: Mapping[str, Any], written: Mapping[str, Any]) -> list[str]:
    """The written fields whose stored value differs now (custom fields by their ``cf_`` name)."""
    changed = [
        name for name in written
        if name != "custom_field" and before.get(name) != after.get(name)
    ]
    old_custom = before.get("custom_field") or {}
    new_custom = after.get("custom_field") or {}
    changed += [name for name in written.get("custom_field", {}) if old_custom.get(name) != new_custom.get(name)]
    return sorted(changed)


class FreshsalesCRM:
    """One account of the fake Freshsales, as the integration rules see it."""

    def __init__(self, freshsales: Freshsales, subdomain: str, processed: ProcessedMessages) -> None:
        self._fs = freshsales
        self._account = subdomain
        self._processed = processed

    @property
    def contacts_only(self) -> bool:
        account = self._fs.accounts.require(self._account)
        return not account.has_leads

    def find_by_email(self, email: str) -> RecordRef | None:
        return _ref(self._fs.records.find_by_email(self._account, email))

    def find_by_external_id(self, external_id: str) -> RecordRef | None:
        return _ref(self._fs.records.find_by_external_id(self._account, external_id))

    def create(self, entity: Entity, fields: Mapping[str, Any], *, at: datetime) -> RecordRef:
        # ``at`` is the message's time: it dates the "created" timeline item, so the timeline reads in
        # the order things happened (R8); the record's own created_at is the time Freshsales wrote it.
        try:
            record = self._fs.records.create(self._account, entity, dict(fields), timeline_at=timeline_time(at))
        except FreshsalesError as error:
            raise CRMConflict(_refusal(error)) from error
        return RecordRef(entity=entity, id=int(record["id"]))

    def update(self, ref: RecordRef, fields: Mapping[str, Any], *, at: datetime) -> list[str]:
        if not fields:
            return []
        try:
            before = self._fs.records.get(self._account, ref.entity, ref.id)
            after = self._fs.records.update(
                self._account, ref.entity, ref.id, dict(fields), timeline_at=timeline_time(at)
            )
        except FreshsalesError as error:
            raise CRMConflict(_refusal(error)) from error
        return _changed_fields(before, after, fields)

    def add_activity(self, ref: RecordRef, activity: Mapping[str, Any]) -> None:
        self._fs.timeline.add_activity(self._account, ref.entity, ref.id, dict(activity))

    def custom_fields(self, entity: Entity) -> Mapping[str, CustomField]:
        account = self._fs.accounts.require(self._account)
        return {
            name: CustomField(type=cast(FieldType, spec.type), choices=tuple(spec.choices))
            for name, spec in account.custom_fields.get(entity, {}).items()
        }

    def recall(self, message_id: str) -> Mapping[str, Any] | None:
        return self._processed.recall(self._account, message_id)

    def remember(self, message_id: str, answer: Mapping[str, Any]) -> None:
        self._processed.remember(self._account, message_id, answer)


def _refusal(error: FreshsalesError) -> str:
    return "Freshsales refused the write: " + "; ".join(error.messages)
