"""Lists of leads and contacts by last update, paged by index: what the dashboard's list pages show.

``Records.list`` (the REST API's list views) sorts every record of the entity on each call, which is
fine for its filters and any-field sorts but costs O(n log n) per page. A person paging through an
account of 100,000 leads needs one order only, most recently updated first, so that order is kept in a
:class:`~fssim.indexes.SortedIndex` as records are written, and a page is a slice of it.
"""

from __future__ import annotations

import math
from typing import cast

from fssim.freshsales.errors import ValidationError
from fssim.freshsales.records import Records
from fssim.freshsales.shapes import PublicRecord, StoredRecord, public
from fssim.freshsales.views import MAX_PER_PAGE, RecordPage
from fssim.store import Database

__all__ = ["RecordListing"]


class RecordListing:
    """One page of an account's leads or contacts by ``updated_at`` (ties by id), or one by email."""

    def __init__(self, db: Database, records: Records) -> None:
        self._db = db
        self._records = records
        # The records' own collection, read only here: the very object Records writes through, so this
        # index is shown each record being written instead of decoding the text just encoded.
        self._collection = records.documents
        self._by_updated = self._collection.sorted_index(
            lambda doc: [(doc["_account"], doc["_entity"])], lambda doc: str(doc.get("updated_at") or ""))

    def page(self, account: str, entity: str, *, page: int = 1, per_page: int = 25,
             descending: bool = True) -> RecordPage:
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise ValidationError(f"page must be >= 1 and per_page from 1 to {MAX_PER_PAGE}")
        with self._db.lock:
            owner = self._records.check_module(account, entity)  # unknown account, or leads on Suite
            group = (owner.subdomain, entity)
            total = self._by_updated.ordered_count(group)
            start = (page - 1) * per_page
            ids = self._by_updated.window(group, start, start + per_page, descending=descending)
            docs = (self._collection.get(doc_id) for doc_id in ids)
            records = [public(cast(StoredRecord, doc), owner.product) for doc in docs if doc is not None]
            return RecordPage(records, total, max(1, math.ceil(total / per_page)))

    def by_email(self, account: str, entity: str, email: str) -> list[PublicRecord]:
        """The record of ``entity`` with this email (case-insensitive, trimmed, as R4 matches), if any."""
        owner = self._records.check_module(account, entity)
        found = self._records.find_by_email(owner, email)
        if found is None or found.entity != entity:
            return []
        return [self._records.get(owner, entity, found.id)]
