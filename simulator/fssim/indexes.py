"""Indexes a :class:`~fssim.store.Collection` keeps beside its documents, because TinyDB answers every
query by scanning: :class:`Index` maps a key (an email, an external id, a timeline owner) to document
ids; :class:`SortedIndex` also keeps each key's ids in order, so a page of a list is a slice;
:class:`LookupIndex` maps a key straight to what a lookup answers, so the document is not read at all.
They are rebuilt from the data when a file is opened, so they can never disagree with what is stored.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, Protocol, TypeVar

__all__ = ["LIST_AT_MOST", "Answer", "HasId", "Index", "Kept", "LookupIndex", "SortedIndex"]

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
            elif type(held) is set:  # a key of many documents (an account's leads): added, no more checks
                held.add(doc_id)
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


class Kept(Protocol):
    """What a :class:`~fssim.store.Collection` keeps in step with its documents on every write."""

    def rebuild(self, documents: Iterable[tuple[int, Mapping[str, Any]]]) -> None: ...

    def add(self, document: Mapping[str, Any], doc_id: int) -> None: ...

    def remove(self, document: Mapping[str, Any], doc_id: int) -> None: ...


class HasId(Protocol):
    """What a :class:`LookupIndex` keeps per document: the answer of a lookup, naming its document."""

    @property
    def id(self) -> int: ...


Answer = TypeVar("Answer", bound=HasId)


class LookupIndex(Generic[Answer]):
    """An index whose entry IS what a lookup answers (``answer_of(document)``, e.g. a record's owner,
    entity, id and display name), grouped by a first key part (the account).

    A lookup through an :class:`Index` goes key -> id -> stored document -> its decoded fields: with many
    documents every hop is a cache and TLB miss (issue 2: a lookup by email among 100,000 leads touched
    about 15 cold cache lines, 1.9x the time among 1,000). Here it is one small dict for the group, then
    key -> answer: the key string and the answer are all it touches, and nothing is decoded. The group
    level also spares a ``(group, key)`` tuple per entry.

    ``keys_of`` gives a document's ``(group, key)`` pairs; most keys belong to one document and map to its
    answer itself, a key held by several documents maps to their answers in id order. The answers are
    rebuilt with every write of their document (:class:`~fssim.store.Collection` calls :meth:`remove`
    with the old document and :meth:`add` with the new), so a changed display name is never stale.
    """

    def __init__(self, keys_of: Callable[[Mapping[str, Any]], Iterable[tuple[Hashable, Hashable]]],
                 answer_of: Callable[[Mapping[str, Any]], Answer], *,
                 whole: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None) -> None:
        self.keys_of = keys_of
        self.answer_of = answer_of
        # ``whole``: the document its keys and answer are made from, given the stored one (a packed
        # collection's whole document): found once per write, for both functions.
        self._whole = whole
        self._groups: dict[Hashable, dict[Hashable, Answer | list[Answer]]] = {}

    def rebuild(self, documents: Iterable[tuple[int, Mapping[str, Any]]]) -> None:
        self._groups.clear()
        for doc_id, doc in documents:
            self.add(doc, doc_id)

    def add(self, document: Mapping[str, Any], doc_id: int) -> None:
        if self._whole is not None:
            document = self._whole(document)
        answer: Answer | None = None
        for group, key in self.keys_of(document):
            if answer is None:
                answer = self.answer_of(document)  # only for a document that has a key
            keys = self._groups.get(group)
            if keys is None:
                keys = self._groups[group] = {}
            held = keys.get(key)
            if held is None:
                keys[key] = answer
            elif isinstance(held, list):
                if all(other.id != doc_id for other in held):
                    held.append(answer)
                    held.sort(key=_id_of)
            elif held.id != doc_id:
                keys[key] = sorted((held, answer), key=_id_of)

    def remove(self, document: Mapping[str, Any], doc_id: int) -> None:
        if self._whole is not None:
            document = self._whole(document)
        for group, key in self.keys_of(document):
            keys = self._groups.get(group)
            held = None if keys is None else keys.get(key)
            if keys is None or held is None:
                continue
            if isinstance(held, list):
                kept = [other for other in held if other.id != doc_id]
                if kept:
                    keys[key] = kept[0] if len(kept) == 1 else kept
                    continue
            elif held.id != doc_id:
                continue
            del keys[key]
            if not keys:
                del self._groups[group]

    def find(self, group: Hashable, key: Hashable) -> Answer | None:
        """The answer of the lowest-id document with ``key`` in ``group``, or None."""
        keys = self._groups.get(group)
        held = None if keys is None else keys.get(key)
        return held[0] if isinstance(held, list) else held

    def ids(self, group_key: tuple[Hashable, Hashable]) -> set[int]:
        """The ids of every document with the key (as :meth:`Index.ids`, keyed by ``(group, key)``)."""
        group, key = group_key
        keys = self._groups.get(group)
        held = None if keys is None else keys.get(key)
        if held is None:
            return set()
        return {other.id for other in held} if isinstance(held, list) else {held.id}


def _id_of(answer: HasId) -> int:
    return answer.id
