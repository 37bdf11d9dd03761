"""The fake Freshsales store behind the integration rules' :class:`~fssim.integration.crm.CRM` Protocol.

:class:`FreshsalesCRM` binds one :class:`~fssim.freshsales.accounts.Account`, as the receiver read it
for one message, to the Protocol, so the rules run against the very store the REST API reads: whatever
the receiver does is visible to any Freshsales client. It never reads the account again, and it keeps
the records the message looked up, so a page or track reads its record once.
:class:`ProcessedMessages` keeps, per account, the answer given to each Segment ``messageId`` (R10 on
the Freshsales side).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from fssim.clock import Clock
from fssim.expiry import ExpiryQueue
from fssim.freshsales.accounts import Account
from fssim.freshsales.errors import FreshsalesError
from fssim.freshsales.shapes import Target
from fssim.integration.crm import CRMConflict, CustomField, Entity, FieldType, RecordRef
from fssim.store import Database
from fssim.wire import answer_text

if TYPE_CHECKING:
    from fssim.freshsales.service import Freshsales

__all__ = ["FreshsalesCRM", "ProcessedMessages"]

class ProcessedMessages:
    """The answers given to Segment messages, by (account, messageId), for 24 h of simulated time.

    Simulator policy: the same window as Segment's own messageId de-duplication (24 h,
    reference/segment.md §2.6), which also outlasts Segment's 4 h of retries, so a retry never
    duplicates a record or an activity. Older answers are forgotten in the order they were given
    (:class:`fssim.expiry.ExpiryQueue`), so the memory holds one window, not the whole history.
    Each answer is kept as its status and its body's text exactly as the receiver sends it
    (:func:`fssim.wire.answer_text`): a few hundred bytes instead of a tree of small dicts, rendered
    once for the memory and the answer alike. Answers kept before as one text of
    ``{"status", "body"}`` (or as a dict) are read as they were.
    """

    TABLE = "fs_segment_messages"
    WINDOW_SECONDS = 24 * 3600.0

    def __init__(self, db: Database, clock: Clock | None = None, window_seconds: float = WINDOW_SECONDS) -> None:
        self._db = db
        self._clock = clock or Clock()
        self.window = window_seconds
        self._answers = db.collection(self.TABLE)
        self._index = self._answers.index(lambda doc: (doc["account"], doc["message_id"]))
        # Answers stored before they carried a time count as given now (a whole window from the start).
        started = self._clock.timestamp()
        self._expiry = ExpiryQueue(self._answers, lambda doc: float(doc.get("at", started)))

    def recall(self, account: str, message_id: str, at: float | None = None) -> Mapping[str, Any] | None:
        """The answer kept for this messageId; ``at``: the time now, when the caller has read the clock."""
        with self._db.lock:
            self._expiry.sweep((self._clock.timestamp() if at is None else at) - self.window)
            doc_id = self._index.first((account, message_id))
            if doc_id is None:
                return None
            doc = self._answers.get(doc_id)
            if doc is None:
                return None
            body = doc.get("body")
            if isinstance(body, str):
                return {"status": doc["status"], "body": json.loads(body)}
            answer = doc["answer"]  # kept before answers kept their body's text
            return cast(dict[str, Any], json.loads(answer) if isinstance(answer, str) else dict(answer))

    def remember(self, account: str, message_id: str, answer: Mapping[str, Any], at: float | None = None) -> str:
        """Keep ``answer`` (``{"status", "body"}``) unless one is kept already; the body's text, which
        the receiver sends as it is. ``at`` as for :meth:`recall`."""
        text = answer_text(answer["body"])
        with self._db.lock:
            if self._index.first((account, message_id)) is None:
                now = self._clock.timestamp() if at is None else at
                doc_id = self._answers.insert({"account": account, "message_id": message_id, "at": now,
                                               "status": answer["status"], "body": text})
                self._expiry.added(doc_id, now)
        return text

    def __len__(self) -> int:
        """How many answers are remembered (one window's worth)."""
        return len(self._answers)

    def forget(self) -> None:
        """After the database was cleared."""
        self._expiry.rebuild()


class FreshsalesCRM:
    """One account of the fake Freshsales, as the integration rules see it while one message is applied.

    Build it inside the store transaction the message runs in, from the account read in it: it trusts
    that snapshot (plan, product, custom fields) for the whole message. ``now``: the time the receiver
    read once for the message, used for every write and the exactly-once window instead of reading
    the clock again for each (it reads it when not given).
    """

    def __init__(self, freshsales: Freshsales, account: Account, processed: ProcessedMessages,
                 now: datetime | None = None) -> None:
        self._fs = freshsales
        self._account = account
        self._processed = processed
        self._now = now
        self._at = None if now is None else now.timestamp()
        self._seen: dict[RecordRef, Target] = {}  # records this message looked up or created
        # The answer this message was given and kept (R10): status, body, and the body's text, which
        # the receiver sends without rendering it again.
        self.kept_answer: tuple[int, Any, str] | None = None

    @property
    def contacts_only(self) -> bool:
        return not self._account.has_leads

    def find_by_email(self, email: str) -> RecordRef | None:
        return self._ref(self._fs.records.find_by_email(self._account, email))

    def find_by_external_id(self, external_id: str) -> RecordRef | None:
        return self._ref(self._fs.records.find_by_external_id(self._account, external_id))

    def create(self, entity: Entity, fields: Mapping[str, Any], *, at: str) -> RecordRef:
        # ``at`` is the message's time: it dates the "created" timeline item, so the timeline reads in
        # the order things happened (R8); the record's own created_at is the time Freshsales wrote it.
        try:
            target = self._fs.records.create_ref(self._account, entity, dict(fields), timeline_at=at, now=self._now)
        except FreshsalesError as error:
            raise CRMConflict(_refusal(error)) from error
        ref = self._ref(target)
        assert ref is not None
        return ref

    def update(self, ref: RecordRef, fields: Mapping[str, Any], *, at: str) -> list[str]:
        if not fields:
            return []
        self._seen.pop(ref, None)  # its display name may change
        try:
            changes = self._fs.records.change(
                self._account, ref.entity, ref.id, dict(fields), timeline_at=at, now=self._now)
        except FreshsalesError as error:
            raise CRMConflict(_refusal(error)) from error
        # The store reports every field that moved; the rules answer with the ones the message wrote.
        written = {*fields, *(fields.get("custom_field") or {})}
        return sorted(name for name in changes if name in written)

    def link_sales_account(self, ref: RecordRef, company: Mapping[str, Any]) -> str:
        # Simulator policy: the account with this name (trimmed, any case) is the company; its other
        # fields are updated from the trait; it becomes the contact's primary account, and the
        # contact's other accounts stay linked as secondary ones.
        try:
            account, created = self._fs.sales_accounts.upsert(self._account, {"name": company["name"]}, company)
            contact = self._fs.records.get(self._account, "contact", ref.id)
            others = [{"id": link["id"], "is_primary": False} for link in contact.get("sales_accounts") or []
                      if link["id"] != account["id"]]
            self._fs.records.change(self._account, "contact", ref.id,
                                    {"sales_accounts": [{"id": account["id"], "is_primary": True}, *others]})
        except FreshsalesError as error:
            raise CRMConflict(_refusal(error)) from error
        return f"sales_account {account['id']} {'created' if created else 'updated'}"

    def link_deal(self, ref: RecordRef, deal: Mapping[str, Any]) -> str:
        # Simulator policy: the contact's deal with this name (trimmed, any case) is updated; a deal of
        # that name on another contact is not this one's, so a new deal is made.
        try:
            existing = next((d for d in self._fs.deals.all(self._account)
                             if ref.id in (d.get("contact_ids") or [])
                             and str(d.get("name") or "").strip().lower() == str(deal["name"]).strip().lower()),
                            None)
            if existing is not None:
                self._fs.deals.update(self._account, existing["id"], deal)
                return f"deal {existing['id']} updated"
            made = self._fs.deals.create(self._account, {**deal, "contact_ids": [ref.id]})
        except FreshsalesError as error:
            raise CRMConflict(_refusal(error)) from error
        return f"deal {made['id']} created"

    def add_activity(self, ref: RecordRef, activity: Mapping[str, Any]) -> None:
        target = self._seen.get(ref) or self._fs.records.target(self._account, ref.entity, ref.id)
        self._fs.timeline.record(target, dict(activity))

    def custom_fields(self, entity: Entity) -> Mapping[str, CustomField]:
        return {
            name: CustomField(type=cast(FieldType, spec.type), choices=tuple(spec.choices))
            for name, spec in self._account.custom_fields.get(entity, {}).items()
        }

    def recall(self, message_id: str) -> Mapping[str, Any] | None:
        return self._processed.recall(self._account.subdomain, message_id, self._at)

    def remember(self, message_id: str, answer: Mapping[str, Any]) -> None:
        text = self._processed.remember(self._account.subdomain, message_id, answer, self._at)
        self.kept_answer = (answer["status"], answer["body"], text)

    def _ref(self, target: Target | None) -> RecordRef | None:
        if target is None:
            return None
        entity: Entity = target.entity  # type: ignore[assignment]  # a lead or contact: no cast() call per message
        ref = RecordRef(entity=entity, id=target.id)
        self._seen[ref] = target
        return ref


def _refusal(error: FreshsalesError) -> str:
    return "Freshsales refused the write: " + "; ".join(error.messages)
