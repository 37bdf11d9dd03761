"""An :class:`~fssim.indexes.Index` keeps a lone id per key without a set (issue 12: memory per lead); it
must answer exactly as a dict of sets would, whatever documents come and go."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fssim.indexes import Index

_STEPS = st.lists(st.tuples(st.booleans(), st.integers(1, 6), st.sampled_from(["a", "b", "c"])), max_size=40)


@given(_STEPS)
def test_an_index_answers_like_a_dict_of_sets(steps: list[tuple[bool, int, str]]) -> None:
    index = Index(lambda doc: [doc["key"]])
    model: dict[str, set[int]] = {}
    stored: dict[int, str] = {}
    for adding, doc_id, key in steps:
        if adding and doc_id not in stored:
            index.add({"key": key}, doc_id)
            model.setdefault(key, set()).add(doc_id)
            stored[doc_id] = key
        elif not adding and doc_id in stored:
            old = stored.pop(doc_id)
            index.remove({"key": old}, doc_id)
            model[old].discard(doc_id)
        for name in ("a", "b", "c"):
            expected = model.get(name, set())
            assert index.ids(name) == expected
            assert index.count(name) == len(expected)
            assert index.first(name) == (min(expected) if expected else None)
            assert (name in index) == bool(expected)
