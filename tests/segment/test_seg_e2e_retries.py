"""Segment's retries proven with simulated time, over real HTTP: the Freshsales receiver is forced to
answer 429 or 500 for a while, then succeeds, and every message lands exactly once (R10).
"""

from __future__ import annotations

from typing import Any

import pytest
from seg_world import World

pytestmark = pytest.mark.e2e

KEY = "fs-key-acme"
USERS = [f"user{i}@example.com" for i in range(5)]


@pytest.fixture
def connected(world: World) -> World:
    world.source("web", "web-key")
    world.account("acme", KEY)
    world.enable_from_freshsales("acme", "web")
    world.send("web-key", *({"type": "identify", "userId": u, "traits": {"lastName": u[:5]}} for u in USERS))
    world.flush()
    return world


def force(world: World, **rule: Any) -> None:
    world.ok(world.http.post("/_sim/accounts/acme/failures", json=rule))


def events_on_timelines(world: World) -> list[tuple[str, str]]:
    found = []
    for user in USERS:
        entity, record = world.one(KEY, user)
        found += [(user, a["action_data"]["name"]) for a in world.timeline(KEY, entity, record["id"])
                  if a["action_type"] == "event"]
    return sorted(found)


def test_429_for_the_next_deliveries_then_success_delivers_each_message_once(connected: World) -> None:
    force(connected, status=429, count=7)
    connected.send("web-key", *({"type": "track", "userId": u, "event": "Trial Started"} for u in USERS))
    connected.flush()
    waiting = connected.deliveries(status="awaiting-retry")
    assert len(waiting) == 5
    assert {d["code"] for d in waiting} == {"errors.awaiting-retry.429"}
    assert all(d["next_attempt_at"] for d in waiting)

    connected.drain(step=600)
    tracks = connected.deliveries(type="track")
    assert {d["status"] for d in tracks} == {"delivered"}
    attempts = [a["status_code"] for d in tracks for a in d["attempts"]]
    assert attempts.count(429) == 7 and attempts.count(200) == 5
    assert events_on_timelines(connected) == sorted((u, "Trial Started") for u in USERS)


def test_500_for_half_an_hour_of_simulated_time_then_success(connected: World) -> None:
    force(connected, status=500, seconds=1800)
    connected.send("web-key", *({"type": "track", "userId": u, "event": "Plan Upgraded"} for u in USERS))
    connected.flush()
    assert {d["code"] for d in connected.deliveries(type="track")} == {"errors.awaiting-retry.500"}
    connected.advance(600)
    connected.flush()
    assert {d["status"] for d in connected.deliveries(type="track")} == {"awaiting-retry"}
    connected.drain(step=600)
    tracks = connected.deliveries(type="track")
    assert {d["status"] for d in tracks} == {"delivered"}
    assert all(len(d["attempts"]) >= 2 for d in tracks)
    assert events_on_timelines(connected) == sorted((u, "Plan Upgraded") for u in USERS)


def test_a_receiver_down_for_longer_than_4_hours_fails_the_delivery_and_changes_nothing(connected: World) -> None:
    force(connected, status=503, seconds=6 * 3600)
    connected.send("web-key", {"type": "track", "userId": USERS[0], "event": "Lost"})
    connected.drain(step=1800)
    [delivery] = connected.deliveries(type="track")
    assert (delivery["status"], delivery["code"]) == ("failed", "errors.retries-exhausted.503")
    assert "4 hours" in delivery["reason"]
    assert events_on_timelines(connected) == []


def test_a_retried_delivery_is_not_duplicated_by_a_replay_of_the_same_message(connected: World) -> None:
    force(connected, status=429, count=1)
    message = {"type": "track", "userId": USERS[0], "event": "Once", "messageId": "retry-once"}
    connected.send("web-key", message)
    connected.flush()
    connected.send("web-key", message)  # the app re-sends while Segment is still retrying
    connected.drain(step=600)
    assert [e["status"] for e in connected.events(message_id="retry-once")] == ["accepted", "duplicate"]
    assert events_on_timelines(connected) == [(USERS[0], "Once")]
