"""Indexes a :class:`~fssim.store.Collection` keeps beside its documents, because TinyDB answers every
query by scanning: :class:`Index` maps a key (an email, an external id, a timeline owner) to document
ids; :class:`SortedIndex` also keeps each key's ids in order, so a page of a list is a slice.
They are rebuilt from the data when a file is opened, so they can never disagree with what is stored.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

__all__ = ["LIST_AT_MOST", "Index", "SortedIndex"]

# Ids a key keeps in a list before a set: a list's membership test is a scan, cheap only while short.
LIST_AT_MOST = 16


class Index:
    """A dict from a key to the ids of the documents that have it, kept by one :class:`Collection`.

    ``keys_of`` gives a document's keys: none (not indexed), one (:meth:`Collection.index`), or several
    (:meth:`Collection.multi_index`, e.g. a contact with several emails).

    A key held by one document maps to its id itself, a few ids share a list, and only a key with many
    ids gets a set: most keys (an email, a messageId) belong to one document and a record's timeline has
    a handful of items, while an empty set alone is 216 bytes in CPython and a list of four 88 (issue 12:
    memory per lead). Past :data:`LIST_AT_MOST` ids a set keeps adding and removing O(1).
    """

    def __init__(self, keys_of: Callable[[Mapping[str, Any]], Any], *, single: bool = False) -> None:
        self.keys_of = keys_of
        # ``single``: ``keys_of`` gives one key or None (:meth:`Collection.index`), taken as it is, not
        # through one more function that wraps it in a tuple on every write of every such index.
        self._single = single
        self._ids: dict[Hashable, int | list[int] | set[int]] = {}

    def rebuild(self, documents: Iterable[tuple[int, Mapping[str, Any]]]) -> None:
        self._ids.clear()
        for doc_id, doc in documents:
            self.add(doc, doc_id)

    def add(self, document: Mapping[str, Any], doc_id: int) -> None:
        if self._single:
            key = self.keys_of(document)
            if key is not None:
                self._add_keys((key,), doc_id)
        else:
            self._add_keys(self.keys_of(document), doc_id)

    def remove(self, document: Mapping[str, Any], doc_id: int) -> None:
        if self._single:
            key = self.keys_of(document)
            if key is not None:
                self._remove_keys((key,), doc_id)
        else:
            self._remove_keys(self.keys_of(document), doc_id)

    def _add_keys(self, keys: Iterable[Hashable], doc_id: int) -> None:
        for key in keys:
            held = self._ids.get(key)
            if held is None:
                self._ids[key] = doc_id
            elif isinstance(held, int):
                if held != doc_id:
                    self._ids[key] = [held, doc_id]
            elif doc_id not in held:
                if isinstance(held, list) and len(held) >= LIST_AT_MOST:
                    self._ids[key] = held = set(held)
                if isinstance(held, set):
                    held.add(doc_id)
                else:
                    held.append(doc_id)

    def _remove_keys(self, keys: Iterable[Hashable], doc_id: int) -> None:
        for key in keys:
            held = self._ids.get(key)
            if held is None:
                continue
            if isinstance(held, int):
                if held == doc_id:
                    del self._ids[key]
                continue
            if doc_id in held:
                held.remove(doc_id)
            if len(held) == 1:
                self._ids[key] = next(iter(held))
            elif not held:
                del self._ids[key]

    def ids(self, key: Hashable) -> set[int]:
        held = self._ids.get(key)
        if held is None:
            return set()
        return {held} if isinstance(held, int) else set(held)

    def count(self, key: Hashable) -> int:
        """How many documents have ``key`` (without copying their ids)."""
        held = self._ids.get(key)
        if held is None:
            return 0
        return 1 if isinstance(held, int) else len(held)

    def first(self, key: Hashable) -> int | None:
        held = self._ids.get(key)
        if held is None:
            return None
        return held if isinstance(held, int) else (min(held) if held else None)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._ids


class SortedIndex(Index):
    """An :class:`Index` that also keeps each key's ids in order of ``order_of(document)`` (ties by id), so
    a page of a list is a slice: its cost does not grow with how many documents share the key.

    Documents whose order value is ``None`` are left out of the order (``ordered_count`` tells the caller
    whether every document of a key is in it).
    """

    def __init__(self, keys_of: Callable[[Mapping[str, Any]], Iterable[Hashable]],
                 order_of: Callable[[Mapping[str, Any]], Any]) -> None:
        super().__init__(keys_of)
        self.order_of = order_of
        self._ordered: dict[Hashable, list[tuple[Any, int]]] = {}

    def rebuild(self, documents: Iterable[tuple[int, Mapping[str, Any]]]) -> None:
        # Append then sort once: inserting one by one into sorted lists would cost O(n²) on a big file.
        self._ids.clear()
        self._ordered.clear()
        for doc_id, doc in documents:
            super().add(doc, doc_id)
            order = self.order_of(doc)
            if order is not None:
                for key in self.keys_of(doc):
                    self._ordered.setdefault(key, []).append((order, doc_id))
        for entries in self._ordered.values():
            entries.sort()

    def add(self, document: Mapping[str, Any], doc_id: int) -> None:
        keys = list(self.keys_of(document))  # once, for both the ids and the order
        self._add_keys(keys, doc_id)
        order = self.order_of(document)
        if order is not None:
            for key in keys:
                bisect.insort(self._ordered.setdefault(key, []), (order, doc_id))

    def remove(self, document: Mapping[str, Any], doc_id: int) -> None:
        keys = list(self.keys_of(document))
        self._remove_keys(keys, doc_id)
        order = self.order_of(document)
        if order is None:
            return
        for key in keys:
            entries = self._ordered.get(key)
            if entries is None:
                continue
            position = bisect.bisect_left(entries, (order, doc_id))
            if position < len(entries) and entries[position] == (order, doc_id):
                del entries[position]
            if not entries:
                del self._ordered[key]

    def ordered_count(self, key: Hashable) -> int:
        return len(self._ordered.get(key, ()))

    def window(self, key: Hashable, start: int, stop: int, *, descending: bool = False) -> list[int]:
        """Ids at positions ``start:stop`` of ``key``'s order (from the largest when ``descending``)."""
        entries = self._ordered.get(key, [])
        if descending:
            size = len(entries)
            chosen = entries[max(0, size - stop):max(0, size - start)]
            return [doc_id for _, doc_id in reversed(chosen)]
        return [doc_id for _, doc_id in entries[start:stop]]
