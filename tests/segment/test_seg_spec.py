"""After acceptance: Spec discard codes, enrichment and de-duplication (reference/segment.md §1-2)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim.segment import Segment
from fssim.segment.spec import validate

AUTH = {"Authorization": "Basic " + base64.b64encode(b"web-key:").decode()}


def send(tracking: TestClient, *messages: dict[str, object], **batch: object) -> None:
    answer = tracking.post("/v1/batch", json={"batch": list(messages), **batch}, headers=AUTH)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"type": "identify", "traits": {}}, "no_user_anon_id"),
        ({"type": "identify", "userId": None, "anonymousId": None}, "no_user_anon_id"),
        ({"type": "identify", "userId": ""}, "id_not_string"),
        ({"type": "identify", "userId": 42}, "id_not_string"),
        ({"type": "track", "userId": "u1"}, "event_not_defined"),
        ({"type": "track", "userId": "u1", "event": 7}, "event_not_string"),
        ({"type": "track", "userId": "u1", "event": "E", "properties": [1]}, "properties_not_object"),
        ({"type": "identify", "userId": "u1", "traits": "ada"}, "traits_not_object"),
        ({"type": "page", "userId": "u1", "name": ""}, "name_not_string"),
        ({"type": "screen", "userId": "u1", "category": 3}, "category_not_string"),
        ({"type": "group", "userId": "u1"}, "group_id_not_defined"),
        ({"type": "alias", "userId": "u1"}, "id_required"),
        ({"type": "dance", "userId": "u1"}, "type_not_valid"),
        ({"userId": "u1"}, "type_not_valid"),
        ({"type": "identify", "userId": "u1", "messageId": "m" * 101}, "message_id_not_valid"),
        ("not an object", "message_not_object"),
    ],
)
def test_unusable_messages_are_answered_200_then_discarded_with_segments_code(
    tracking: TestClient, segment: Segment, message: object, code: str
) -> None:
    answer = tracking.post("/v1/batch", json={"batch": [message]}, headers=AUTH)
    assert answer.status_code == 200
    [event] = segment.event_log({})
    assert event["status"] == "discarded"
    assert event["code"] == code
    assert event["reason"]


def test_null_optional_fields_from_the_python_sdk_are_not_errors() -> None:
    sdk_page = {"type": "page", "userId": "u1", "anonymousId": None, "name": None, "category": None,
                "properties": {}, "context": {}, "integrations": {}}
    assert validate(sdk_page) is None


def test_valid_and_invalid_items_of_one_batch_are_judged_one_by_one(tracking: TestClient,
                                                                     segment: Segment) -> None:
    send(tracking, {"type": "track", "userId": "u1", "event": "A"}, {"type": "track", "userId": "u1"},
         {"type": "track", "userId": "u1", "event": "B"})
    assert [(e["status"], e["event"]) for e in segment.event_log({})] == [
        ("accepted", "A"), ("discarded", None), ("accepted", "B")]


def test_enrichment_adds_message_id_received_at_and_corrects_the_timestamp(tracking: TestClient,
                                                                            segment: Segment) -> None:
    now = segment.clock.now()
    device_clock_ahead = timedelta(minutes=10)
    called = now + device_clock_ahead - timedelta(seconds=30)
    sent = now + device_clock_ahead
    send(tracking, {"type": "track", "userId": "u1", "event": "E", "timestamp": called.isoformat()},
         sentAt=sent.isoformat())
    message = segment.event_log({})[0]["message"]
    assert message["messageId"]
    assert message["originalTimestamp"] == called.isoformat()
    received = segment.clock.now()
    assert message["receivedAt"].startswith(received.strftime("%Y-%m-%dT%H:%M:%S"))
    # The device was 10 minutes ahead; the corrected time is 30 s before arrival.
    corrected = (received - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S")
    assert message["timestamp"].startswith(corrected)
    assert message["channel"] == "browser"
    assert "writeKey" not in message


def test_a_message_without_timestamp_gets_the_server_time(tracking: TestClient, segment: Segment) -> None:
    send(tracking, {"type": "identify", "userId": "u1"})
    message = segment.event_log({})[0]["message"]
    assert message["timestamp"] == message["receivedAt"]


def test_an_unparseable_timestamp_is_accepted_with_a_warning(tracking: TestClient, segment: Segment) -> None:
    send(tracking, {"type": "identify", "userId": "u1", "timestamp": "yesterday"})
    [event] = segment.event_log({})
    assert event["status"] == "accepted"
    assert "yesterday" in event["warnings"][0]


def test_a_repeated_message_id_is_dropped_within_24_hours_of_simulated_time(tracking: TestClient,
                                                                            segment: Segment) -> None:
    message = {"type": "track", "userId": "u1", "event": "E", "messageId": "m-1"}
    send(tracking, message)
    segment.clock.advance(23 * 3600)
    send(tracking, message)
    segment.clock.advance(3600)
    send(tracking, message)
    assert [e["status"] for e in segment.event_log({"message_id": "m-1"})] == ["accepted", "duplicate", "accepted"]
    assert "24 h" in segment.event_log({"status": "duplicate"})[0]["reason"]


def test_dedupe_is_not_scoped_to_a_source(tracking: TestClient, segment: Segment) -> None:
    segment.add_source("server", "server-key", "server")
    send(tracking, {"type": "identify", "userId": "u1", "messageId": "shared"})
    other = {"Authorization": "Basic " + base64.b64encode(b"server-key:").decode()}
    tracking.post("/v1/identify", json={"userId": "u1", "messageId": "shared"}, headers=other)
    assert [e["status"] for e in segment.event_log({})] == ["accepted", "duplicate"]


identities = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")


@given(
    kind=st.sampled_from(["identify", "track", "page", "screen", "group", "alias"]),
    user=identities,
    anonymous=st.one_of(st.none(), identities),
    event=identities,
)
def test_every_spec_conforming_message_is_valid(kind: str, user: str, anonymous: str | None, event: str) -> None:
    message: dict[str, object] = {"type": kind, "userId": user, "anonymousId": anonymous}
    message |= {"track": {"event": event}, "group": {"groupId": event}, "alias": {"previousId": event}}.get(kind, {})
    assert validate(message) is None


@pytest.mark.parametrize(
    ("timestamp", "sent_at", "kept"),
    [
        ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.000Z"),
        ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00.000Z"),
    ],
)
def test_a_skew_too_large_to_correct_keeps_the_callers_time_with_a_warning(
    tracking: TestClient, segment: Segment, timestamp: str, sent_at: str, kept: str
) -> None:
    send(tracking, {"type": "track", "userId": "u1", "event": "E", "timestamp": timestamp, "sentAt": sent_at})
    [event] = segment.event_log({})
    assert (event["status"], event["message"]["timestamp"]) == ("accepted", kept)
    assert "too far apart" in event["warnings"][0]


def test_a_time_that_cannot_be_shown_in_utc_is_treated_as_absent(tracking: TestClient, segment: Segment) -> None:
    send(tracking, {"type": "track", "userId": "u1", "event": "E", "timestamp": "0001-01-01T00:00:00+01:00"})
    [event] = segment.event_log({})
    assert event["message"]["timestamp"] == event["message"]["receivedAt"]
    assert "0001-01-01T00:00:00+01:00" in event["warnings"][0]


def test_every_event_log_entry_has_the_same_keys_whatever_its_status(tracking: TestClient,
                                                                      segment: Segment) -> None:
    send(tracking, {"type": "track", "userId": "u1", "event": "E", "messageId": "m"},
         {"type": "track", "userId": "u1", "event": "E", "messageId": "m"}, {"type": "track", "userId": "u1"})
    tracking.post("/v1/batch", json={"batch": []}, headers=AUTH)
    tracking.post("/v1/track", json={"userId": "u1", "event": "E"},
                  headers={"Authorization": "Basic " + base64.b64encode(b"unknown:").decode()})
    entries = segment.event_log({})
    assert [e["status"] for e in entries] == ["accepted", "duplicate", "discarded", "discarded", "dropped"]
    assert all(set(e) == set(entries[0]) for e in entries)
    assert all(e["warnings"] == [] for e in entries)
