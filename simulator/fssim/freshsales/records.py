"""The CRM store: leads and contacts of every account, with the lookups the integration and REST need.

One table holds both entities (the document id is the record id), because leads and contacts of an
account share ONE email namespace (simulator policy: an email identifies one person, so a lead and a
contact may not share it — R4 looks an email up among both). Three indexes keep the hot paths O(1)
however much is stored: (account, entity) -> ids, and (account, email) and (account, external_id) -> the
record's Target (a lookup reads no record); they and their keys are :mod:`fssim.freshsales.record_indexes`.
Every method runs inside one database transaction, so a check ("is this email free?") and the write
that depends on it can never interleave with another request's.

Methods take the account as a subdomain or as an :class:`Account` already read: the Segment receiver
reads its account once per message and hands it down, so one message never rebuilds it again.
Look-ups return a :class:`~fssim.freshsales.shapes.Target` (account, entity, id, display name), not a
copy of the record; :meth:`Records.change` returns the fields it changed. Records add their own timeline
items and name them; the timeline never asks back (:meth:`Records.add_activity` is the checked way in).
Building and checking what a write would store (and matching an upsert's identifier) is
:mod:`fssim.freshsales.drafts`; this module keeps the table and the transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol, cast

from fssim import jsontext, strictjson
from fssim.clock import Clock, isoformat
from fssim.freshsales.accounts import Account, Accounts
from fssim.freshsales.compact import CompactCollection, CompactRecords, text_fields
from fssim.freshsales.drafts import Changes, Drafts, ReferenceCheck, changes_between
from fssim.freshsales.errors import ModuleUnavailableError, NotFoundError, ValidationError
from fssim.freshsales.fields import ENTITIES
from fssim.freshsales.ids import IdSequence
from fssim.freshsales.record_indexes import RecordIndexes, target_of
from fssim.freshsales.shapes import (
    ENTITY_TYPES,
    PublicRecord,
    Shown,
    StoredRecord,
    Target,
    blank_record,
    public,
    shown,
)
from fssim.freshsales.timeline import Timeline
from fssim.freshsales.views import RecordPage, list_page
from fssim.integration.emails import normalize_email
from fssim.store import Database

__all__ = ["Changes", "RecordWatcher", "Records"]


# Named here because Records.list shadows the builtin in the class.
Documents = list[StoredRecord]
PublicRecords = list[PublicRecord]
AccountRef = str | Account  # a subdomain, or the Account the caller has already read
_SCALARS = jsontext.PLAIN_SCALARS  # what a plain record's true values may be
_SCALARS_OR_DICT = _SCALARS | {dict}


class RecordWatcher(Protocol):
    """Something that holds links to records (engagements, lists) and must follow deletes and converts,
    so that no link ever names a record that is gone."""

    def record_deleted(self, account: str, entity: str, record_id: int) -> None: ...

    def record_moved(self, account: str, source: tuple[str, int], target: Target) -> None: ...


class Records:
    def __init__(self, db: Database, clock: Clock, ids: IdSequence, accounts: Accounts, timeline: Timeline) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids
        self._accounts = accounts
        self._timeline = timeline
        # Stored without default fields, read back whole (compact.py: a lead costs a third of the memory).
        self._records = CompactRecords(db.collection("fs_records"))
        self._watchers: list[RecordWatcher] = []
        # How records are found: by owner in the default order, by email, by external id (record_indexes.py).
        indexes = RecordIndexes(self._records)
        self._by_owner, self._by_email = indexes.by_owner, indexes.by_email
        self._by_external_id = indexes.by_external_id
        self._drafts = Drafts(self._records, ids, by_owner=self._by_owner, by_email=self._by_email,
                              by_external_id=self._by_external_id)
        # Set by the service: what other stores do when a record goes (drop their links to it).
        self.on_delete: list[Callable[[str, str, int], None]] = []

    @property
    def documents(self) -> CompactCollection:
        """The records' collection (packed, read back whole), for a reader that keeps its own index over
        it (:class:`~fssim.freshsales.listing.RecordListing`). The same object Records writes through, so
        its indexes see each document being written without decoding it again."""
        return self._records

    @property
    def references(self) -> ReferenceCheck | None:
        """Problems with the ids a write names (owner, selectors, sales accounts); set by the service."""
        return self._drafts.references

    @references.setter
    def references(self, check: ReferenceCheck | None) -> None:
        self._drafts.references = check

    def watch(self, watcher: RecordWatcher) -> None:
        """Tell ``watcher`` of every delete and convert, inside the same transaction."""
        self._watchers.append(watcher)

    # -- reading --------------------------------------------------------------------------------------

    def get(self, account: AccountRef, entity: str, record_id: int, *, copy: bool = True) -> PublicRecord:
        """The record as the API shows it. ``copy=False``, for an answer encoded at once: its lists and
        dicts may be the stored document's own, so the caller must not change them (:func:`public`)."""
        if not copy:
            return self.show(account, entity, record_id).record
        with self._db.lock:
            owner = self._account(account, entity)
            return public(self._doc(owner.subdomain, entity, record_id), owner.product)

    def show(self, account: AccountRef, entity: str, record_id: int) -> Shown:
        """:meth:`get` for an answer encoded at once (``copy=False``), and whether the record is plain.

        Read from the stored orjson text in one pass when it is kept so (:func:`text_fields`). Such a
        record is plain when the text held only strings, ints, booleans and None: the blank's defaults
        (None, False, 0, new empty lists and dicts) and the links are plain too."""
        with self._db.lock:
            owner = self._account(account, entity)
            read = self._text_fields(owner.subdomain, entity, record_id)
            if read is not None:
                return Shown(shown(read[0], entity, record_id, owner.product), read[1])
            return Shown(public(self._doc(owner.subdomain, entity, record_id), owner.product, copy=False), False)

    def exists(self, account: str, entity: str, record_id: int) -> bool:
        with self._db.lock:
            return self._stored(account, entity, record_id) is not None

    def target(self, account: AccountRef, entity: str, record_id: int) -> Target:
        """The record as something to attach activities to; :class:`NotFoundError` when ``account`` has
        no such record (so nothing is ever added to the timeline of a record that does not exist)."""
        with self._db.lock:
            return target_of(self._doc(_subdomain(account), entity, record_id))

    def find_by_email(self, account: AccountRef, email: str) -> Target | None:
        """The lead or contact of ``account`` with this email (any of a contact's emails)."""
        if not isinstance(email, str) or not email.strip():
            return None
        with self._db.lock:
            return self._by_email.find(_subdomain(account), normalize_email(email))

    def find_by_external_id(self, account: AccountRef, external_id: str | int) -> Target | None:
        """The oldest record of ``account`` with this ``external_id`` (R6 keeps database keys there)."""
        with self._db.lock:
            return self._by_external_id.find(_subdomain(account), str(external_id))

    def add_activity(
        self, account: AccountRef, entity: str, record_id: int, activity: dict[str, Any]
    ) -> dict[str, Any]:
        """Append one item to the record's timeline (see :meth:`Timeline.add_activity`); the record must
        exist in ``account`` (:class:`NotFoundError` otherwise)."""
        with self._db.transaction():
            return self._timeline.add_activity(self.target(account, entity, record_id), activity)

    def list(
        self, account: AccountRef, entity: str, *, page: int = 1, per_page: int = 25, sort: str | None = None,
        sort_type: str = "desc", view_id: int | None = None,
    ) -> RecordPage:
        """One page of a list view, sorted by ``sort`` (default ``created_at``), ties broken by id."""
        with self._db.lock:
            owner = self._account(account, entity)
            return list_page(owner, entity, self._by_owner, self._docs, self._clock.now(), page=page,
                             per_page=per_page, sort=sort, sort_type=sort_type, view_id=view_id)

    def check_module(self, account: AccountRef, entity: str) -> Account:
        """The account, or the error a request for ``entity`` gets there (leads on Suite: 404)."""
        with self._db.lock:
            return self._account(account, entity)

    def count(self, account: str, entity: str) -> int:
        with self._db.lock:
            return self._by_owner.count((account, entity))

    def all(self, account: AccountRef, entity: str) -> PublicRecords:
        """Every record of one entity, by id (for search, lookup by other fields, and tests)."""
        with self._db.lock:
            owner = self._account(account, entity)
            ids = sorted(self._by_owner.ids((owner.subdomain, entity)))
            return [public(doc, owner.product) for doc in self._docs(ids)]

    # -- writing --------------------------------------------------------------------------------------

    def create(
        self, account: AccountRef, entity: str, payload: dict[str, Any], *, timeline_at: str | None = None,
        copy: bool = True,
    ) -> PublicRecord:
        """A new lead or contact; :class:`ValidationError` naming every problem, and nothing stored.
        ``timeline_at`` (ISO-8601) dates the timeline item, e.g. a Segment message's time (R8).
        ``copy=False``, for an answer encoded at once: as for :meth:`get`."""
        with self._db.transaction():
            owner = self._account(account, entity)
            return public(self._create(owner, entity, payload, timeline_at), owner.product, copy=copy)

    def create_shown(self, account: AccountRef, entity: str, payload: dict[str, Any]) -> Shown:
        """:meth:`create` for an answer encoded at once (``copy=False``), and whether the record is plain
        (:class:`Shown`, :func:`_plain_record`): proved without the walk of every value in the answer
        (issue 12: that walk was about half of a create's answer text)."""
        with self._db.transaction():
            owner = self._account(account, entity)
            doc = self._create(owner, entity, payload, None)
            return Shown(public(doc, owner.product, copy=False), _plain_record(doc))

    def create_ref(
        self, account: AccountRef, entity: str, payload: dict[str, Any], *, timeline_at: str | None = None,
        now: datetime | None = None,
    ) -> Target:
        """:meth:`create`, answering with a reference instead of a copy of the record. ``now``: the time
        of the write when the caller has read the clock already (the receiver, once per message)."""
        with self._db.transaction():
            return target_of(self._create(self._account(account, entity), entity, payload, timeline_at, now))

    def update(
        self, account: AccountRef, entity: str, record_id: int, payload: dict[str, Any], *,
        timeline_at: str | None = None,
    ) -> PublicRecord:
        """Change the fields the payload names; each changed field becomes a timeline update item
        (dated ``timeline_at`` when given, e.g. a Segment message's time, R8). Returns the record."""
        with self._db.transaction():
            owner = self._account(account, entity)
            doc, _ = self._update(owner, entity, record_id, payload, timeline_at)
            return public(doc, owner.product)

    def change(
        self, account: AccountRef, entity: str, record_id: int, payload: dict[str, Any], *,
        timeline_at: str | None = None, now: datetime | None = None,
    ) -> Changes:
        """:meth:`update`, answering with what changed (field -> (old, new)) instead of the record;
        ``now`` as for :meth:`create_ref`."""
        with self._db.transaction():
            _, changes = self._update(self._account(account, entity), entity, record_id, payload, timeline_at, now)
            return changes

    def _create(self, owner: Account, entity: str, payload: dict[str, Any], timeline_at: str | None,
                now: datetime | None = None) -> StoredRecord:
        doc = self._drafts.build(owner, entity, blank_record(entity, 0), payload, creating=True)
        record_id = self._ids.next()
        # One clock read per create: the record's times and its "created" item's are the same instant.
        moment = self._clock.now() if now is None else now
        written = isoformat(moment)
        doc["id"], doc["created_at"], doc["updated_at"] = record_id, written, written
        if doc.get("owner_id") is None:
            doc["owner_id"] = owner.user_id
        self._records.insert(doc, doc_id=record_id)
        # Its "Lead created" item, packed from a template: the same for every create but owner, ids, time.
        self._timeline.record_created(target_of(doc), now=moment, now_text=written, at=timeline_at)
        return doc

    def _update(
        self, owner: Account, entity: str, record_id: int, payload: dict[str, Any], timeline_at: str | None,
        now: datetime | None = None,
    ) -> tuple[StoredRecord, Changes]:
        current = self._doc(owner.subdomain, entity, record_id)
        doc = self._drafts.build(owner, entity, strictjson.deep_copy(current), payload,
                                 creating=False, own_id=record_id)
        changes = changes_between(current, doc)
        if not changes:
            return current, changes
        # One clock read per update, as per create: every item of the update is of the same instant.
        moment = self._clock.now() if now is None else now
        doc["updated_at"] = written = isoformat(moment)
        self._records.replace(record_id, doc)
        group = f"update-{self._ids.next()}"
        target = target_of(doc)
        for name, (old, new) in changes.items():
            self._timeline.record(target, {
                "action_type": "update", "user_activity": True, "composite_id": group,
                **({"created_at": timeline_at} if timeline_at else {}),
                "action_data": {"property_key": name, "property_value": new, "previous_value": old}},
                now=moment, now_text=written)
        return doc, changes

    def delete(self, account: AccountRef, entity: str, record_id: int) -> PublicRecord:
        """Remove the record and its timeline; returns what it was."""
        with self._db.transaction():
            owner = self._account(account, entity)
            doc = self._doc(owner.subdomain, entity, record_id)
            self._records.delete(record_id)
            self._timeline.drop(owner.subdomain, entity, record_id)
            for watcher in self._watchers:
                watcher.record_deleted(owner.subdomain, entity, record_id)
            for unlink in self.on_delete:
                unlink(owner.subdomain, entity, record_id)
            return public(doc, owner.product)

    def unlink_sales_account(self, account: str, sales_account_id: int) -> None:
        """Drop a deleted sales account from every contact of ``account`` that links it."""
        with self._db.transaction():
            for doc in self._docs(self._by_owner.ids((account, "contact"))):
                links = doc.get("sales_accounts") or []
                if any(link["id"] == sales_account_id for link in links):
                    kept = [link for link in links if link["id"] != sales_account_id]
                    if kept and not any(link["is_primary"] for link in kept):
                        kept[0] = {**kept[0], "is_primary": True}
                    self._records.replace(doc["id"], {**doc, "sales_accounts": kept})

    def upsert(
        self, account: AccountRef, entity: str, unique_identifier: dict[str, Any], payload: dict[str, Any]
    ) -> tuple[PublicRecord, bool]:
        """Update the record the identifier names, or create it (with the identifier's values).
        Returns ``(record, created)``."""
        if not isinstance(unique_identifier, dict) or not unique_identifier:
            raise ValidationError('unique_identifier must be an object naming a field, e.g. {"emails": "a@b.com"}')
        with self._db.transaction():
            owner = self._account(account, entity)
            match = self._drafts.match(owner, entity, unique_identifier)
            if match is not None:
                return self.update(owner, entity, match, payload), False
            merged = dict(payload)
            for name, value in unique_identifier.items():
                if name.startswith("cf_"):
                    merged.setdefault("custom_field", {}).setdefault(name, value)
                elif name in ("email", "emails"):
                    if not payload.get("email") and not payload.get("emails"):
                        merged["emails" if entity == "contact" else "email"] = value
                else:
                    merged.setdefault(name, value)
            return self.create(owner, entity, merged), True

    def convert(self, account: AccountRef, lead_id: int, payload: dict[str, Any] | None = None) -> PublicRecord:
        """Turn a lead into a contact: same person, same emails, same history; the lead is gone after."""
        with self._db.transaction():
            owner = self._account(account, "lead")
            if payload:
                self._update(owner, "lead", lead_id, payload, None)
            lead = self._doc(owner.subdomain, "lead", lead_id)
            carried = {key: value for key, value in lead.items()
                       if not key.startswith("_") and key not in ("id", "email", "created_at", "updated_at")}
            # Only custom fields the account also defines for contacts can come along.
            carried["custom_field"] = {name: value for name, value in lead.get("custom_field", {}).items()
                                       if name in owner.custom_fields["contact"]}
            if lead.get("email"):
                carried["emails"] = [lead["email"]]
            # Check the contact first (the lead's own email does not count as taken), so that a failure
            # leaves the lead exactly as it was.
            self._drafts.build(owner, "contact", blank_record("contact", 0), carried, creating=True, own_id=lead_id)
            self._records.delete(lead_id)  # frees the email for the contact
            contact = self._create(owner, "contact", carried, None)
            target = target_of(contact)
            self._timeline.move(owner.subdomain, ("lead", lead_id), target)
            for watcher in self._watchers:
                watcher.record_moved(owner.subdomain, ("lead", lead_id), target)
            self._timeline.add_activity(target, {
                "action_type": "convert", "user_activity": True,
                "action_data": {"name": "Lead converted to contact", "lead_id": lead_id}})
            return public(contact, owner.product)

    # -- helpers --------------------------------------------------------------------------------------

    def _account(self, account: AccountRef, entity: str) -> Account:
        if entity not in ENTITIES:
            raise NotFoundError(f"unknown entity {entity!r}")
        owner = account if isinstance(account, Account) else self._accounts.get(account)
        if owner is None:
            raise NotFoundError(f"no Freshsales account {account!r}")
        if entity == "lead" and not owner.has_leads:
            raise ModuleUnavailableError(
                "The leads module is not available on this Freshsales Suite account: Suite has contacts only")
        return owner

    def _docs(self, ids: Iterable[int]) -> Documents:
        # Every document of fs_records is a StoredRecord: only this class writes there.
        return [cast(StoredRecord, doc) for doc in (self._records.get(i) for i in ids) if doc is not None]

    def _stored(self, account: str, entity: str, record_id: int) -> StoredRecord | None:
        if not isinstance(record_id, int) or record_id <= 0:
            return None
        doc = cast(StoredRecord | None, self._records.get(record_id))  # only this class writes fs_records
        if doc is None or doc["_account"] != account or doc["_entity"] != entity:
            return None
        return doc

    def _text_fields(self, account: str, entity: str, record_id: int) -> tuple[dict[str, Any], bool] | None:
        """The public fields of ``account``'s record, read from its stored text in one pass, and whether
        the text held only scalars (:func:`text_fields`), without the whole document :meth:`_doc` makes;
        ``None`` when it has no such record or it is not kept as orjson's text (:meth:`_doc` then reads
        it, or refuses)."""
        raw = self._records.stored(record_id) if isinstance(record_id, int) and record_id > 0 else None
        if raw is None or raw.get("_account") != account or raw.get("_entity") != entity:
            return None
        return text_fields(raw, entity)

    def _doc(self, account: str, entity: str, record_id: int) -> StoredRecord:
        doc = self._stored(account, entity, record_id)
        if doc is None:
            raise NotFoundError(f"{ENTITY_TYPES.get(entity, entity)} {record_id} not found")
        return doc


def _plain_record(doc: Mapping[str, Any]) -> bool:
    """Whether every value of ``doc`` that is not false (None, False, 0, an empty string, list or dict),
    and every such value of a dict in it (the custom fields an account defines: None until set), is an
    exact string, int or boolean. False values are written alike by json and orjson whatever their type,
    and a record's links are our own strings: such a record is plain (``answer_text.Plain``)."""
    values = list(filter(None, doc.values()))
    kinds = set(map(type, values))
    if kinds <= _SCALARS:
        return True
    return kinds <= _SCALARS_OR_DICT and all(_SCALARS.issuperset(map(type, filter(None, value.values())))
                                             for value in values if type(value) is dict)


def _subdomain(account: AccountRef) -> str:
    return account.subdomain if isinstance(account, Account) else account
