"""The workspace control API: sources, Segment-side destinations, the logs' filters, flush; bad input
gets a JSON error naming the problem and changes nothing."""

from __future__ import annotations

import base64

import pytest
from starlette.testclient import TestClient

AUTH = {"Authorization": "Basic " + base64.b64encode(b"web-key:").decode()}


@pytest.fixture
def web(client: TestClient) -> TestClient:
    assert client.post("/_sim/sources", json={"name": "web", "write_key": "web-key", "kind": "web"}).status_code == 201
    return client


def test_a_source_is_created_and_listed_with_its_kind(web: TestClient) -> None:
    assert web.post("/_sim/sources", json={"name": "ios", "write_key": "ios-key", "kind": "mobile"}).status_code == 201
    sources = web.get("/_sim/sources").json()["sources"]
    # Write keys are masked in answers (all but the last 4 characters); the explicit endpoint shows one.
    assert [(s["name"], s["kind"], s["write_key"]) for s in sources] == [("web", "web", "****-key"),
                                                                         ("ios", "mobile", "****-key")]
    assert web.get("/_sim/sources/ios/write-key").json() == {"write_key": "ios-key"}


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"write_key": "k2"}, 400, "'name' is required"),
        ({"name": "other"}, 400, "'write_key' is required"),
        ({"name": "other", "write_key": "k2", "kind": "desktop"}, 400, "'kind' must be one of web, mobile, server"),
        ({"name": "web", "write_key": "k2"}, 409, "already exists"),
        ({"name": "other", "write_key": "web-key"}, 409, "write key already belongs"),
        ({"name": "has space", "write_key": "k2"}, 400, "source name"),
    ],
)
def test_bad_sources_are_refused_with_the_reason(web: TestClient, body: dict[str, str], status: int,
                                                 words: str) -> None:
    answer = web.post("/_sim/sources", json=body)
    assert answer.status_code == status
    assert words in answer.json()["message"]
    assert [s["name"] for s in web.get("/_sim/sources").json()["sources"]] == ["web"]


def test_not_json_is_a_400(web: TestClient) -> None:
    answer = web.post("/_sim/sources", content=b"{nope", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and "not valid JSON" in answer.json()["message"]


def test_a_segment_side_destination_is_created_once_and_updated_after(web: TestClient) -> None:
    body = {"type": "freshsales", "api_key": "key-1", "subdomain": "acme"}
    first = web.post("/_sim/sources/web/destinations", json=body)
    assert first.status_code == 201
    assert first.json()["destination"]["created_by"] == "segment"
    assert "key-1" not in first.text  # the API key is masked in answers
    again = web.post("/_sim/sources/web/destinations", json={**body, "api_key": "key-2", "subdomain": "beta"})
    assert again.status_code == 200
    [destination] = web.get("/_sim/sources").json()["sources"][0]["destinations"]
    assert destination["subdomain"] == "beta"


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/_sim/sources/nope/destinations", {"type": "freshsales", "api_key": "k", "subdomain": "s"}, 404,
         "no Segment source named 'nope'"),
        ("/_sim/sources/web/destinations", {"type": "mixpanel", "api_key": "k", "subdomain": "s"}, 400,
         "'type' must be one of freshsales"),
        ("/_sim/sources/web/destinations", {"type": "freshsales", "subdomain": "s"}, 400, "'api_key' is required"),
        ("/_sim/sources/web/destinations", {"type": "freshsales", "api_key": "k"}, 400, "'subdomain' is required"),
        ("/_sim/sources/web/destinations", {"type": ["freshsales"], "api_key": "k", "subdomain": "s"}, 400,
         "'type' must be one of freshsales"),
        ("/_sim/sources/web/destinations", {"type": {"a": 1}, "api_key": "k", "subdomain": "s"}, 400,
         "'type' must be one of freshsales"),
    ],
)
def test_bad_destinations_are_refused(web: TestClient, path: str, body: dict[str, str], status: int,
                                      words: str) -> None:
    answer = web.post(path, json=body)
    assert answer.status_code == status and words in answer.json()["message"]
    assert web.get("/_sim/sources").json()["sources"][0]["destinations"] == []


def test_log_filters_and_limit(web: TestClient) -> None:
    batch = [{"type": "track", "userId": f"u{i}", "event": "E"} for i in range(5)] + [{"type": "track"}]
    web.post("/v1/batch", json={"batch": batch}, headers=AUTH)
    assert web.get("/_sim/events", params={"user": "u3"}).json()["count"] == 1
    assert web.get("/_sim/events", params={"status": "discarded"}).json()["events"][0]["code"] == "no_user_anon_id"
    assert [e["user_id"] for e in web.get("/_sim/events", params={"limit": 2}).json()["events"]] == ["u4", None]
    assert web.get("/_sim/events", params={"colour": "red"}).status_code == 400
    assert "unknown filter colour" in web.get("/_sim/deliveries", params={"colour": "red"}).json()["message"]
    assert web.get("/_sim/deliveries", params={"limit": "many"}).status_code == 400


@pytest.mark.parametrize(
    ("path", "params", "words"),
    [
        ("/_sim/deliveries", {"status": "deliverd"}, "unknown status 'deliverd'; use pending, awaiting-retry"),
        ("/_sim/events", {"status": "delivered"}, "unknown status 'delivered'; use accepted, discarded"),
        ("/_sim/events", {"type": "Identify"}, "unknown type 'Identify'; use identify, track"),
    ],
)
def test_a_misspelt_status_or_type_is_a_400_naming_the_values(web: TestClient, path: str, params: dict[str, str],
                                                               words: str) -> None:
    """A typo must not look like an empty log."""
    answer = web.get(path, params=params)
    assert answer.status_code == 400 and words in answer.json()["message"]


def test_flush_with_nothing_due_returns_at_once(web: TestClient) -> None:
    assert web.post("/_sim/flush").json() == {"tried": 0, "open": 0}


def test_state_and_reset_cover_the_segment_side(web: TestClient) -> None:
    web.post("/v1/track", json={"userId": "u1", "event": "E"}, headers=AUTH)
    segment = web.get("/_sim/state").json()["segment"]
    assert segment["events"] == {"accepted": 1}
    assert [s["name"] for s in segment["sources"]] == ["web"]
    web.post("/_sim/reset")
    segment = web.get("/_sim/state").json()["segment"]
    assert segment["sources"] == [] and segment["events"] == {}
