"""A :class:`~fssim.indexes.LookupIndex` keeps each key's answers (what a lookup returns, naming its
document) instead of ids; whatever documents come and go, it must answer exactly as a dict of sets of ids
would, with the answer of the lowest id, and drop a group once its last key goes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from hypothesis import given
from hypothesis import strategies as st

from fssim.indexes import LookupIndex


class Found(NamedTuple):
    id: int
    version: int


def _keys(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    # A document may name a key twice (a contact's emails differing only by case): one entry all the same.
    return [(doc["group"], key) for key in doc["keys"]]


_KEYS = st.lists(st.sampled_from(["a", "b", "c"]), max_size=3)
_STEPS = st.lists(st.tuples(st.integers(1, 6), st.sampled_from(["g", "h"]), _KEYS), max_size=80)


@given(_STEPS)
def test_a_lookup_index_answers_like_a_dict_of_sets(steps: list[tuple[int, str, list[str]]]) -> None:
    index = LookupIndex(_keys, lambda doc: Found(doc["id"], doc["version"]))
    stored: dict[int, dict[str, Any]] = {}
    for version, (doc_id, group, keys) in enumerate(steps):
        old = stored.pop(doc_id, None)
        if old is not None:  # a write of a stored document: remove the old, add the new (as Collection does)
            index.remove(old, doc_id)
        if keys or old is None:
            stored[doc_id] = {"id": doc_id, "version": version, "group": group, "keys": keys}
            index.add(stored[doc_id], doc_id)
        for group_name in ("g", "h"):
            for key in ("a", "b", "c"):
                holders = sorted(i for i, doc in stored.items() if doc["group"] == group_name and key in doc["keys"])
                assert index.ids((group_name, key)) == set(holders)
                expected = stored[holders[0]] if holders else None
                found = index.find(group_name, key)
                assert found == (None if expected is None else Found(expected["id"], expected["version"]))
    assert set(index._groups) == {doc["group"] for doc in stored.values() if doc["keys"]}
