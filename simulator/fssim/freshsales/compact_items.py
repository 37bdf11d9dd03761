"""Timeline items kept without what their owner, id and time already say, read back whole.

Timeline items (:func:`pack_item`, :func:`unpack_item`) are stored without the fields their owner
already says (``actionable_*`` and ``targetable_*`` type and id, ``composite_id``, ``created_at`` from
``_at``) and without the constant ``False`` flags, whenever they equal what is derived; an item whose
field differs (a note's ``actionable_type``, a moved item's ``composite_id``) keeps it. Then an item is
kept as one compact JSON text, as a record is (:mod:`fssim.freshsales.compact`, which says why and how).
An item nobody reads back is packed straight from its data (:func:`packed_item`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from fssim.clock import isoformat
from fssim.freshsales.compact import _ABSENT, _NOTHING, CompactCollection, Doc, _as_text, _without
from fssim.freshsales.shapes import ENTITY_TYPES
from fssim.store import Collection

__all__ = ["CompactTimeline", "created_data", "item_drops", "pack_item", "packed_created", "packed_item", "unpack_item"]


# A timeline item's leading fields, in the order Timeline writes them (``id`` first, then these).
_ITEM_FIELDS = ("actionable_type", "actionable_id", "targetable_type", "targetable_id", "targetable_name",
                "user_activity", "composite_id", "automation")
_ITEM_PREFIX = ["id", *_ITEM_FIELDS]


def _derived_item(raw: Mapping[str, Any]) -> Doc | None:
    """What an item's derivable fields are, from its owner (``_entity``, ``_record_id``), id and ``_at``."""
    kind = ENTITY_TYPES.get(str(raw.get("_entity")))
    record_id, item_id, at = raw.get("_record_id"), raw.get("id"), raw.get("_at")
    if kind is None or not isinstance(record_id, int) or not isinstance(item_id, int) or not isinstance(at, float):
        return None
    return {"actionable_type": kind, "actionable_id": record_id, "targetable_type": kind, "targetable_id": record_id,
            "user_activity": False, "composite_id": f"{kind}-{record_id}-{item_id}", "automation": False,
            "created_at": _created_at(at)}


@functools.lru_cache(maxsize=4096)
def _created_at(at: float) -> str:
    # Items of one message, and of messages sent together, share their time: the text is made once.
    return isoformat(datetime.fromtimestamp(at, tz=UTC))


def item_drops(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The fields a timeline item may be stored without: those its owner, id and time say, when the item
    is shaped as Timeline writes them (else none)."""
    derived = _derived_item(doc)
    keys = list(doc)
    if derived is None or keys[:len(_ITEM_PREFIX)] != _ITEM_PREFIX:
        return _NOTHING  # not shaped as Timeline writes items: kept whole
    if "created_at" in doc and _any_private(keys[:keys.index("created_at")]):
        derived.pop("created_at")  # not where unpacking would put it back: kept
    return derived


def _any_private(keys: Iterable[Any]) -> bool:
    try:
        return "\0_" in "\0" + "\0".join(keys)  # one scan in C: does any key begin with "_"?
    except TypeError:  # a key that is not a string
        return any(isinstance(key, str) and key.startswith("_") for key in keys)


def pack_item(doc: Mapping[str, Any]) -> Doc:
    return _without(doc, item_drops(doc))


def unpack_item(raw: Mapping[str, Any]) -> Doc:
    derived = _derived_item(raw)
    if derived is None:
        return dict(raw)
    doc: Doc = {"id": raw["id"]}
    for key in _ITEM_FIELDS:
        doc[key] = raw[key] if key in raw else derived[key]
    for key, value in raw.items():
        if key not in doc:
            doc[key] = value
    return _with_created_at(doc, raw, derived)


def _with_created_at(doc: Doc, raw: Mapping[str, Any], derived: Doc) -> Doc:
    """``created_at`` back in its place: right before the private ``_`` fields, where Timeline puts it."""
    if "created_at" in raw:
        return doc
    ordered: Doc = {}
    for key, value in doc.items():
        if key.startswith("_") and "created_at" not in ordered:
            ordered["created_at"] = derived["created_at"]
        ordered[key] = value
    ordered.setdefault("created_at", derived["created_at"])
    return ordered


_ITEM_FIELD_SET = frozenset(_ITEM_FIELDS)
_CARRY = 0.999  # far below 1 - 0.5e-6, where rounding to microseconds may carry a time to the next second
# Below 2**32 seconds (the year 2106) a timestamp's float is within 0.48 us of the instant, so its second
# and its microsecond come back exact. Past it ``timestamp()`` itself may round an instant just before a
# whole second up to it (8024-09-27 08:24:49.999993 gives 191069137490.0): such a time is compared.
_EXACT_BELOW = 2.0 ** 32


def packed_item(item_id: int, entity: str, record_id: int, name: Any, data: Mapping[str, Any], created_at: str,
                private: Mapping[str, Any], *, printed_from_at: bool = False) -> Mapping[str, Any] | None:
    """What ``to_text(item, item_drops(item))`` stores for the item Timeline builds from these (``id``,
    the owner's fields, ``action_data: {}``, then ``data``, then ``created_at``, then ``private``: the
    owner, entity, record id and ``_at``), made without building the item and comparing every field.

    ``data``'s values must read back as themselves (:func:`fssim.strictjson.reads_back_as_itself`).
    ``printed_from_at``: ``created_at`` is :func:`fssim.clock.isoformat` of the very instant whose
    ``timestamp()`` is ``private["_at"]`` (as Timeline writes items); then it is the derived text unless
    that float lies within a microsecond of the next second or past 2**32 seconds, and is not printed again
    to compare.
    None when ``data`` sets the item's ``id``, a ``created_at`` or a private field, or the owner is not
    a lead or contact: then the item is built and packed whole (``tests/freshsales/test_fs_compact.py``
    holds the two ways to the same result)."""
    if "id" in data or "created_at" in data or entity not in ENTITY_TYPES or type(record_id) is not int \
            or type(item_id) is not int or type(private.get("_at")) is not float or _any_private(data):
        return None
    public: Doc = {"id": item_id}
    if _ITEM_FIELD_SET.isdisjoint(data):  # a page view or an event: only the owner's name is kept
        public["targetable_name"] = name
    else:  # a field set by ``data`` is kept in its place unless it is the value derived anyway
        kind = ENTITY_TYPES[entity]
        for key in _ITEM_FIELDS:
            if key not in data:
                if key == "targetable_name":
                    public[key] = name
                continue
            value = data[key]
            # What _derived_item derives for the field, worked out for the fields data sets only (a
            # record's create and update items set one or two): no dict of all six made per item.
            if key == "composite_id":
                default: Any = f"{kind}-{record_id}-{item_id}"
            elif key == "user_activity" or key == "automation":
                default = False
            elif key == "targetable_name":
                default = _ABSENT
            else:
                default = kind if key.endswith("_type") else record_id
            if value is not default and (type(value) is not type(default) or value != default):
                public[key] = value
    public["action_data"] = {}
    for key, value in data.items():
        if key not in _ITEM_FIELD_SET:
            public[key] = value
    at = private["_at"]
    # fromtimestamp(at) lands on at's own second unless rounding to microseconds carries it over.
    if not (printed_from_at and -_EXACT_BELOW < at < _EXACT_BELOW and at - math.floor(at) < _CARRY) \
            and created_at != _created_at(at):
        public["created_at"] = created_at  # not the time ``_at`` says: kept, as to_text keeps it
    return _as_text(public, private)


# A record's "created" item's data: the same for every lead (or contact) but for its owner, id and time.
_CREATED = {entity: {"name": f"{kind} created"} for entity, kind in ENTITY_TYPES.items()}


def created_data(entity: str) -> dict[str, Any]:
    """The data of a lead's or contact's "created" item (as :meth:`Timeline.record` is given it)."""
    return {"action_type": "create", "user_activity": True, "action_data": dict(_CREATED[entity])}


def packed_created(item_id: int, entity: str, record_id: int, name: Any, created_at: str,
                   private: Mapping[str, Any], *, printed_from_at: bool = False) -> Mapping[str, Any] | None:
    """:func:`packed_item` of a lead's or contact's "created" item (:func:`created_data`), without the walk
    of its fields: of the fields it could set, it sets only ``user_activity`` (``True``, never what is
    derived), so it keeps its owner's name, that flag, its ``action_data`` and ``action_type``, in that
    order (issue 12: the walk was a fifth of a REST create's item). None as :func:`packed_item` (an owner
    that is not a lead or contact, or when json cannot write the item)."""
    label = _CREATED.get(entity)
    if label is None or type(record_id) is not int or type(item_id) is not int or type(private.get("_at")) is not float:
        return None
    # The key order packed_item makes: id, the owner's fields data sets or keeps, action_data, then data's.
    public: Doc = {"id": item_id, "targetable_name": name, "user_activity": True, "action_data": label,
                   "action_type": "create"}
    at = private["_at"]
    # As packed_item: the time is kept only when it is not the one ``_at`` prints.
    if not (printed_from_at and -_EXACT_BELOW < at < _EXACT_BELOW and at - math.floor(at) < _CARRY) \
            and created_at != _created_at(at):
        public["created_at"] = created_at
    return _as_text(public, private)  # stored as text: the shared label dict is read, never kept


def CompactTimeline(collection: Collection) -> CompactCollection:
    """The timeline items' collection (``fs_activities``), packed as :func:`pack_item` packs."""
    return CompactCollection(collection, item_drops, unpack_item)
