"""How leads and contacts are found without reading them: the indexes kept over their collection.

Three indexes, each kept in step by the store on every write of a record (``fs_records``):

* **by owner**, ordered by the default sort (``created_at``, ties by id), so a page of a list view is a
  slice (``views.list_page``) and a count is a length;
* **by email**, a :class:`~fssim.indexes.LookupIndex` from (account, normalized email) straight to the
  record's :class:`~fssim.freshsales.shapes.Target`: leads and contacts share one email namespace (R4),
  any of a contact's emails counts, and a lookup reads and decodes no stored document (among 100,000
  leads every hop from index to stored text was a cache miss: issue 2). About 75 bytes a lead: the Target
  and its display name, less the (account, email) key tuple;
* **by external id**, the same for R6 (a message whose userId is a database id, not an email).

Their key functions run on every write of a record, so each is written to make as few calls as it can.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fssim.freshsales.compact import CompactCollection
from fssim.freshsales.shapes import Target
from fssim.freshsales.views import DEFAULT_SORT, sort_value
from fssim.indexes import LookupIndex, SortedIndex
from fssim.integration.emails import normalize_email

__all__ = ["RecordIndexes", "emails_of", "target_of"]


class RecordIndexes:
    """The records' three indexes over ``documents``, built once with the collection."""

    def __init__(self, documents: CompactCollection) -> None:
        self.by_owner: SortedIndex = documents.sorted_index(_owner_keys, _created_order)
        self.by_email: LookupIndex[Target] = documents.lookup_index(_email_keys, target_of)
        self.by_external_id: LookupIndex[Target] = documents.lookup_index(_external_id_keys, target_of)


def emails_of(doc: Mapping[str, Any]) -> list[str]:
    """A record's emails as stored: a contact's list of them, or a lead's one."""
    if doc.get("_entity") == "contact":
        return [entry["value"] for entry in doc.get("emails", [])]
    return [doc["email"]] if doc.get("email") else []


_new_tuple = tuple.__new__


def target_of(doc: Mapping[str, Any]) -> Target:
    """The record as something to attach activities to; also the lookup indexes' answer of each record
    (only :class:`~fssim.freshsales.records.Records` writes ``fs_records``). Made by tuple's own
    ``__new__``: the named tuple's is a Python function, one more call per Target on every write."""
    return _new_tuple(Target, (doc["_account"], doc["_entity"], doc["id"], doc.get("display_name")))


def _owner_keys(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(doc["_account"], doc["_entity"])]


def _email_keys(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The email index's keys of a record: (account, normalized email) for each of its emails. A lead's
    one email without the calls of a contact's list (every write of a record computes these)."""
    if doc.get("_entity") != "contact":
        email = doc.get("email")
        return [(doc["_account"], normalize_email(email))] if email else []
    return [(doc["_account"], normalize_email(e)) for e in emails_of(doc)]


def _external_id_keys(doc: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The external id index's key of a record: (account, its external_id as stored), if it has one."""
    external_id = doc.get("external_id")
    return [] if external_id is None else [(doc["_account"], external_id)]


def _created_order(doc: Mapping[str, Any]) -> Any:
    """``sort_value(doc, DEFAULT_SORT)``, computed on every write of a record: its ``created_at`` is text
    (lower-cased, as sort_value does), read here without the two calls that find a field by its name."""
    value = doc.get(DEFAULT_SORT)  # not a custom field's name: sort_value reads it with doc.get too
    return value.lower() if type(value) is str else sort_value(doc, DEFAULT_SORT)
