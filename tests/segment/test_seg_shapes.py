"""The control API's JSON carries exactly the keys the Segment shapes declare, in a fixed order.

The shapes (``fssim.segment.shapes``) are TypedDicts over the very documents the control API returns,
so a key added to the JSON without the shape (or the other way round) fails here, and so does a change
to the order of keys a user reads in ``GET /_sim/events`` and ``GET /_sim/deliveries``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from fssim.harness import Fssim
from fssim.segment.shapes import (
    Attempt,
    ConnectedDestination,
    DeliveryEntry,
    DestinationSummary,
    EventEntry,
    FlushResult,
    RoutedDelivery,
    SourceView,
)


def _fits(value: Mapping[str, Any], shape: Any) -> None:
    keys = set(value)
    assert shape.__required_keys__ <= keys, f"{shape.__name__} misses {sorted(shape.__required_keys__ - keys)}"
    extra = keys - shape.__required_keys__ - shape.__optional_keys__
    assert not extra, f"{shape.__name__} does not declare {sorted(extra)}"


@pytest.fixture
def busy(fssim: Fssim) -> Fssim:
    """A little of everything: delivered, retried, filtered, discarded, dropped and duplicate messages."""
    fssim.connect("acme", source="web")
    fssim.identify("ada@example.com", {"firstName": "Ada"})
    fssim.send({"type": "screen", "userId": "ada@example.com", "name": "Home"})
    fssim.send({"type": "identify"})                                          # no userId: discarded
    fssim.send({"type": "track", "userId": "ada@example.com", "event": "X", "messageId": "fssim-1"})
    fssim.call("POST", "/v1/batch", {"batch": [{"type": "identify", "userId": "x@example.com"}]},
               auth=("no-such-key", ""))                                      # dropped
    fssim.fail("acme", status=503, count=1, retry_after=60)
    fssim.identify("grace@example.com", {"firstName": "Grace"})
    fssim.flush()
    fssim.advance(120)
    fssim.flush()
    return fssim


def test_event_log_entries_have_the_event_shape(busy: Fssim) -> None:
    events = busy.call("GET", "/_sim/events")["events"]
    assert {event["status"] for event in events} == {"accepted", "discarded", "duplicate", "dropped"}
    for event in events:
        _fits(event, EventEntry)
        for routed in event["destinations"]:
            _fits(routed, RoutedDelivery)
    assert list(events[0]) == ["id", "message_id", "type", "user_id", "anonymous_id", "event", "received_at",
                               "path", "source", "status", "code", "reason", "warnings", "destinations", "message"]
    assert list(events[0]["destinations"][0]) == ["destination", "delivery_id", "status", "reason", "code"]


def test_delivery_log_entries_and_attempts_have_their_shapes(busy: Fssim) -> None:
    deliveries = busy.call("GET", "/_sim/deliveries")["deliveries"]
    assert {delivery["status"] for delivery in deliveries} == {"delivered", "filtered"}
    for delivery in deliveries:
        _fits(delivery, DeliveryEntry)
        for attempt in delivery["attempts"]:
            _fits(attempt, Attempt)
    retried = next(delivery for delivery in deliveries if len(delivery["attempts"]) == 2)
    assert list(retried) == ["id", "message_id", "type", "user_id", "anonymous_id", "event", "event_id", "source",
                             "destination", "destination_type", "destination_id", "subdomain", "created_at",
                             "attempts", "message", "status", "code", "reason", "due", "deadline",
                             "next_attempt_at", "finished_at"]
    assert list(retried["attempts"][0]) == ["number", "at", "status_code", "message", "response", "duration_ms"]
    filtered = next(delivery for delivery in deliveries if delivery["status"] == "filtered")
    assert "deadline" not in filtered and "finished_at" not in filtered


def test_sources_destinations_and_flush_have_their_shapes(fssim: Fssim) -> None:
    fssim.account("acme")
    fssim.source("web")
    connected = fssim.call("POST", "/_sim/sources/web/destinations",
                           {"type": "freshsales", "api_key": "acme-api-key", "subdomain": "acme"})
    _fits(connected["destination"], ConnectedDestination)
    (source,) = fssim.call("GET", "/_sim/sources")["sources"]
    _fits(source, SourceView)
    _fits(source["destinations"][0], DestinationSummary)
    assert list(source) == ["name", "write_key", "kind", "enabled", "created_at", "destinations"]
    _fits(fssim.flush(), FlushResult)
