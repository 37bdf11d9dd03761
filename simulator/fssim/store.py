"""TinyDB wiring: an in-memory or JSON-file database that is safe under threads and fast as it grows.

TinyDB gives us two small interfaces, a *storage* and a *table*; fssim plugs into both:

* :class:`AtomicJSONStorage` keeps the data in memory after one read and writes the whole file through a
  temporary file, ``fsync`` and ``os.replace``, so a crash leaves either the old file or the new one,
  never half of one. Writes inside :meth:`Database.transaction` are coalesced into one file write.
* :class:`InPlaceTable` changes only the documents an operation touches. Stock TinyDB copies the whole
  table on every write, which makes a create cost O(n); here it is O(1), and reads by document id were
  already O(1).
* :class:`Index` keeps a dict from a key (an email, an external id, a timeline owner) to document ids,
  because TinyDB answers every query by scanning. Indexes are rebuilt from the data when a file is
  opened, so they can never disagree with what is stored.

One re-entrant lock guards the database: every multi-step operation (check an email is free, then
insert) runs inside :meth:`Database.transaction`, so two concurrent requests can never both win.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any, cast

from tinydb import TinyDB
from tinydb.storages import MemoryStorage, Storage
from tinydb.table import Document, Table

__all__ = ["AtomicJSONStorage", "Database", "InPlaceTable", "Index"]

Data = dict[str, dict[str, Any]]


class AtomicJSONStorage(Storage):
    """A JSON file read once and rewritten atomically on every (coalesced) write."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._data: Data | None = None
        self._hold = 0
        self._dirty = False
        if self.path.exists() and self.path.stat().st_size > 0:
            with self.path.open(encoding="utf-8") as handle:
                try:
                    self._data = json.load(handle)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{self.path} is not a fssim database (invalid JSON: {error})") from error
            if not isinstance(self._data, dict):
                raise ValueError(f"{self.path} is not a fssim database (top level is not an object)")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def read(self) -> Data | None:
        return self._data

    def write(self, data: Data) -> None:
        self._data = data
        if self._hold:
            self._dirty = True
        else:
            self._flush()

    def hold(self) -> None:
        """Defer file writes until the matching :meth:`release` (used by transactions)."""
        self._hold += 1

    def release(self) -> None:
        self._hold -= 1
        if self._hold == 0 and self._dirty:
            self._flush()

    def _flush(self) -> None:
        self._dirty = False
        directory = self.path.parent
        fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._data or {}, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        # Make the rename itself durable.
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def close(self) -> None:
        if self._dirty:
            self._flush()


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


class Index:
    """A dict from a key to the ids of the documents that have it, kept beside one table.

    ``keys_of`` gives a document's keys: none (not indexed), one (:meth:`Database.index`), or several
    (:meth:`Database.multi_index`, e.g. a contact with several emails).
    """

    def __init__(self, table: Table, keys_of: Callable[[Mapping[str, Any]], Iterable[Hashable]]) -> None:
        self.table = table
        self.keys_of = keys_of
        self._ids: dict[Hashable, set[int]] = {}
        self.rebuild()

    def rebuild(self) -> None:
        self._ids.clear()
        for doc in self.table.all():
            self.add(doc, doc.doc_id)

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


class _FssimTinyDB(TinyDB):
    # A subclass, not ``TinyDB.table_class = ...``: fssim runs inside other people's pytest processes
    # (the plugin), and their own TinyDB databases must keep stock tables.
    table_class = InPlaceTable


class Database:
    """The one TinyDB of a simulator: tables, indexes, a lock, and atomic file writes."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is None:
            self._db = _FssimTinyDB(storage=MemoryStorage)
        else:
            self._db = _FssimTinyDB(self.path, storage=AtomicJSONStorage)
        self.lock = threading.RLock()
        self._indexes: dict[str, list[Index]] = {}  # by table name: writes touch only their own
        self._next_ids: dict[str, int] = {}

    @property
    def persistent(self) -> bool:
        return self.path is not None

    def table(self, name: str) -> Table:
        # TinyDB caches tables by name; the per-table query cache is off because our hot paths use
        # indexes and a stale cache entry would be a correctness risk under concurrent writes.
        return self._db.table(name, cache_size=0)

    def index(self, table: Table, key_of: Callable[[Mapping[str, Any]], Hashable | None]) -> Index:
        """An index with at most one key per document (``key_of`` returns ``None`` for "not indexed")."""

        def keys_of(document: Mapping[str, Any]) -> tuple[Hashable, ...]:
            key = key_of(document)
            return () if key is None else (key,)

        return self.multi_index(table, keys_of)

    def multi_index(self, table: Table, keys_of: Callable[[Mapping[str, Any]], Iterable[Hashable]]) -> Index:
        """An index whose documents may carry several keys each (``keys_of`` returns them, maybe none)."""
        with self.lock:
            index = Index(table, keys_of)
            self._indexes.setdefault(table.name, []).append(index)
            return index

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and write the file once at the end, however many documents change inside."""
        with self.lock:
            storage = self._db.storage
            file_storage = storage if isinstance(storage, AtomicJSONStorage) else None
            if file_storage is not None:
                file_storage.hold()
            try:
                yield
            finally:
                if file_storage is not None:
                    file_storage.release()

    def insert(self, table: Table, document: Mapping[str, Any], doc_id: int | None = None) -> int:
        """Insert and update every index of ``table``; returns the document id."""
        with self.transaction():
            new_id = self._allocate_id(table) if doc_id is None else doc_id
            table.insert(Document(dict(document), doc_id=new_id))
            self._next_ids[table.name] = max(self._next_ids.get(table.name, 1), new_id + 1)
            for index in self._indexes.get(table.name, ()):
                index.add(document, new_id)
            return new_id

    def _allocate_id(self, table: Table) -> int:
        # Our own counter: TinyDB forgets its own after an insert with an explicit id and then
        # rescans the whole table to find the largest id.
        if table.name not in self._next_ids:
            self._next_ids[table.name] = max((doc.doc_id for doc in table.all()), default=0) + 1
        return self._next_ids[table.name]

    def replace(self, table: Table, doc_id: int, document: Mapping[str, Any]) -> None:
        """Replace one document whole, keeping its indexes right."""
        with self.transaction():
            old = table.get(doc_id=doc_id)
            if old is None:
                raise KeyError(doc_id)
            for index in self._indexes.get(table.name, ()):
                index.remove(old, doc_id)
            cast(InPlaceTable, table).put(doc_id, document)  # every table here is one (see table_class)
            for index in self._indexes.get(table.name, ()):
                index.add(document, doc_id)

    def delete(self, table: Table, doc_id: int) -> Mapping[str, Any] | None:
        with self.transaction():
            old = table.get(doc_id=doc_id)
            if old is None:
                return None
            for index in self._indexes.get(table.name, ()):
                index.remove(old, doc_id)
            table.remove(doc_ids=[doc_id])
            return old

    def clear(self) -> None:
        """Drop every table (``POST /_sim/reset``); indexes follow."""
        with self.transaction():
            self._db.drop_tables()
            self._next_ids.clear()
            for indexes in self._indexes.values():
                for index in indexes:
                    index.rebuild()

    def close(self) -> None:
        with self.lock:
            self._db.close()
