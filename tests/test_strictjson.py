"""Every API the simulator serves refuses what Python's json would take but JSON does not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim import strictjson

NOT_JSON = [b'{"a": NaN}', b'{"a": Infinity}', b'{"a": -Infinity}', b'{"a": 1e999}', b"[" * 100_000, b"\xff\xfe"]


@pytest.mark.parametrize("raw", NOT_JSON)
def test_loads_names_the_problem(raw: bytes) -> None:
    with pytest.raises(strictjson.NotJSON) as caught:
        strictjson.loads(raw)
    assert str(caught.value)


def test_loads_keeps_ordinary_numbers() -> None:
    assert strictjson.loads(b'{"a": 1.5e3, "b": -2, "c": [0.1]}') == {"a": 1500.0, "b": -2, "c": [0.1]}


@pytest.mark.parametrize("raw", NOT_JSON)
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v1/batch", {"Authorization": "Basic d2ViLWtleTo="}),
        ("/api/leads", {"Authorization": "Token token=acme-key"}),
        ("/_sim/accounts", {}),
        ("/_sim/clock/advance", {}),
    ],
)
def test_every_api_answers_400_json_and_keeps_running(client: TestClient, path: str, headers: dict[str, str],
                                                      raw: bytes) -> None:
    client.post("/_sim/accounts", json={"subdomain": "acme", "plan": "garden", "api_key": "acme-key"})
    answer = client.post(path, content=raw, headers={**headers, "Content-Type": "application/json"})
    assert answer.status_code == 400
    assert "JSON" in answer.text or "json" in answer.text
    assert answer.json()  # the error itself is JSON
    assert client.get("/_sim/health").json()["status"] == "ok"
    # Nothing was stored: the one account is still the only one, and no event was logged.
    assert [a["subdomain"] for a in client.get("/_sim/accounts").json()["accounts"]] == ["acme"]
    assert client.get("/_sim/events").json()["events"] == []


def _same(a: object, b: object) -> bool:
    """Equal, and of the same types all the way down (1 == 1.0 == True in Python; not here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return list(a) == list(b) and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


_leaves = (st.none() | st.booleans() | st.integers() | st.floats() | st.text()
           | st.sampled_from(["\ud800", "a\udfffb", (1, 2), float("nan"), float("inf")]))
_any_values = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner)
    | st.dictionaries(st.one_of(st.text(max_size=3), st.integers(0, 3), st.just("\ud800")), inner, max_size=3),
    max_leaves=12,
)


@given(value=_any_values)
def test_a_value_said_to_read_back_as_itself_does(value: object) -> None:
    """What fssim's in-process delivery relies on: a value it hands on instead of its text is exactly
    what strict parsing of the text would have given; any other value goes as text."""
    from fssim.wire import json_body

    try:
        parsed: object = strictjson.loads(json_body(value))
    except (strictjson.NotJSON, ValueError):
        parsed = strictjson.NotJSON
    if strictjson.reads_back_as_itself(value):
        assert _same(parsed, value)
    elif parsed is not strictjson.NotJSON:
        assert not _same(parsed, value)


def test_depth_past_the_limit_does_not_read_back_as_itself() -> None:
    deep: object = "x"
    for _ in range(strictjson.MAX_DEPTH):
        deep = [deep]
    assert strictjson.reads_back_as_itself(deep)
    assert not strictjson.reads_back_as_itself([deep])
    assert not strictjson.reads_back_as_itself({"a": [deep]})
