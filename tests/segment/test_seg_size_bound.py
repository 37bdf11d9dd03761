"""The Tracking API skips encoding a batch's messages to check their size when the body's own bytes
bound how long they can print: that bound must hold for every body, whatever its spacing, escapes,
non-ASCII text and numbers, or a message over 32 KB would slip through."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fssim.segment import tracking
from fssim.strictjson import loads

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8))
json_values = st.recursive(scalars, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=4), children, max_size=4), max_leaves=25)


def _printed(raw: bytes) -> int:
    return len(tracking._COMPACT(loads(raw)))


@given(json_values, st.booleans(), st.sampled_from([None, 0, 2]))
def test_the_bound_holds_for_any_spacing_and_escapes(value: Any, ascii_only: bool, indent: int | None) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode()
    assert _printed(raw) <= tracking._printed_at_most(raw)


def test_the_bound_holds_for_the_texts_that_print_longest() -> None:
    bodies = [b"[1e15,-1E+15,9e15,1e5,0e0,1.5e300,-1e-300]", '["\u00e9\u20ac\U0001f600", "\x7f"]'.encode(),
              b'{"\\u00e9": "\\ud83d\\ude00", "a" : [ 1 , 2 ] }']
    for raw in bodies:
        assert _printed(raw) <= tracking._printed_at_most(raw), raw


def test_a_large_message_is_still_refused_when_the_body_is_small() -> None:
    # 4,200 short floats print 8 bytes each ("100000.0"): over 32 KB from a body of about 17 KB.
    raw = json.dumps({"batch": [{"type": "track", "properties": {"n": []}}]}).encode()
    raw = raw.replace(b"[]", b"[" + b",".join([b"1e5"] * 4200) + b"]")
    body = loads(raw)
    assert len(raw) < tracking.MAX_MESSAGE_BYTES < len(tracking._COMPACT(body["batch"][0]))
    try:
        tracking._batch_items(body, raw)
    except tracking.TrackingError as refused:
        assert refused.code == "message_too_large"
    else:
        raise AssertionError("a message over 32 KB was accepted")
