"""Every API the simulator serves refuses what Python's json would take but JSON does not."""

from __future__ import annotations

import pytest
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
