"""TinyDB wiring: an in-memory or JSON-file database that is safe under threads and fast as it grows.

TinyDB gives us two small interfaces, a *storage* and a *table*; fssim plugs into both and hands the
rest of the simulator neither. Modules get a :class:`Collection` (get, insert, replace, delete, clear,
indexes), so no caller can change documents behind an index's back.

* The storages: memory (:mod:`fssim.storage`), or a ``--db`` file kept as a TinyDB JSON snapshot plus an
  append-only journal (:mod:`fssim.journal`), so a write costs what it changes at any size. A
  transaction holds either one, so the writes inside :meth:`Database.transaction` make one journal line.
* :class:`~fssim.tables.InPlaceTable` (:mod:`fssim.tables`) changes only the documents an operation
  touches, and tells the storage which. Stock TinyDB copies the whole table on every write, which makes
  a create cost O(n); here it is O(1), and reads by document id were already O(1).
* Indexes (:mod:`fssim.indexes`) keep a dict from a key (an email, an external id, a timeline owner) to document ids,
  because TinyDB answers every query by scanning. Indexes are rebuilt from the data when a file is
  opened, so they can never disagree with what is stored.
* :class:`StoreStats` counts reads and transactions, so a test can pin how much one request costs.

One re-entrant lock guards the database: every multi-step operation (check an email is free, then
insert) runs inside :meth:`Database.transaction`, so two concurrent requests can never both win.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from fssim.indexes import Index, Kept, SortedIndex
from fssim.journal import COMPACT_AT_LEAST, JournaledStorage
from fssim.storage import HeldMemoryStorage, Holding
from fssim.tables import FssimTinyDB, InPlaceTable

__all__ = ["Collection", "Database", "InPlaceTable", "StoreStats"]

Doc = dict[str, Any]
KeptIndex = TypeVar("KeptIndex", bound=Kept)


@dataclass
class StoreStats:
    """What the store has done since :meth:`reset`: the instrument behind the per-message cost tests.

    ``reads`` counts documents fetched by id plus whole-collection scans (one each); ``transactions``
    counts outermost :meth:`Database.transaction` blocks: a nested one joins the block around it (same
    lock, same single file write), so it is not another transaction. One collection write is none.
    """

    reads: int = 0
    transactions: int = 0

    def reset(self) -> None:
        self.reads = 0
        self.transactions = 0


class Collection:
    """One named set of documents keyed by integer id, with the indexes kept over it.

    Every method holds the database lock; every write keeps every index of the collection right.
    One write is one storage write, so it needs the lock but no :meth:`Database.transaction` (which is
    for several steps that must not interleave with another request's, and coalesces their file writes).
    Documents come back as plain dicts (shallow copies: change one and store it with :meth:`replace`).
    """

    def __init__(self, db: Database, table: InPlaceTable) -> None:
        self._db = db
        self._table = table
        self._indexes: list[Kept] = []
        self._next_id: int | None = None
        self._watchers: list[Callable[[], None]] = []

    @property
    def name(self) -> str:
        return self._table.name

    # -- reading --------------------------------------------------------------------------------------

    def get(self, doc_id: int) -> Doc | None:
        with self._db.lock:
            self._db.stats.reads += 1
            raw = self._table.documents().get(str(doc_id))
            return None if raw is None else dict(raw)

    def peek(self, doc_id: int) -> Mapping[str, Any] | None:
        """The stored document itself, not a copy: for a caller that reads a few fields and lets go (a
        read all the same, for :class:`StoreStats`). Never change it: store a change with :meth:`replace`."""
        with self._db.lock:
            self._db.stats.reads += 1
            return self._table.documents().get(str(doc_id))

    def items(self) -> list[tuple[int, Doc]]:
        """Every ``(id, document)``, by id (one scan)."""
        with self._db.lock:
            self._db.stats.reads += 1
            return sorted(((int(key), dict(raw)) for key, raw in self._table.documents().items()),
                          key=lambda item: item[0])

    def newest(self, limit: int, keep: Callable[[Mapping[str, Any]], bool]) -> list[tuple[int, Doc]]:
        """Up to ``limit`` ``(id, document)`` for which ``keep`` holds, newest (highest id) first.

        Walks down from the highest id and stops at ``limit``, so the newest few of a log cost the same
        however long it is. Meant for collections whose ids the collection allocates (dense): should the
        ids be sparse, it falls back to one sorted scan rather than walk the gaps.
        """
        with self._db.lock:
            self._db.stats.reads += 1
            documents = self._table.documents()
            found: list[tuple[int, Doc]] = []
            if limit <= 0 or not documents:
                return found
            top = self._allocate_id() - 1
            if top > 2 * len(documents) + 64:
                candidates: Iterable[int] = sorted((int(key) for key in documents), reverse=True)
            else:
                candidates = range(top, 0, -1)
            for doc_id in candidates:
                raw = documents.get(str(doc_id))
                if raw is not None and keep(raw):
                    found.append((doc_id, dict(raw)))
                    if len(found) == limit:
                        break
            return found

    def ids(self) -> list[int]:
        with self._db.lock:
            return sorted(int(key) for key in self._table.documents())

    def __contains__(self, doc_id: object) -> bool:
        with self._db.lock:
            return str(doc_id) in self._table.documents()

    def __len__(self) -> int:
        with self._db.lock:
            return len(self._table.documents())

    # -- writing --------------------------------------------------------------------------------------

    def insert(self, document: Mapping[str, Any], doc_id: int | None = None) -> int:
        """Store a new document (under ``doc_id`` when given); returns its id."""
        with self._db.lock:
            new_id = self._allocate_id() if doc_id is None else doc_id
            self._table.add(new_id, document)
            self._next_id = max(self._next_id or 1, new_id + 1)
            for index in self._indexes:
                index.add(document, new_id)
            if self._watchers:  # few collections have any: no call on every write to find none
                self._tell_watchers()
            return new_id

    def replace(self, doc_id: int, document: Mapping[str, Any]) -> None:
        """Store ``document`` whole under an existing id (``KeyError`` if there is none)."""
        with self._db.lock:
            old = self._table.documents().get(str(doc_id))
            if old is None:
                raise KeyError(doc_id)
            for index in self._indexes:
                index.remove(old, doc_id)
            self._table.put(doc_id, document)
            for index in self._indexes:
                index.add(document, doc_id)
            if self._watchers:
                self._tell_watchers()

    def delete(self, doc_id: int) -> Doc | None:
        """Remove one document; returns what it was, or ``None`` if there was none."""
        with self._db.lock:
            old = self._table.documents().get(str(doc_id))
            if old is None:
                return None
            old = dict(old)
            for index in self._indexes:
                index.remove(old, doc_id)
            self._table.remove(doc_ids=[doc_id])
            self._tell_watchers()
            return old

    def clear(self) -> None:
        """Remove every document; the indexes and the id counter follow."""
        with self._db.lock:
            self._table.truncate()
            self._forget()

    def watch(self, changed: Callable[[], None]) -> None:
        """Call ``changed()`` after every write to this collection, a clear and a reset included: how a
        cache built from its documents (the accounts') knows to forget them."""
        with self._db.lock:
            self._watchers.append(changed)

    # -- indexes --------------------------------------------------------------------------------------

    def keep(self, index: KeptIndex) -> KeptIndex:
        """``index`` built from the documents now, and kept in step with every write from now on."""
        with self._db.lock:
            index.rebuild(self._raw_items())
            self._indexes.append(index)
            return index

    def index(self, key_of: Callable[[Mapping[str, Any]], Hashable | None]) -> Index:
        """An index with at most one key per document (``key_of`` returns ``None`` for "not indexed")."""
        return self.keep(Index(key_of, single=True))

    def multi_index(self, keys_of: Callable[[Mapping[str, Any]], Iterable[Hashable]]) -> Index:
        """An index whose documents may carry several keys each (``keys_of`` returns them, maybe none)."""
        return self.keep(Index(keys_of))

    def sorted_index(self, keys_of: Callable[[Mapping[str, Any]], Iterable[Hashable]],
                     order_of: Callable[[Mapping[str, Any]], Any]) -> SortedIndex:
        """A :class:`SortedIndex`: ids by key, and each key's ids in ``order_of`` order (paging by slices)."""
        return self.keep(SortedIndex(keys_of, order_of))

    # -- inside the store -----------------------------------------------------------------------------

    def _raw_items(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        return ((int(key), raw) for key, raw in self._table.documents().items())

    def _forget(self) -> None:
        """After the data went away under us (a truncate, or :meth:`Database.clear`)."""
        self._next_id = None
        for index in self._indexes:
            index.rebuild(self._raw_items())
        self._tell_watchers()

    def _tell_watchers(self) -> None:
        for changed in self._watchers:
            changed()

    def _allocate_id(self) -> int:
        # Our own counter: TinyDB forgets its own after an insert with an explicit id and then
        # rescans the whole table to find the largest id.
        if self._next_id is None:
            self._next_id = max((doc_id for doc_id, _ in self._raw_items()), default=0) + 1
        return self._next_id


class Database:
    """The one TinyDB of a simulator: collections and their indexes, a lock, and atomic file writes."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 compact_at_least: int = COMPACT_AT_LEAST) -> None:
        self.path = Path(path) if path is not None else None
        self.lock = threading.RLock()
        if self.path is None:
            self._db = FssimTinyDB(storage=HeldMemoryStorage)
        else:
            # The storage takes our lock: a background compaction copies the tables under it.
            self._db = FssimTinyDB(self.path, storage=JournaledStorage, lock=self.lock,
                                    compact_at_least=compact_at_least)
        self._storage = cast(Holding, self._db.storage)
        self.stats = StoreStats()
        self._depth = 0  # how deep the lock holder is in nested transactions (only it changes this)
        self._transaction = _Transaction(self)
        self._collections: dict[str, Collection] = {}

    @property
    def persistent(self) -> bool:
        return self.path is not None

    @property
    def journal(self) -> JournaledStorage | None:
        """The ``--db`` file's storage (its counted bytes, its compaction), or ``None`` in memory."""
        storage = self._db.storage
        return storage if isinstance(storage, JournaledStorage) else None

    def collection(self, name: str) -> Collection:
        """The collection called ``name``; asking twice gives the same one (and the same indexes)."""
        with self.lock:
            found = self._collections.get(name)
            if found is None:
                # The per-table query cache is off: our hot paths use indexes, and a stale cache entry
                # would be a correctness risk under concurrent writes.
                table = cast(InPlaceTable, self._db.table(name, cache_size=0))
                found = self._collections[name] = Collection(self, table)
            return found

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Hold the lock and write the file once at the end, however many documents change inside."""
        return self._transaction


    def clear(self) -> None:
        """Drop every collection's documents (``POST /_sim/reset``); indexes and id counters follow."""
        with self.transaction():
            self._db.drop_tables()
            for collection in self._collections.values():
                collection._forget()

    def close(self) -> None:
        # Not under the lock: the journal waits for a running compaction, whose thread needs the lock to
        # finish, and then takes the lock itself for the final snapshot.
        self._db.close()


class _Transaction(contextlib.AbstractContextManager[None]):
    """:meth:`Database.transaction`: one object per database, used by every transaction (nested ones and
    other threads' too), since what a transaction changes (the depth, the storage's hold) is the
    database's own and the lock guards it. A class, not ``@contextmanager``: the generator machinery cost
    more than the transaction itself, and every delivered message and REST write opens some."""

    __slots__ = ("_db",)

    def __init__(self, db: Database) -> None:
        self._db = db

    def __enter__(self) -> None:
        db = self._db
        db.lock.acquire()
        if db._storage.journals:
            try:
                db._storage.hold()
            except BaseException:
                db.lock.release()
                raise
        if db._depth == 0:
            db.stats.transactions += 1
        db._depth += 1

    def __exit__(self, *exc_info: object) -> None:
        db = self._db
        try:
            db._depth -= 1
            if db._storage.journals:
                db._storage.release()
        finally:
            db.lock.release()
