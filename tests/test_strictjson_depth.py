"""``too_deep`` answers from a walk that builds no path, and builds one only for a body found too deep:
the same answer as the path-building walk for every value, deep or not."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fssim import strictjson

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=3),
                           lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.text(max_size=3), children, max_size=3),
                           max_leaves=30)


def _path_walk(value: Any, max_depth: int) -> str | None:
    return strictjson._first_too_deep(value, max_depth)


@given(json_values, st.integers(min_value=1, max_value=6))
def test_the_same_answer_as_the_walk_that_names_the_path(value: Any, max_depth: int) -> None:
    assert strictjson.too_deep(value, max_depth) == _path_walk(value, max_depth)


def test_a_deep_body_is_named_by_its_path_and_a_wide_one_passes() -> None:
    deep: Any = "leaf"
    for _ in range(strictjson.MAX_DEPTH):
        deep = {"a": [deep]}
    assert strictjson.too_deep(deep) == _path_walk(deep, strictjson.MAX_DEPTH) is not None
    wide = {"batch": [{"traits": {"n": n}, "context": {"library": {"name": "x"}}} for n in range(2500)]}
    assert strictjson.too_deep(wide) is None
