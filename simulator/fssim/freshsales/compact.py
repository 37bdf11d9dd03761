"""Leads, contacts and timeline items kept without what can be told from the rest, read back whole.

Leads and contacts are stored without their default fields, so a stored record costs a third of the memory.

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

Timeline items are packed in the same way by their own rules (:mod:`fssim.freshsales.compact_items`).

Then both are kept as one compact JSON text (``{"_orjson": "..."}``), not as a dict of dicts: a stored
item's dict, its ``action_data`` dict and their small objects cost about 1 KB in CPython, its text a
third of that, and past the first 24 h of a replay the CRM's leads and items are all that still grows
(issue 12: 1M messages under 1 GiB). A document JSON cannot carry exactly (a tuple, a non-string key,
NaN) stays a dict. Simulator policy: a ``--db`` file holds these texts as they are; it is still a TinyDB
JSON database, and a file written before (whole dicts) reads as it did.

The text is orjson's (several times cheaper to write and to read than json's, and written for every
stored document) when orjson writes it in ASCII, the text of nearly every document: orjson writes
other characters as UTF-8, not as escapes, and one character past Latin-1 would make CPython keep the
whole text at 2 or 4 bytes a character. It reads back with orjson, which reads integers past 64 bits
as floats: orjson refuses to write those, so none is in its texts. Any other document (non-ASCII text,
an integer past 64 bits, a lone surrogate) is written by json as before, under ``_packed``, and read
back by json, as are the ``_packed`` texts of files written before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

import orjson

from fssim import jsontext, strictjson
from fssim.freshsales.shapes import blank_record
from fssim.indexes import Answer, Index, LookupIndex, SortedIndex
from fssim.store import Collection

__all__ = ["CompactCollection", "CompactRecords", "from_text", "pack", "record_drops", "text_fields", "to_text",
           "unpack"]

Doc = dict[str, Any]

# The fields every record of the entity has (``id`` always differs from the blank's 0, so it is kept).
_DEFAULTS: dict[str, Doc] = {entity: blank_record(entity, 0) for entity in ("lead", "contact")}
# Defaults a reader may change in place (lists, dicts): each read gets its own copy.
_MUTABLE = {entity: frozenset(k for k, v in doc.items() if isinstance(v, (list, dict)))
            for entity, doc in _DEFAULTS.items()}


# For each default a reader gets its own copy of, its name and what makes a new one: every one is an
# empty list or dict, so the ``copy`` of the blank's own is a deep copy.
_FRESH = {entity: tuple((key, _DEFAULTS[entity][key].copy) for key in sorted(keys))
          for entity, keys in _MUTABLE.items()}
assert not any(_DEFAULTS[entity][key] for entity, keys in _MUTABLE.items() for key in keys)


_ABSENT = object()
_NOTHING: Mapping[str, Any] = {}


def record_drops(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The fields a record may be stored without, with the value each must have: its entity's defaults
    (none for an unknown entity, which is kept whole)."""
    return _DEFAULTS.get(str(doc.get("_entity")), _NOTHING)


def _without(doc: Mapping[str, Any], drops: Mapping[str, Any]) -> Doc:
    # A field is dropped only with the drop's type too (``False == 0``, but ``lead_score: False`` must
    # stay); inlined, because this runs over every field of every document written.
    return {key: value for key, value in doc.items()
            if (default := drops.get(key, _ABSENT)) is _ABSENT or type(value) is not type(default)
            or value != default}


def pack(doc: Mapping[str, Any]) -> Doc:
    """``doc`` without the fields equal to its entity's defaults (unknown entities are kept whole)."""
    return _without(doc, record_drops(doc))


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


def text_fields(raw: Mapping[str, Any], entity: str) -> tuple[Doc, bool] | None:
    """A stored lead or contact's public fields, whole: :func:`unpack` of :func:`from_text` without the
    private fields, in the same order, read from its orjson text in one pass; and whether every value
    the text held is an exact string, int, boolean or None (no float, list or dict). ``raw`` is the
    stored document, whose ``_entity`` the caller found to be ``entity``. ``None`` when it is not kept
    as orjson's text (then :func:`from_text` and :func:`unpack` read it).

    The text holds only public fields (:func:`to_text` keeps every ``_`` field out of it), so the private
    ones need not be copied in to be taken out again, and the dict made here is the caller's own: a
    reader that only shows the record (a REST read) adds its links to it in place (issue 12). Its keys
    come in :func:`unpack`'s order: the blank's, then any other key of the text in the text's order.
    """
    defaults = _DEFAULTS.get(entity)
    if defaults is None or next(iter(raw), None) != _TEXT or type(text := raw[_TEXT]) is not str:
        return None
    found: Doc = orjson.loads(text)
    # A stored lead's dozen fields (names, email, ids, times), in C: no Python step per field (issue 12).
    scalars = _SCALARS.issuperset(map(type, found.values()))
    doc = defaults.copy()  # a copy of a dict whose keys are all in place, then its few stored values
    doc.update(found)
    for key, fresh in _FRESH[entity]:
        if key not in found:
            doc[key] = fresh()  # a new empty list or dict: what a deep copy of the blank's is
    return doc, scalars


_SCALARS = jsontext.PLAIN_SCALARS
_TEXT = "_orjson"  # the key of orjson's text; it comes first, its private ``_`` fields after it
_JSON_TEXT = "_packed"  # the key of json's text (written before, or not ASCII in orjson's)
_encode = jsontext.encoder(separators=(",", ":"), allow_nan=False)  # ASCII: one byte a character


def to_text(doc: Mapping[str, Any], drops: Mapping[str, Any] = _NOTHING, *, exact: bool = False) -> Mapping[str, Any]:
    """``doc`` as ``{"_orjson": JSON of its public fields, **its private "_" fields}`` (or ``_packed``, see
    the module's text), or ``doc`` itself when JSON would not give it back equal or its private fields
    are not all at its end. The public fields equal to ``drops`` (:func:`record_drops`,
    :func:`item_drops`, which name public fields only) are left out of the text, in the same pass.

    The private fields (owner, entity, record id, time) stay values, not text: the indexes' keys are
    made of them, and a value the caller shares (the account's name) is then not one more copy per key.
    A dict of up to five keys costs the same as one of one, so they cost no more dict.

    A container value is checked with :func:`fssim.strictjson.reads_back_as_itself`, the one test of
    "JSON gives this back as it is" that the in-process delivery uses too. ``exact``: the caller has
    already checked every public value so, and they are not walked again here.
    """
    atoms = strictjson.ATOMS
    public: Doc = {}
    private: Doc = {}
    for key, value in doc.items():
        default = drops.get(key, _ABSENT)
        if value is default:
            continue  # most fields of a record: the blank's own None, False or 0, dropped at once
        if default is _ABSENT:
            # A key drops do not name (they name public fields only): maybe private, maybe not a string.
            if type(key) is not str:
                return _without(doc, drops)  # JSON would give it back as a string key
            if key[:1] == "_":
                private[key] = value
                continue
        elif type(value) is type(default) and value == default:
            continue
        kind = type(value)
        if private or (kind not in atoms and not exact and not strictjson.reads_back_as_itself(value)):
            # A public field after a private one (not how fssim writes documents), or a value JSON would
            # not give back equal: stored as a dict.
            return _without(doc, drops)
        if kind is float and value - value != 0.0:
            return _without(doc, drops)  # NaN or infinity: orjson would write null, json refuses it
        public[key] = value
    if _TEXT in private or _JSON_TEXT in private:
        return _without(doc, drops)
    stored = _as_text(public, private)
    return _without(doc, drops) if stored is None else stored


def _as_text(public: Mapping[str, Any], private: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """``{text key: the text of public, **private}``, or None when json cannot write ``public``."""
    # Refused by orjson (an integer past 64 bits, a lone surrogate, a subclass) or not ASCII: json's text.
    text = jsontext.orjson_text(public)
    if text is not None and text.isascii():
        return {_TEXT: text.decode(), **private}
    try:
        return {_JSON_TEXT: _encode(public), **private}
    except (TypeError, ValueError):
        return None


def from_text(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """What :func:`to_text` was given (a document stored whole reads as itself: none of those begins
    with ``_orjson`` or ``_packed``, since records and timeline items begin with their ``id``)."""
    first = next(iter(raw), None)
    if first == _TEXT:
        text = raw[_TEXT]
        if not isinstance(text, str):
            return raw
        found: Doc = orjson.loads(text)
    elif first == _JSON_TEXT:
        text = raw[_JSON_TEXT]
        if not isinstance(text, str):
            return raw
        found = json.loads(text)
    else:
        return raw
    for key, value in raw.items():
        if key != first:
            found[key] = value
    return found


class CompactCollection:
    """A collection that stores each document packed and reads it back unpacked.

    Indexes see whole documents too, so their key functions need not know about packing.
    """

    def __init__(self, collection: Collection, drops_of: Callable[[Mapping[str, Any]], Mapping[str, Any]],
                 unpacker: Callable[[Mapping[str, Any]], Doc]) -> None:
        self._collection = collection
        self._drops_of = drops_of
        self._unpack: Callable[[Mapping[str, Any]], Doc] = lambda raw: unpacker(from_text(raw))
        # The last document unpacked for the indexes: a write shows the same stored document to every
        # index of the collection, so it is decoded once, not once per index. Holding it keeps its id
        # from being reused, so ``is`` cannot mistake another document for it.
        self._seen: tuple[Mapping[str, Any], Doc] | None = None
        # While this collection writes: the packed document and the whole one the caller gave. Unpacking
        # the first gives back the second (test_fs_compact.py), so the text just encoded is not decoded
        # again for the indexes.
        self._writing: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None

    def _for_index(self, raw: Mapping[str, Any]) -> Mapping[str, Any]:
        writing = self._writing
        if writing is not None and writing[0] is raw:
            return writing[1]
        seen = self._seen
        if seen is not None and seen[0] is raw:
            return seen[1]
        doc = self._unpack(raw)
        self._seen = (raw, doc)
        return doc

    def get(self, doc_id: int) -> Doc | None:
        raw = self._collection.get(doc_id)
        return None if raw is None else self._unpack(raw)

    def stored(self, doc_id: int) -> Mapping[str, Any] | None:
        """The document as stored (packed, private fields as values), not a copy: for a reader that hands
        it to :func:`text_fields` or reads its private fields. Never change it."""
        return self._collection.peek(doc_id)

    def items(self) -> list[tuple[int, Doc]]:
        return [(doc_id, self._unpack(raw)) for doc_id, raw in self._collection.items()]

    def insert(self, document: Mapping[str, Any], doc_id: int | None = None, *, exact: bool = False) -> int:
        """Store ``document`` packed; ``exact``: see :func:`to_text` (the caller checked its values)."""
        packed = to_text(document, self._drops_of(document), exact=exact)
        self._writing = (packed, document)
        try:
            return self._collection.insert(packed, doc_id)
        finally:
            self._writing = None

    def insert_packed(self, packed: Mapping[str, Any]) -> int:
        """Store a document the caller packed itself (:func:`packed_item`); an index that is not
        :meth:`by_private` is shown it unpacked."""
        return self._collection.insert(packed)

    def replace(self, doc_id: int, document: Mapping[str, Any]) -> None:
        packed = to_text(document, self._drops_of(document))
        self._writing = (packed, document)
        try:
            self._collection.replace(doc_id, packed)
        finally:
            self._writing = None

    def delete(self, doc_id: int) -> Doc | None:
        old = self._collection.delete(doc_id)
        return None if old is None else self._unpack(old)

    def _on_whole(self, of: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any]], Any]:
        """``of`` shown the whole document instead of the stored one: while this collection writes, the
        one its caller gave (looked up here, not by a call to :meth:`_for_index` per index and write)."""
        def on_whole(raw: Mapping[str, Any]) -> Any:
            writing = self._writing
            return of(writing[1] if writing is not None and writing[0] is raw else self._for_index(raw))

        return on_whole

    def _whole(self, raw: Mapping[str, Any]) -> Mapping[str, Any]:
        """The whole document of a stored one, as :meth:`_on_whole` finds it (for an index that hands it
        to more than one function)."""
        writing = self._writing
        return writing[1] if writing is not None and writing[0] is raw else self._for_index(raw)

    def index(self, key_of: Callable[[Mapping[str, Any]], Hashable | None]) -> Index:
        return self._collection.index(self._on_whole(key_of))

    def by_private(self, key_of: Callable[[Mapping[str, Any]], Hashable | None]) -> Index:
        """An index whose key is made of private (``_``) fields only, which every stored document keeps
        as values: shown each stored document as it is, never unpacked."""
        return self._collection.index(key_of)

    def multi_index(self, keys_of: Callable[[Mapping[str, Any]], Iterable[Hashable]]) -> Index:
        return self._collection.multi_index(self._on_whole(keys_of))

    def lookup_index(self, keys_of: Callable[[Mapping[str, Any]], Iterable[tuple[Hashable, Hashable]]],
                     answer_of: Callable[[Mapping[str, Any]], Answer]) -> LookupIndex[Answer]:
        """A :class:`LookupIndex`: its answers are made from whole documents, so a lookup reads none."""
        return self._collection.keep(LookupIndex(keys_of, answer_of, whole=self._whole))

    def sorted_index(self, keys_of: Callable[[Mapping[str, Any]], Iterable[Hashable]],
                     order_of: Callable[[Mapping[str, Any]], Any]) -> SortedIndex:
        return self._collection.sorted_index(self._on_whole(keys_of), self._on_whole(order_of))


def CompactRecords(collection: Collection) -> CompactCollection:
    """The leads' and contacts' collection (``fs_records``), packed as :func:`pack` packs."""
    return CompactCollection(collection, record_drops, unpack)
