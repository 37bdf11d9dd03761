"""A REST body reads the same whichever parser reads it (rest/errors.py ``parse_json``; issue 12).

orjson reads most bodies, strictjson the rest; the property holds every value (types, key order,
repeated keys) and every refusal (its message) to what strictjson alone gives, over texts built to hit
their differences: integers past 64 bits, floats of every size, escapes and surrogates, byte order
marks, deep nesting, NaN and Infinity, text that is not JSON.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fssim import strictjson
from fssim.freshsales.errors import ValidationError
from fssim.freshsales.rest import errors
from fssim.freshsales.rest.errors import parse_json

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63 - 3, max_value=2**64 + 3)
    | st.integers(min_value=-2**63 - 3, max_value=-2**63 + 3)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=12)
_ODD = st.sampled_from([
    b'{"a":1,"b":2,"a":3}', b"NaN", b'{"a": Infinity}', b"1e999", b'"\\ud800"', b'"\\ud83d\\ude00"',
    b"\xef\xbb\xbf{}", b"\xff", b'{"a": [1,]}', b"[" * 101 + b"]" * 101, b"[" * 100 + b"]" * 100,
    b'"' + b"[" * 150 + b'"', b"123456789012345678901234567890", b"-0", b"-9223372036854775809", b"1E400",
    b"1e-400", b"{} x",
])
_TEXTS = st.one_of(_VALUES.map(lambda value: json.dumps(value).encode()),
                   _VALUES.map(lambda value: json.dumps(value, ensure_ascii=False, indent=1).encode()), _ODD)


def _same(left: Any, right: Any) -> bool:
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right) or (left != left and right != right)


def _strict(raw: bytes) -> Any:
    try:
        return strictjson.loads(raw)
    except strictjson.NotJSON as error:
        return f"The request body is not valid JSON: {error}"


@settings(max_examples=1500)
@given(raw=_TEXTS)
def test_a_body_reads_as_strictjson_reads_it(raw: bytes) -> None:
    expected = _strict(raw)
    if isinstance(expected, str) and expected.startswith("The request body is not valid JSON"):
        with pytest.raises(ValidationError) as refused:
            parse_json(raw)
        assert refused.value.messages == [expected]
    else:
        assert _same(parse_json(raw), expected)


def test_an_integer_just_below_64_bits_stays_an_integer() -> None:
    # orjson reads -2**63 - 1 (a minus and 19 digits) as a float; found by the property above.
    assert parse_json(b'{"n": -9223372036854775809}') == {"n": -9223372036854775809}
    assert type(parse_json(b"-9223372036854775809")) is int


@pytest.fixture
def strict_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    read: Counter[str] = Counter()
    original = strictjson.loads

    def counting(raw: Any, **options: Any) -> Any:
        read["strictjson"] += 1
        return original(raw, **options)

    monkeypatch.setattr(errors.strictjson, "loads", counting)
    yield read


def test_a_plain_body_is_read_once_by_orjson(strict_reads: Counter[str]) -> None:
    body = b'{"lead": {"first_name": "Ada", "email": "ada@example.com", "custom_field": {"cf_seats": 3}}}'
    assert parse_json(body) == {"lead": {"first_name": "Ada", "email": "ada@example.com",
                                         "custom_field": {"cf_seats": 3}}}
    assert strict_reads == Counter()  # before: strictjson read every body
    assert parse_json(b'{"id": 123456789012345678901234}') == {"id": 123456789012345678901234}
    assert strict_reads == Counter(strictjson=1)  # past 64 bits: strictjson's exact integer
