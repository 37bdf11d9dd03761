"""Delivery to a *remote* destination, played by httpx.MockTransport: routing, the retry policy,
the delivery log and its codes. End-to-end delivery to the real receiver is in test_seg_e2e_*.py.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable

import httpx
import pytest
from starlette.testclient import TestClient

from fssim.clock import parse_iso
from fssim.segment import Segment
from fssim.segment.delivery import backoff_seconds, classify_status

AUTH = {"Authorization": "Basic " + base64.b64encode(b"web-key:").decode()}
REMOTE = "https://receiver.example.test"


class Remote:
    """A destination that answers from a script of statuses (then 200) and keeps what it received."""

    def __init__(self, *statuses: int | Exception) -> None:
        self.script = list(statuses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.script.pop(0) if self.script else 200
        if isinstance(outcome, Exception):
            raise outcome
        return httpx.Response(outcome, json={"message": f"answered {outcome}"})

    def messages(self) -> list[dict[str, object]]:
        return [json.loads(r.content) for r in self.requests]


@pytest.fixture
def connect(segment: Segment) -> Callable[..., Remote]:
    def make(*statuses: int | Exception) -> Remote:
        remote = Remote(*statuses)
        segment.set_transport(httpx.MockTransport(remote), REMOTE)
        segment.add_destination("web", "freshsales", "secret-key", "acme")
        return remote

    return make


def send(tracking: TestClient, *messages: dict[str, object]) -> None:
    assert tracking.post("/v1/batch", json={"batch": list(messages)}, headers=AUTH).status_code == 200


def flush(segment: Segment) -> dict[str, object]:
    return asyncio.run(segment.flush())


def drain(segment: Segment, step: float = 600) -> None:
    """Advance simulated time and flush until no delivery is waiting (bounded)."""
    for _ in range(200):
        flush(segment)
        if segment.deliveries.open_count() == 0:
            return
        segment.clock.advance(step)
    raise AssertionError("deliveries still open after 200 rounds")


def test_one_post_per_message_with_the_partner_contract_headers(segment: Segment, tracking: TestClient,
                                                                connect: Callable[..., Remote]) -> None:
    remote = connect()
    send(tracking, {"type": "identify", "userId": "ada@example.com", "traits": {"firstName": "Ada"}},
         {"type": "track", "userId": "ada@example.com", "event": "Signed Up"})
    assert flush(segment)["tried"] == 2
    first = remote.requests[0]
    assert str(first.url) == REMOTE + "/integrations/segment"
    assert first.headers["authorization"] == "Basic " + base64.b64encode(b"secret-key:").decode()
    assert json.loads(base64.b64decode(first.headers["x-segment-settings"])) == {"subdomain": "acme"}
    assert first.headers["user-agent"] == "Segment.io/1.0"
    assert first.headers["content-type"] == "application/json"
    assert [m["type"] for m in remote.messages()] == ["identify", "track"]
    assert remote.messages()[0]["traits"] == {"firstName": "Ada"}
    assert all(d["status"] == "delivered" and d["code"] == "success.200" for d in segment.delivery_log({}))


def test_403_is_discarded_at_once_with_the_receivers_reason(segment: Segment, tracking: TestClient,
                                                           connect: Callable[..., Remote]) -> None:
    remote = connect(403)
    send(tracking, {"type": "identify", "userId": "u1"})
    flush(segment)
    segment.clock.advance(5 * 3600)
    flush(segment)
    [delivery] = segment.delivery_log({})
    assert (delivery["status"], delivery["code"], delivery["reason"]) == (
        "discarded", "errors.discarded.403", "answered 403")
    assert len(remote.requests) == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_retryable_answers_are_retried_until_success_and_delivered_once(
    segment: Segment, tracking: TestClient, connect: Callable[..., Remote], status: int
) -> None:
    remote = connect(status, status, status)
    send(tracking, {"type": "track", "userId": "u1", "event": "E"})
    flush(segment)
    [waiting] = segment.delivery_log({})
    assert waiting["status"] == "awaiting-retry"
    assert waiting["code"] == f"errors.awaiting-retry.{status}"
    flush(segment)  # not due yet: the clock has not moved
    assert len(remote.requests) == 1
    drain(segment)
    [delivered] = segment.delivery_log({})
    assert delivered["status"] == "delivered"
    assert [a["status_code"] for a in delivered["attempts"]] == [status, status, status, 200]
    assert len(remote.requests) == 4
    assert len({m["messageId"] for m in remote.messages()}) == 1


def test_retries_stop_after_4_hours_of_simulated_time(segment: Segment, tracking: TestClient,
                                                      connect: Callable[..., Remote]) -> None:
    connect(*([500] * 1000))
    send(tracking, {"type": "track", "userId": "u1", "event": "E"})
    drain(segment, step=300)
    [failed] = segment.delivery_log({})
    assert failed["status"] == "failed"
    assert failed["code"] == "errors.retries-exhausted.500"
    span = parse_iso(failed["attempts"][-1]["at"]) - parse_iso(failed["attempts"][0]["at"])
    assert span.total_seconds() >= 4 * 3600 - 1
    assert 5 <= len(failed["attempts"]) < 40


def test_connection_errors_and_timeouts_are_retried_with_node_style_codes(
    segment: Segment, tracking: TestClient, connect: Callable[..., Remote]
) -> None:
    connect(httpx.ConnectError("Connection refused"), httpx.ReadTimeout("timed out"))
    send(tracking, {"type": "identify", "userId": "u1"})
    flush(segment)
    assert segment.delivery_log({})[0]["code"] == "errors.awaiting-retry.ECONNREFUSED"
    segment.clock.advance(3600)
    flush(segment)
    assert segment.delivery_log({})[0]["code"] == "errors.awaiting-retry.ETIMEDOUT"
    drain(segment)
    assert segment.delivery_log({})[0]["status"] == "delivered"


def test_screen_group_alias_are_filtered_with_a_reason_and_never_sent(segment: Segment, tracking: TestClient,
                                                                      connect: Callable[..., Remote]) -> None:
    remote = connect()
    send(tracking, {"type": "screen", "userId": "u1", "name": "Home"},
         {"type": "group", "userId": "u1", "groupId": "g"},
         {"type": "alias", "userId": "u1", "previousId": "a1"},
         {"type": "page", "userId": "u1", "name": "Home"})
    flush(segment)
    filtered = segment.delivery_log({"status": "filtered"})
    assert [d["type"] for d in filtered] == ["screen", "group", "alias"]
    assert all(d["code"] == "filtered.unsupported_type" and "does not accept" in d["reason"] for d in filtered)
    assert [m["type"] for m in remote.messages()] == ["page"]


def test_the_integrations_object_switches_the_destination_off_per_message(
    segment: Segment, tracking: TestClient, connect: Callable[..., Remote]
) -> None:
    remote = connect()
    send(tracking,
         {"type": "track", "userId": "u1", "event": "off-by-name", "integrations": {"Freshsales": False}},
         {"type": "track", "userId": "u1", "event": "off-by-all", "integrations": {"All": False}},
         {"type": "track", "userId": "u1", "event": "on-by-name",
          "integrations": {"All": False, "Freshsales": True}},
         {"type": "track", "userId": "u1", "event": "default"})
    flush(segment)
    assert [m["event"] for m in remote.messages()] == ["on-by-name", "default"]
    reasons = [d["reason"] for d in segment.delivery_log({"status": "filtered"})]
    assert "integrations.Freshsales is false" in reasons[0]
    assert "integrations.All is false" in reasons[1]


def test_delivery_log_filters(segment: Segment, tracking: TestClient, connect: Callable[..., Remote]) -> None:
    connect(403)
    segment.add_source("server", "server-key", "server")
    segment.add_destination("server", "freshsales", "secret-key", "acme")
    send(tracking, {"type": "identify", "userId": "u1"}, {"type": "identify", "anonymousId": "anon-2"})
    other = {"Authorization": "Basic " + base64.b64encode(b"server-key:").decode()}
    tracking.post("/v1/identify", json={"userId": "u3"}, headers=other)
    flush(segment)
    assert [d["user_id"] for d in segment.delivery_log({"source": "server"})] == ["u3"]
    assert [d["anonymous_id"] for d in segment.delivery_log({"user": "anon-2"})] == ["anon-2"]
    assert [d["user_id"] for d in segment.delivery_log({"status": "discarded"})] == ["u1"]
    assert len(segment.delivery_log({"destination": "freshsales"})) == 3
    assert segment.delivery_log({"destination": "mixpanel"}) == []
    with pytest.raises(ValueError, match="unknown filter"):
        segment.delivery_log({"colour": "red"})


def test_the_event_log_shows_each_deliverys_current_status(segment: Segment, tracking: TestClient,
                                                           connect: Callable[..., Remote]) -> None:
    connect(401)
    send(tracking, {"type": "identify", "userId": "u1"})
    assert segment.event_log({})[0]["destinations"][0]["status"] == "pending"
    flush(segment)
    routed = segment.event_log({})[0]["destinations"][0]
    assert (routed["destination"], routed["status"], routed["code"]) == (
        "Freshsales", "discarded", "errors.discarded.401")


def test_reading_the_event_log_leaves_the_stored_entries_as_written(segment: Segment, tracking: TestClient,
                                                                   connect: Callable[..., Remote]) -> None:
    connect(401)
    send(tracking, {"type": "identify", "userId": "u1"})
    flush(segment)
    [event] = segment.event_log({})
    assert event["destinations"][0]["status"] == "discarded"
    stored = segment.events.get(event["id"])
    assert stored is not None and stored["destinations"][0]["status"] == "pending"
    assert "code" not in stored["destinations"][0]


def test_a_source_without_destinations_says_so(segment: Segment, tracking: TestClient) -> None:
    send(tracking, {"type": "identify", "userId": "u1"})
    [event] = segment.event_log({})
    assert event["status"] == "accepted" and event["reason"] == "the source has no enabled destination"


def test_retry_policy_table() -> None:
    assert [classify_status(s) for s in (200, 202, 400, 401, 403, 404, 408, 429, 500, 501, 503)] == [
        "delivered", "delivered", "discard", "discard", "discard", "discard", "retry", "retry", "retry",
        "discard", "retry"]
    delays = [backoff_seconds(n, "m-1") for n in range(1, 9)]
    assert delays == [backoff_seconds(n, "m-1") for n in range(1, 9)]  # seeded jitter: repeatable
    assert delays[0] < delays[3] < delays[6]
    assert max(delays) <= 3600 * 1.2
    assert backoff_seconds(1, "m-1", retry_after=900) == 900


def test_each_attempt_goes_with_the_settings_its_destination_has_then(segment: Segment, tracking: TestClient,
                                                                       connect: Callable[..., Remote]) -> None:
    remote = connect()
    send(tracking, {"type": "identify", "userId": "u1"})
    flush(segment)  # the deliverer has looked the destination up (and keeps it)
    segment.add_destination("web", "freshsales", "rotated-key", "acme")  # connecting again updates its settings
    send(tracking, {"type": "identify", "userId": "u2"})
    flush(segment)
    assert [r.headers["authorization"] for r in remote.requests] == [
        "Basic " + base64.b64encode(key).decode() for key in (b"secret-key:", b"rotated-key:")]


def test_a_delivery_whose_destination_is_gone_is_discarded_for_its_settings(segment: Segment, tracking: TestClient,
                                                                             connect: Callable[..., Remote]) -> None:
    remote = connect()
    send(tracking, {"type": "identify", "userId": "u1"})
    flush(segment)
    send(tracking, {"type": "identify", "userId": "u2"})
    segment.workspace.destinations.clear()  # as in a --db file whose destination was removed by hand
    flush(segment)
    delivered, gone = segment.delivery_log({})
    assert delivered["status"] == "delivered" and len(remote.requests) == 1
    assert (gone["status"], gone["code"]) == ("discarded", "errors.discarded.INVALID_SETTINGS")
