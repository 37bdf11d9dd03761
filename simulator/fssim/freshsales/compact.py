"""Leads and contacts kept without their default fields, so a stored record costs a third of the memory.

A record has about 55 fields and most stay at their default (``None``, ``False``, ``0``, ``[]``,
``{}``) for the life of a lead a Segment identify made: a 55-key dict is 1.6 KB in CPython before its
values, a 15-key one under 0.5 KB (issue 12: memory per stored lead). :class:`CompactRecords` sits
between the records' code and their store collection: it stores a record without the fields equal to
their default and puts them back, in the same order, on every read. Whatever reads a record (the REST
API, the receiver, the dashboard) sees exactly the document it would have seen before; a file written
before keeps working (a whole record reads as itself).

Defaults come from :func:`fssim.freshsales.shapes.blank_record`, per entity. A field counts as default
only if it has the same type as well as the same value (``False == 0`` in Python; ``lead_score: False``
must stay).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from fssim import strictjson
from fssim.freshsales.shapes import blank_record
from fssim.indexes import Index, SortedIndex
from fssim.store import Collection

__all__ = ["CompactRecords", "pack", "unpack"]

Doc = dict[str, Any]

# The fields every record of the entity has (``id`` always differs from the blank's 0, so it is kept).
_DEFAULTS: dict[str, Doc] = {entity: blank_record(entity, 0) for entity in ("lead", "contact")}
# Defaults a reader may change in place (lists, dicts): each read gets its own copy.
_MUTABLE = {entity: frozenset(k for k, v in doc.items() if isinstance(v, (list, dict)))
            for entity, doc in _DEFAULTS.items()}


def _is_default(value: Any, default: Any) -> bool:
    return type(value) is type(default) and value == default


def pack(doc: Mapping[str, Any]) -> Doc:
    """``doc`` without the fields equal to its entity's defaults (unknown entities are kept whole)."""
    defaults = _DEFAULTS.get(str(doc.get("_entity")))
    if defaults is None:
        return dict(doc)
    return {key: value for key, value in doc.items()
            if key not in defaults or not _is_default(value, defaults[key])}


def unpack(raw: Mapping[str, Any]) -> Doc:
    """The whole record again: every default field in its place, then the stored ones, in their order.

    The order is the blank record's, as when it was built (``blank_record`` then ``update``), so an
    answer's keys come out in the same order as before; keys outside the defaults follow in stored order.
    """
    entity = str(raw.get("_entity"))
    defaults = _DEFAULTS.get(entity)
    if defaults is None:
        return dict(raw)
    doc = {**defaults, **raw}
    for key in _MUTABLE[entity]:
        if key not in raw:
            doc[key] = strictjson.deep_copy(defaults[key])
    return doc


class CompactRecords:
    """The records' collection, storing each document packed and reading it back unpacked.

    Indexes see whole documents too, so their key functions need not know about packing.
    """

    def __init__(self, collection: Collection) -> None:
        self._collection = collection

    def get(self, doc_id: int) -> Doc | None:
        raw = self._collection.get(doc_id)
        return None if raw is None else unpack(raw)

    def insert(self, document: Mapping[str, Any], doc_id: int | None = None) -> int:
        return self._collection.insert(pack(document), doc_id)

    def replace(self, doc_id: int, document: Mapping[str, Any]) -> None:
        self._collection.replace(doc_id, pack(document))

    def delete(self, doc_id: int) -> Doc | None:
        old = self._collection.delete(doc_id)
        return None if old is None else unpack(old)

    def index(self, key_of: Callable[[Mapping[str, Any]], Hashable | None]) -> Index:
        return self._collection.index(lambda doc: key_of(unpack(doc)))

    def multi_index(self, keys_of: Callable[[Mapping[str, Any]], Iterable[Hashable]]) -> Index:
        return self._collection.multi_index(lambda doc: keys_of(unpack(doc)))

    def sorted_index(self, keys_of: Callable[[Mapping[str, Any]], Iterable[Hashable]],
                     order_of: Callable[[Mapping[str, Any]], Any]) -> SortedIndex:
        return self._collection.sorted_index(lambda doc: keys_of(unpack(doc)), lambda doc: order_of(unpack(doc)))
