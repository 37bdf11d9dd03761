"""The receiver's answers written by orjson when the caller knows they hold no float: the very text
json (Starlette's JSONResponse rendering) writes, byte for byte."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fssim.integration import IgnoredTrait, Outcome, RecordRef
from fssim.wire import answer_text, json_answer

_floatless = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


@given(value=_floatless)
def test_a_floatless_value_is_written_as_json_writes_it(value: Any) -> None:
    """Every string (any code point), ints of any size (past 64 bits json writes them), None, booleans."""
    assert answer_text(value, floatless=True) == _json_text(value) == answer_text(value)


@given(reason=st.text(), trait=st.text(), record_id=st.integers(1, 2**70), changed=st.lists(st.text(), max_size=3),
       field=st.none() | st.text())
def test_an_outcome_answer_is_written_as_json_writes_it(reason: str, trait: str, record_id: int,
                                                       changed: list[str], field: str | None) -> None:
    body = Outcome("created", 200, reason, record=RecordRef("lead", record_id),
                   ignored=(IgnoredTrait(trait, reason),), changed=tuple(changed), field=field, rule="R4").to_json()
    assert answer_text(body, floatless=True) == _json_text(body)
    assert json_answer(body, 200, text=answer_text(body, floatless=True)).body == json_answer(body, 200).body
