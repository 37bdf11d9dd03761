"""The receiver's 32 KB message limit: decided exactly as by json's compact UTF-8 text, though that
text is made only for a message that orjson's cheaper text does not show to be far within the limit."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fssim.integration import message as message_module
from fssim.integration.message import MAX_MESSAGE_BYTES, check_message


def _json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _message(properties: Any) -> dict[str, Any]:
    return {"type": "track", "userId": "u1", "event": "E", "messageId": "m1", "properties": properties}


# Floats print longer in json than in orjson ("1e-07" against "1e-7"), and strings past ASCII are
# several bytes a character: the two ways the texts' sizes part.
_LEAVES = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e-7, -1.2345678901234567e-308,
                                                                                       1e16, 5e-324]),
                    st.integers(), st.text(max_size=40), st.booleans(), st.none())


@settings(max_examples=60, deadline=None)
@given(leaf=_LEAVES, count=st.integers(0, 6000), extra=st.integers(0, 64))
def test_the_limit_is_decided_as_by_json_text(leaf: Any, count: int, extra: int) -> None:
    message = _message({"list": [leaf] * count, "pad": "x" * extra})
    problem = check_message(message)
    size = _json_size(message)
    if size > MAX_MESSAGE_BYTES:
        assert problem is not None and problem.message == (
            f"the message is {size} bytes; a Segment message may be at most 32 KB")
    else:
        assert problem is None


def test_a_small_message_is_not_measured_by_json(monkeypatch: Any) -> None:
    measured: list[Any] = []
    encode = message_module._compact_json
    monkeypatch.setattr(message_module, "_compact_json", lambda value: measured.append(value) or encode(value))
    assert check_message(_message({"plan": "pro", "seats": 3, "ratio": 0.25})) is None
    assert measured == []  # it was measured by json for every message
    floats = _message({"values": [-1.2345678901234567e-308] * 1600})  # 25 bytes each in json, 40 KB
    problem = check_message(floats)
    assert problem is not None and problem.message.startswith(f"the message is {_json_size(floats)} bytes")
    assert len(measured) == 1
