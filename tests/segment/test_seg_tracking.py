"""The Tracking API's answers: auth forms, gzip, limits, bad JSON, unknown keys (reference/segment.md §2)."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from fssim.segment import Segment


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def identify(user: str = "ada@example.com", **extra: object) -> dict[str, object]:
    return {"type": "identify", "userId": user, "traits": {"email": user}, **extra}


def test_basic_auth_on_a_single_call_is_accepted_and_logged(tracking: TestClient, segment: Segment) -> None:
    answer = tracking.post("/v1/identify", json={"userId": "ada@example.com"}, headers=basic("web-key"))
    assert answer.status_code == 200
    assert answer.json() == {"success": True}
    [event] = segment.event_log({})
    assert (event["source"], event["status"], event["type"], event["user_id"]) == (
        "web", "accepted", "identify", "ada@example.com")


def test_write_key_in_the_body_and_bearer_plus_body_key_are_accepted(tracking: TestClient, segment: Segment) -> None:
    tracking.post("/v1/batch", json={"writeKey": "web-key", "batch": [identify("a@x.io")]})
    tracking.post("/v1/batch", json={"writeKey": "web-key", "batch": [identify("b@x.io")]},
                  headers={"Authorization": "Bearer some-oauth-token"})
    assert [e["user_id"] for e in segment.event_log({"status": "accepted"})] == ["a@x.io", "b@x.io"]


def test_basic_auth_without_the_colon_still_works(tracking: TestClient, segment: Segment) -> None:
    header = {"Authorization": "Basic " + base64.b64encode(b"web-key").decode()}
    assert tracking.post("/v1/track", json={"userId": "u1", "event": "Clicked"}, headers=header).status_code == 200
    assert segment.event_log({})[0]["source"] == "web"


def test_gzip_bodies_are_decompressed(tracking: TestClient, segment: Segment) -> None:
    body = gzip.compress(json.dumps({"batch": [identify(), identify("b@x.io")], "writeKey": "web-key"}).encode())
    answer = tracking.post("/v1/batch", content=body,
                           headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert answer.status_code == 200
    assert len(segment.event_log({"status": "accepted"})) == 2


def test_a_body_that_claims_gzip_but_is_not_is_a_400_naming_the_problem(tracking: TestClient,
                                                                        segment: Segment) -> None:
    headers = {"Content-Encoding": "gzip", **basic("web-key")}
    answer = tracking.post("/v1/batch", content=b'{"batch": []}', headers=headers)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_gzip"
    assert "gzip" in answer.json()["message"]
    assert segment.event_log({}) == []


def test_bad_json_is_a_400_with_code_and_message_and_nothing_is_stored(tracking: TestClient,
                                                                        segment: Segment) -> None:
    answer = tracking.post("/v1/batch", content=b'{"batch": [', headers=basic("web-key"))
    assert answer.status_code == 400
    body = answer.json()
    # Both keys: the Python SDK <= 2.3 retries a 400 whose JSON lacks "code" (reference/segment.md §3.7).
    assert body["success"] is False and body["code"] == "invalid_json" and "Invalid JSON" in body["message"]
    assert segment.event_log({}) == []
    assert tracking.post("/v1/batch", json={"batch": [identify()]}, headers=basic("web-key")).status_code == 200


def test_a_single_call_over_32_kb_is_a_400(tracking: TestClient, segment: Segment) -> None:
    big = identify(traits={"notes": "x" * (33 * 1024)})
    answer = tracking.post("/v1/identify", json=big, headers=basic("web-key"))
    assert answer.status_code == 400
    assert "Exceed payload limit" in answer.json()["message"]
    assert segment.event_log({}) == []


def test_a_batch_item_over_32_kb_or_a_batch_over_500_kb_is_a_400(tracking: TestClient, segment: Segment) -> None:
    one_big = {"batch": [identify(), identify(traits={"notes": "x" * (33 * 1024)})]}
    answer = tracking.post("/v1/batch", json=one_big, headers=basic("web-key"))
    assert answer.status_code == 400 and "batch[1]" in answer.json()["message"]
    many = {"batch": [identify(f"u{i}@x.io", traits={"notes": "y" * 20_000}) for i in range(30)]}
    answer = tracking.post("/v1/batch", json=many, headers=basic("web-key"))
    assert answer.status_code == 400 and "500 KB" in answer.json()["message"]
    assert segment.event_log({}) == []


def test_more_than_2500_messages_are_answered_200_but_dropped(tracking: TestClient, segment: Segment) -> None:
    batch = {"batch": [{"type": "track", "userId": "u", "event": "E"} for _ in range(2501)]}
    answer = tracking.post("/v1/batch", json=batch, headers=basic("web-key"))
    assert answer.status_code == 200
    dropped = segment.event_log({"status": "dropped"})
    assert len(dropped) == 2501 and dropped[0]["code"] == "batch_too_many_messages"
    assert segment.event_log({"status": "accepted"}) == []


def test_an_unknown_write_key_is_answered_200_and_logged_as_dropped(tracking: TestClient,
                                                                     segment: Segment) -> None:
    answer = tracking.post("/v1/track", json={"userId": "u1", "event": "E"}, headers=basic("nobody"))
    assert answer.status_code == 200 and answer.json() == {"success": True}
    [event] = segment.event_log({})
    assert event["status"] == "dropped" and event["code"] == "invalid_write_key"
    assert "no source has this write key" in event["reason"] and "'****body'" in event["reason"]  # masked


def test_strict_mode_answers_401_to_an_unknown_write_key() -> None:
    from fssim.clock import Clock
    from fssim.store import Database

    strict = Segment(Database(), Clock(frozen=True), strict=True)
    strict.add_source("web", "web-key")
    client = TestClient(Starlette(routes=strict.tracking_routes()))
    answer = client.post("/v1/track", json={"userId": "u1", "event": "E"}, headers=basic("nobody"))
    assert answer.status_code == 401
    assert answer.json()["code"] == "invalid_write_key" and "Unknown write key" in answer.json()["message"]
    assert client.post("/v1/track", json={"userId": "u1", "event": "E"}, headers=basic("web-key")).status_code == 200


def test_no_write_key_at_all_is_a_400(tracking: TestClient) -> None:
    answer = tracking.post("/v1/batch", json={"batch": [identify()]})
    assert answer.status_code == 400
    assert "invalid write key" in answer.json()["message"]


def test_batch_level_context_and_integrations_are_merged_into_each_item(tracking: TestClient,
                                                                         segment: Segment) -> None:
    body = {"batch": [identify(context={"ip": "1.2.3.4"}), identify("b@x.io", integrations={"All": True})],
            "context": {"ip": "9.9.9.9", "locale": "fr-FR"}, "integrations": {"All": False}}
    tracking.post("/v1/batch", json=body, headers=basic("web-key"))
    first, second = (e["message"] for e in segment.event_log({}))
    assert first["context"] == {"ip": "1.2.3.4", "locale": "fr-FR"}
    assert first["integrations"] == {"All": False}
    assert second["context"] == {"ip": "9.9.9.9", "locale": "fr-FR"}
    assert second["integrations"] == {"All": True}


def test_an_empty_batch_is_answered_200_and_logged(tracking: TestClient, segment: Segment) -> None:
    assert tracking.post("/v1/batch", json={"batch": []}, headers=basic("web-key")).status_code == 200
    [event] = segment.event_log({})
    assert event["code"] == "empty_batch"


@pytest.mark.parametrize("path", ["/v1/page", "/v1/screen", "/v1/group", "/v1/alias", "/v1/import"])
def test_every_call_path_exists(tracking: TestClient, segment: Segment, path: str) -> None:
    body = {"batch": [identify()]} if path == "/v1/import" else {"userId": "u1", "anonymousId": "a1",
                                                                 "groupId": "g1", "previousId": "p1"}
    assert tracking.post(path, json=body, headers=basic("web-key")).status_code == 200
    [event] = segment.event_log({})
    assert event["status"] == "accepted"
    assert event["type"] == ("identify" if path == "/v1/import" else path.removeprefix("/v1/"))


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_numbers_json_does_not_have_are_a_400_and_the_logs_stay_readable(tracking: TestClient, segment: Segment,
                                                                        number: str) -> None:
    # Python's json would take these (1e999 as inf); stored, they made every later log read fail.
    body = f'{{"userId": "u1", "event": "E", "properties": {{"x": {number}}}}}'.encode()
    answer = tracking.post("/v1/track", content=body, headers=basic("web-key"))
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_json" and number in answer.json()["message"]
    assert segment.event_log({}) == []
    tracking.post("/v1/track", json={"userId": "u1", "event": "After"}, headers=basic("web-key"))
    assert json.dumps(segment.event_log({}), allow_nan=False)  # what GET /_sim/events renders
