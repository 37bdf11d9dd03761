"""TinyDB wiring: an in-memory or JSON-file database that is safe under threads and fast as it grows.

TinyDB gives us two small interfaces, a *storage* and a *table*; fssim plugs into both and hands the
rest of the simulator neither. Modules get a :class:`Collection` (get, insert, replace, delete, clear,
indexes), so no caller can change documents behind an index's back.

* The storages (:mod:`fssim.storage`): an atomically rewritten JSON file, or memory; a transaction
  holds either one, so writes inside :meth:`Database.transaction` make one file write.
* :class:`InPlaceTable` changes only the documents an operation touches. Stock TinyDB copies the whole
  table on every write, which makes a create cost O(n); here it is O(1), and reads by document id were
  already O(1).
* :class:`Index` keeps a dict from a key (an email, an external id, a timeline owner) to document ids,
  because TinyDB answers every query by scanning. Indexes are rebuilt from the data when a file is
  opened, so they can never disagree with what is stored.
* :class:`StoreStats` counts reads and transactions, so a test can pin how much one request costs.

One re-entrant lock guards the database: every multi-step operation (check an email is free, then
insert) runs inside :meth:`Database.transaction`, so two concurrent requests can never both win.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from tinydb import TinyDB
from tinydb.table import Document, Table

from fssim.storage import AtomicJSONStorage, HeldMemoryStorage, Holding

__all__ = ["Collection", "Database", "InPlaceTable", "Index", "SortedIndex", "StoreStats"]

Doc = dict[str, Any]


class _IntKeyView(MutableMapping[int, Mapping[str, Any]]):
    """The raw table (string keys, as JSON needs) seen with the integer ids TinyDB's updaters expect."""

    def __init__(self, raw: dict[str, Mapping[str, Any]]) -> None:
        self._raw = raw

    def __getitem__(self, key: int) -> Mapping[str, Any]:
        return self._raw[str(key)]

    def __setitem__(self, key: int, value: Mapping[str, Any]) -> None:
        self._raw[str(key)] = value

    def __delitem__(self, key: int) -> None:
        del self._raw[str(key)]

    def __contains__(self, key: object) -> bool:
        return str(key) in self._raw

    def __iter__(self) -> Iterator[int]:
        # A snapshot, because TinyDB's remove() deletes while it iterates.
        return iter([int(key) for key in self._raw])

    def __len__(self) -> int:
        return len(self._raw)


class InPlaceTable(Table):
    """A TinyDB table whose writes touch only the changed documents (see module docstring)."""

    def _update_table(self, updater: Callable[[dict[int, Mapping[str, Any]]], None]) -> None:
        tables = self._storage.read()
        if tables is None:
            tables = {}
        raw = tables.setdefault(self.name, {})
        updater(_IntKeyView(raw))  # type: ignore[arg-type]
        self._storage.write(tables)
        self.clear_cache()

    def put(self, doc_id: int, document: Mapping[str, Any]) -> None:
        """Store ``document`` whole under ``doc_id`` in one write (``Table.update`` would merge keys)."""
        self._update_table(lambda table: table.__setitem__(doc_id, dict(document)))

    def documents(self) -> dict[str, Mapping[str, Any]]:
        """The stored documents by (string) id, uncopied: for :class:`Collection`, which copies."""
        return self._read_table()


class Index:
    """A dict from a key to the ids of the documents that have it, kept by one :class:`Collection`.

    ``keys_of`` gives a document's keys: none (not indexed), one (:meth:`Collection.index`), or several
    (:meth:`Collection.multi_index`, e.g. a contact with several emails).
    """

    def __init__(self, keys_of: Callable[[Mapping[str, Any]], Iterable[Hashable]]) -> None:
        self.keys_of = keys_of
        self._ids: dict[Hashable, set[int]] = {}

    def rebuild(self, documents: Iterable[tuple[int, Mapping[str, Any]]]) -> None:
        self._ids.clear()
        for doc_id, doc in documents:
            self.add(doc, doc_id)

    def add(self, document: Mapping[str, Any], doc_id: int) -> None:
        for key in self.keys_of(document):
            self._ids.setdefault(key, set()).add(doc_id)

    def remove(self, document: Mapping[str, Any], doc_id: int) -> None:
        for key in self.keys_of(document):
            ids = self._ids.get(key)
            if ids is not None:
                ids.discard(doc_id)
                if not ids:
                    del self._ids[key]

    def ids(self, key: Hashable) -> set[int]:
        return set(self._ids.get(key, ()))

    def first(self, key: Hashable) -> int | None:
        ids = self._ids.get(key)
        return min(ids) if ids else None

    def __contains__(self, key: Hashable) -> bool:
        return key in self._ids


class SortedIndex(Index):
    """Ids grouped by a key, each group kept in the order of a sort key, so one page of a list is a
    slice: O(page + log n) to read, however large the group (the dashboard's lists, by updated time).

    ``group_of`` gives a document's group (``None``: not indexed), ``order_of`` its sort key; ties are
    broken by id. Kept by its :class:`Collection` like any index.
    """

    def __init__(self, group_of: Callable[[Mapping[str, Any]], Hashable | None],
                 order_of: Callable[[Mapping[str, Any]], Any]) -> None:
        super().__init__(lambda document: () if group_of(document) is None else (group_of(document),))
        self._group_of = group_of
        self._order_of = order_of
        self._sorted: dict[Hashable, list[tuple[Any, int]]] = {}

    def rebuild(self, documents: Iterable[tuple[int, Mapping[str, Any]]]) -> None:
        self._sorted.clear()
        super().rebuild(documents)

    def add(self, document: Mapping[str, Any], doc_id: int) -> None:
        super().add(document, doc_id)
        group = self._group_of(document)
        if group is not None:
            bisect.insort(self._sorted.setdefault(group, []), (self._order_of(document), doc_id))

    def remove(self, document: Mapping[str, Any], doc_id: int) -> None:
        super().remove(document, doc_id)
        group = self._group_of(document)
        entries = self._sorted.get(group) if group is not None else None
        if entries is None:
            return
        entry = (self._order_of(document), doc_id)
        at = bisect.bisect_left(entries, entry)
        if at < len(entries) and entries[at] == entry:
            del entries[at]
        if not entries:
            del self._sorted[group]

    def count(self, group: Hashable) -> int:
        return len(self._sorted.get(group, ()))

    def page(self, group: Hashable, start: int, size: int, *, descending: bool) -> list[int]:
        """The ids at positions ``start .. start+size`` of the group, in ascending or descending order."""
        entries = self._sorted.get(group, [])
        if descending:
            stop = max(0, len(entries) - start)
            chosen = entries[max(0, stop - size):stop][::-1]
        else:
            chosen = entries[start:start + size]
        return [doc_id for _, doc_id in chosen]


@dataclass
class StoreStats:
    """What the store has done since :meth:`reset`: the instrument behind the per-message cost tests.

    ``reads`` counts documents fetched by id plus whole-collection scans (one each); ``transactions``
    counts every entry into :meth:`Database.transaction`, nested ones included (a collection's write is one).
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
        self._indexes: list[Index] = []
        self._next_id: int | None = None

    @property
    def name(self) -> str:
        return self._table.name

    # -- reading --------------------------------------------------------------------------------------

    def get(self, doc_id: int) -> Doc | None:
        with self._db.lock:
            self._db.stats.reads += 1
            raw = self._table.documents().get(str(doc_id))
            return None if raw is None else dict(raw)

    def items(self) -> list[tuple[int, Doc]]:
        """Every ``(id, document)``, by id (one scan)."""
        with self._db.lock:
            self._db.stats.reads += 1
            return sorted(((int(key), dict(raw)) for key, raw in self._table.documents().items()),
                          key=lambda item: item[0])

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
            self._table.insert(Document(dict(document), doc_id=new_id))
            self._next_id = max(self._next_id or 1, new_id + 1)
            for index in self._indexes:
                index.add(document, new_id)
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
            return old

    def clear(self) -> None:
        """Remove every document; the indexes and the id counter follow."""
        with self._db.lock:
            self._table.truncate()
            self._forget()

    # -- indexes --------------------------------------------------------------------------------------

    def index(self, key_of: Callable[[Mapping[str, Any]], Hashable | None]) -> Index:
        """An index with at most one key per document (``key_of`` returns ``None`` for "not indexed")."""

        def keys_of(document: Mapping[str, Any]) -> tuple[Hashable, ...]:
            key = key_of(document)
            return () if key is None else (key,)

        return self.multi_index(keys_of)

    def multi_index(self, keys_of: Callable[[Mapping[str, Any]], Iterable[Hashable]]) -> Index:
        """An index whose documents may carry several keys each (``keys_of`` returns them, maybe none)."""
        with self._db.lock:
            index = Index(keys_of)
            index.rebuild(self._raw_items())
            self._indexes.append(index)
            return index

    def sorted_index(self, group_of: Callable[[Mapping[str, Any]], Hashable | None],
                     order_of: Callable[[Mapping[str, Any]], Any]) -> SortedIndex:
        """An index that keeps each group's ids in ``order_of`` order, for paging without sorting."""
        with self._db.lock:
            index = SortedIndex(group_of, order_of)
            index.rebuild(self._raw_items())
            self._indexes.append(index)
            return index

    # -- inside the store -----------------------------------------------------------------------------

    def _raw_items(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        return ((int(key), raw) for key, raw in self._table.documents().items())

    def _forget(self) -> None:
        """After the data went away under us (a truncate, or :meth:`Database.clear`)."""
        self._next_id = None
        for index in self._indexes:
            index.rebuild(self._raw_items())

    def _allocate_id(self) -> int:
        # Our own counter: TinyDB forgets its own after an insert with an explicit id and then
        # rescans the whole table to find the largest id.
        if self._next_id is None:
            self._next_id = max((doc_id for doc_id, _ in self._raw_items()), default=0) + 1
        return self._next_id


class _FssimTinyDB(TinyDB):
    # A subclass, not ``TinyDB.table_class = ...``: fssim runs inside other people's pytest processes
    # (the plugin), and their own TinyDB databases must keep stock tables.
    table_class = InPlaceTable


class Database:
    """The one TinyDB of a simulator: collections and their indexes, a lock, and atomic file writes."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is None:
            self._db = _FssimTinyDB(storage=HeldMemoryStorage)
        else:
            self._db = _FssimTinyDB(self.path, storage=AtomicJSONStorage)
        self._storage = cast(Holding, self._db.storage)
        self.lock = threading.RLock()
        self.stats = StoreStats()
        self._collections: dict[str, Collection] = {}

    @property
    def persistent(self) -> bool:
        return self.path is not None

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

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and write the file once at the end, however many documents change inside."""
        with self.lock:
            self.stats.transactions += 1
            self._storage.hold()
            try:
                yield
            finally:
                self._storage.release()

    def clear(self) -> None:
        """Drop every collection's documents (``POST /_sim/reset``); indexes and id counters follow."""
        with self.transaction():
            self._db.drop_tables()
            for collection in self._collections.values():
                collection._forget()

    def close(self) -> None:
        with self.lock:
            self._db.close()
