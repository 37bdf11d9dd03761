"""fssim's TinyDB table: writes that touch only the documents they change (the store's plumbing).

Stock TinyDB copies the whole table on every write, which makes a create cost O(n). :class:`InPlaceTable`
changes only the documents an operation touches and tells the storage which (``Holding.changed``), so
a ``--db`` journal line holds those documents and nothing else; reads by document id were already
O(1). :class:`FssimTinyDB` is TinyDB with this table, for :class:`fssim.store.Database` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, cast

from tinydb import TinyDB
from tinydb.table import Table

from fssim.storage import Holding

__all__ = ["FssimTinyDB", "InPlaceTable"]


class _IntKeyView(MutableMapping[int, Mapping[str, Any]]):
    """The raw table (string keys, as JSON needs) seen with the integer ids TinyDB's updaters expect.

    It notes the keys an updater touches, so the storage journals those documents and no others.
    """

    def __init__(self, raw: dict[str, Mapping[str, Any]]) -> None:
        self._raw = raw
        self.touched: list[str] = []
        self.cleared = False

    def __getitem__(self, key: int) -> Mapping[str, Any]:
        return self._raw[str(key)]

    def __setitem__(self, key: int, value: Mapping[str, Any]) -> None:
        self._raw[str(key)] = value
        self.touched.append(str(key))

    def __delitem__(self, key: int) -> None:
        del self._raw[str(key)]
        self.touched.append(str(key))

    def __contains__(self, key: object) -> bool:
        return str(key) in self._raw

    def __iter__(self) -> Iterator[int]:
        # A snapshot, because TinyDB's remove() deletes while it iterates.
        return iter([int(key) for key in self._raw])

    def __len__(self) -> int:
        return len(self._raw)

    def clear(self) -> None:
        # MutableMapping.clear pops one item at a time through __iter__: O(n**2) on a big table.
        self._raw.clear()
        self.touched.clear()
        self.cleared = True


class InPlaceTable(Table):
    """A TinyDB table whose writes touch only the changed documents (see module docstring)."""

    def _update_table(self, updater: Callable[[dict[int, Mapping[str, Any]]], None]) -> None:
        tables = self._storage.read()
        if tables is None:  # TinyDB's memory storage before its first write
            self._storage.write({})
            tables = cast(dict[str, dict[str, Any]], self._storage.read())
        raw = tables.setdefault(self.name, {})
        view = _IntKeyView(raw)
        updater(view)  # type: ignore[arg-type]
        cast(Holding, self._storage).changed(self.name, view.touched, cleared=view.cleared)
        self.clear_cache()

    def add(self, doc_id: int, document: Mapping[str, Any]) -> None:
        """Store a new ``document`` under ``doc_id`` (``ValueError`` if taken), without TinyDB's own
        insert, which copies the document twice and wraps it in a ``Document`` first."""
        raw, key = self._raw_table(), str(doc_id)
        if key in raw:
            raise ValueError(f"Document with ID {doc_id} already exists")
        raw[key] = dict(document)
        storage = self._storage
        if storage.journals:  # type: ignore[attr-defined]  # fssim's storages are Holdings
            storage.changed(self._name, (key,))  # type: ignore[attr-defined]

    def put(self, doc_id: int, document: Mapping[str, Any]) -> None:
        """Store ``document`` whole under ``doc_id`` in one write (``Table.update`` would merge keys)."""
        key = str(doc_id)
        self._raw_table()[key] = dict(document)
        storage = self._storage
        if storage.journals:  # type: ignore[attr-defined]  # fssim's storages are Holdings
            storage.changed(self._name, (key,))  # type: ignore[attr-defined]

    # add, put and documents run several times per delivered message: they read the table's name from
    # its slot (not TinyDB's ``name`` property), allocate no default table, and make no ``cast`` call
    # nor any other call to reach the storage (a function call at run time each).

    def _raw_table(self) -> dict[str, Mapping[str, Any]]:
        # add and put change one document: straight into the storage's table, without the updater,
        # the id view and the query cache of _update_table (the cache is off: Database.collection).
        tables: dict[str, dict[str, Mapping[str, Any]]] | None = self._storage.read()
        if tables is None:  # TinyDB's memory storage before its first write
            self._storage.write({})
            tables = self._storage.read()
            assert tables is not None
        raw = tables.get(self._name)
        if raw is None:
            raw = tables[self._name] = {}
        return raw

    def documents(self) -> dict[str, Mapping[str, Any]]:
        """The stored documents by (string) id, uncopied: for :class:`Collection`, which copies."""
        tables: dict[str, dict[str, Mapping[str, Any]]] | None = self._storage.read()
        if tables is None:
            return {}
        raw = tables.get(self._name)
        return {} if raw is None else raw


class FssimTinyDB(TinyDB):
    # A subclass, not ``TinyDB.table_class = ...``: fssim runs inside other people's pytest processes
    # (the plugin), and their own TinyDB databases must keep stock tables.
    table_class = InPlaceTable
