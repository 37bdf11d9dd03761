"""A REST answer's text is json's, byte for byte, whichever encoder writes it (rest/answer_text.py).

The property runs over values built to hit every difference between orjson and json: floats of every
size (exponents, NaN, infinities), integers past 64 bits, non-ASCII text, DEL and control characters,
lone surrogates, tuples, keys that are not strings, subclasses. The counted test pins which encoder a
lead's create and read use (issue 12: json's C encoder was about a tenth of a REST call's instructions).
"""

from __future__ import annotations

import enum
import json
from collections import Counter
from typing import Any

import pytest
from fs_helpers import count_calls
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales.rest import answer_text as module
from fssim.freshsales.rest.answer_text import answer_text


class Text(str):
    pass


class Number(int):
    pass


class Colour(enum.IntEnum):
    NONE = 0
    RED = 1


_TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("\x00\x1f\x7f\"\\/é\u2028"), max_size=6)
_SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63 - 2, max_value=2**64 + 2)
            | st.floats() | st.sampled_from([0.0, -0.0, 1e-5, 1e-7, 1e16, 1e-4, 123.5]) | _TEXT
            | st.sampled_from(["\ud800", Text("sub"), Text(""), Number(3), Number(0), Colour.RED, Colour.NONE]))
_KEYS = _TEXT | st.sampled_from(["id", "links", ""]) | st.integers(-3, 3) | st.just(Text("k"))
_VALUES = st.recursive(_SCALARS, lambda inner: (st.lists(inner, max_size=4) | st.tuples(inner, inner)
                                                | st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=12)


def _json(value: Any) -> bytes | type[Exception]:
    try:
        return json.dumps(value, separators=(",", ":")).encode()
    except (TypeError, ValueError) as error:
        return type(error)


@settings(max_examples=1500)
@given(value=_VALUES)
def test_the_answer_text_is_jsons_byte_for_byte(value: Any) -> None:
    expected = _json(value)
    if isinstance(expected, bytes):
        assert answer_text(value) == expected
    else:
        with pytest.raises(expected):
            answer_text(value)


@pytest.mark.parametrize("value", [
    {"a": 1e-6}, {"a": 1e-5}, {"a": float("nan")}, {"a": [float("inf")]}, {"a": "\x7f"}, {"a": "é"},
    {"a": 2**64}, {1: 2}, {"a": (1, 2)}, {"a": Colour.RED}, {"a": {"b": [Text("x")]}}, [{"a": "\ud800"}],
    {"lead": {"id": 7, "first_name": "Ada", "tags": [], "custom_field": {}, "lead_score": 0, "links": {"a": "/x"}}},
])
def test_each_known_difference_is_written_as_json_writes_it(value: Any) -> None:
    assert answer_text(value) == _json(value)


@pytest.fixture
def json_writes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    return count_calls(monkeypatch, module, "_json", key="json")


def test_a_leads_create_and_read_are_written_by_orjson(
        sim: Simulator, client: TestClient, json_writes: Counter[str]) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    headers = {"Authorization": "Token token=acme-key"}
    made = client.post("/api/leads", json={"lead": {"email": "ada@example.com", "first_name": "Ada",
                                                    "tags": ["vip"]}}, headers=headers)
    read = client.get(f"/api/leads/{made.json()['lead']['id']}", headers=headers)
    assert (made.status_code, read.status_code) == (201, 200)
    assert read.content == _json(made.json())
    assert json_writes == Counter()  # before: json's encoder wrote both answers
    accented = client.post("/api/leads", json={"lead": {"email": "zoe@example.com", "first_name": "Zoé"}},
                           headers=headers)
    assert accented.status_code == 201 and b"Zo\\u00e9" in accented.content
    assert json_writes == Counter(json=1)  # non-ASCII text: json's escapes, as before


@settings(max_examples=500)
@given(value=_VALUES)
def test_a_value_vouched_plain_is_written_as_json_writes_it(value: Any) -> None:
    """``Plain`` skips the walk, not the other checks: text past ASCII, DEL, what orjson refuses."""
    assume((type(value) is dict and module._plain(value.values())) or (type(value) is list and module._plain(value)))
    assert answer_text(module.Plain(value)) == _json(value)
