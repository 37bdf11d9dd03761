"""Strict text (issue 10, defect 2): a lone UTF-16 surrogate or invalid UTF-8 is refused at every edge with a
400 naming where it is, so nothing stored can make a later answer fail, before or after a ``--db`` restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from fssim import strictjson
from fssim.app import Simulator, SimulatorConfig

JSON = {"Content-Type": "application/json"}
WEB = {"Authorization": "Basic d2ViLWtleTo=", **JSON}  # web-key:
# The escape form and the raw bytes ED A0 80 (what "\ud800" would be in UTF-8, which UTF-8 forbids).
ESCAPED = b'{"userId":"a@example.com","event":"\\ud800"}'
RAW = b'{"userId":"a@example.com","event":"\xed\xa0\x80"}'


@pytest.mark.parametrize(("raw", "words"), [
    (ESCAPED, "/event"),
    (RAW, "UTF-8"),
    (b'{"batch":[{"properties":{"a/b":["ok","\\uDFFF"]}}]}', "/batch/0/properties/a~1b/1"),
    (b'{"\\ud83d": 1}', "key"),
])
def test_loads_refuses_lone_surrogates_and_names_where(raw: bytes, words: str) -> None:
    with pytest.raises(strictjson.NotJSON) as caught:
        strictjson.loads(raw)
    assert words in str(caught.value)


def test_loads_keeps_real_astral_characters_and_escaped_backslashes() -> None:
    # A surrogate *pair* is one real character; "\\ud800" is a backslash and text, not a surrogate.
    assert strictjson.loads(b'{"e":"\\ud83d\\ude00","f":"\\\\ud800"}') == {"e": "\U0001f600", "f": "\\ud800"}
    assert strictjson.loads("{\"e\": \"\u00e9\"}".encode()) == {"e": "\u00e9"}


def _world(client: TestClient) -> None:
    assert client.post("/_sim/accounts", json={"subdomain": "acme", "api_key": "acme-key"}).status_code == 201
    assert client.post("/_sim/sources", json={"name": "web", "write_key": "web-key"}).status_code == 201
    assert client.post("/_sim/accounts/acme/segment/enable", json={"source": "web"}).status_code == 200


@pytest.mark.parametrize("raw", [ESCAPED, RAW])
@pytest.mark.parametrize(("path", "headers"), [
    ("/v1/track", WEB),
    ("/v1/batch", WEB),
    ("/integrations/segment", {"Authorization": "Basic YWNtZS1rZXk6", **JSON}),  # acme-key:
    ("/api/leads", {"Authorization": "Token token=acme-key", **JSON}),
    ("/_sim/accounts", JSON),
    ("/_sim/sources", JSON),
])
def test_every_edge_answers_400_and_every_log_and_state_answer_stays_readable(
        client: TestClient, path: str, headers: dict[str, str], raw: bytes) -> None:
    _world(client)
    body = raw if path != "/v1/batch" else b'{"batch":[' + raw + b"]}"
    answer = client.post(path, content=body, headers=headers)
    assert answer.status_code == 400, answer.text
    assert "surrogate" in answer.text or "UTF-8" in answer.text
    assert client.post("/_sim/flush").status_code == 200
    for read in ("/_sim/events", "/_sim/deliveries", "/_sim/state", "/_sim/sources", "/_sim/accounts"):
        assert client.get(read).status_code == 200, read
    assert client.get("/_sim/events").json()["count"] == 0


@pytest.mark.parametrize(("path", "body"), [
    ("/_sim/accounts", b'{"subdomain":"acme\\udc80","api_key":"k-123456"}'),
    ("/_sim/accounts", b'{"subdomain":"globex","api_key":"k\\ud800"}'),
    ("/_sim/sources", b'{"name":"ios","write_key":"\\udfff"}'),
])
def test_a_key_or_subdomain_with_a_surrogate_is_refused_before_anything_is_stored(
        client: TestClient, path: str, body: bytes) -> None:
    before = client.get("/_sim/state").json()
    answer = client.post(path, content=body, headers=JSON)
    assert answer.status_code == 400 and "surrogate" in answer.json()["message"]
    after = client.get("/_sim/state").json()
    assert after == before


def test_a_rest_field_with_a_surrogate_is_a_400_naming_the_field(client: TestClient) -> None:
    _world(client)
    answer = client.post("/api/leads", content=b'{"lead":{"first_name":"\\ud800","email":"x@example.com"}}',
                         headers={"Authorization": "Token token=acme-key", **JSON})
    assert answer.status_code == 400
    assert "/lead/first_name" in str(answer.json())


def test_nothing_stored_becomes_unreadable_across_a_db_restart(tmp_path: Path) -> None:
    db = tmp_path / "fssim.json"
    first = Simulator(SimulatorConfig(db_path=str(db), frozen_clock=True))
    try:
        client = TestClient(first.app)
        _world(client)
        good = client.post("/v1/identify", json={"userId": "ada@example.com", "traits": {"firstName": "Ad\u00e5"}},
                           headers=WEB)
        assert good.status_code == 200
        for poison in (ESCAPED, RAW):
            assert client.post("/v1/track", content=poison, headers=WEB).status_code == 400
        assert client.post("/_sim/accounts", content=b'{"subdomain":"x","api_key":"\\ud800"}',
                           headers=JSON).status_code == 400
        assert client.post("/_sim/flush").json()
    finally:
        first.close()
    assert db.stat().st_size > 0
    second = Simulator(SimulatorConfig(db_path=str(db), frozen_clock=True))
    try:
        client = TestClient(second.app)
        for read in ("/_sim/events", "/_sim/deliveries", "/_sim/state", "/_sim/sources", "/_sim/accounts"):
            assert client.get(read).status_code == 200, read
        events = client.get("/_sim/events").json()["events"]
        assert [e["type"] for e in events] == ["identify"]
        leads = client.get("/api/leads/filters", headers={"Authorization": "Token token=acme-key"})
        assert leads.status_code == 200
        assert client.get("/_sim/state").json()["freshsales"]["accounts"][0]["records"]["leads"] == 1
    finally:
        second.close()
