"""Order as a stated, testable policy (issue 10, defect 3; docs/segment.md §6 "Order").

Before: with one forced 500, a batch's identify failed and its track was tried right behind it,
answered 202 "no lead", and Ada's timeline held only ``create``. Now, by default, a later message of
a user waits while an earlier one to the same destination awaits a retry; other users are not held up.
``unordered`` (seeded) brings the production behaviour back on request.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from seg_world import World

pytestmark = pytest.mark.e2e

KEY = "fs-key-acme"
AUTH = {"Authorization": "Basic " + base64.b64encode(b"web-key:").decode()}


@pytest.fixture
def connected(world: World) -> World:
    world.source("web", "web-key")
    world.account("acme", KEY)
    world.enable_from_freshsales("acme", "web")
    return world


def signup(world: World, *others: dict[str, Any]) -> None:
    world.ok(world.http.post("/_sim/accounts/acme/failures", json={"status": 500, "count": 1}))
    world.send("web-key", {"type": "identify", "userId": "ada@example.com", "traits": {"firstName": "Ada"}},
               {"type": "track", "userId": "ada@example.com", "event": "Signed Up"}, *others)


def actions(world: World, email: str) -> list[str]:
    entity, record = world.one(KEY, email)
    return [a["action_type"] for a in world.timeline(KEY, entity, record["id"])]


def test_a_track_waits_while_its_identify_awaits_a_retry(connected: World) -> None:
    signup(connected)
    assert connected.flush() == {"tried": 1, "open": 2, "held": 1}
    identify, track = connected.deliveries()
    assert (identify["status"], identify["code"]) == ("awaiting-retry", "errors.awaiting-retry.500")
    assert (track["status"], track["attempts"], track["held_by"]) == ("pending", [], identify["id"])
    assert f"waits for delivery {identify['id']}" in track["reason"]

    connected.advance(120)
    assert connected.flush()["open"] == 0
    identify, track = connected.deliveries()
    assert (identify["status"], track["status"], track["code"]) == ("delivered", "delivered", "success.200")
    assert track["held_by"] is None and "timeline" in track["reason"]
    assert actions(connected, "ada@example.com") == ["create", "event"]


def test_other_users_are_not_held_up(connected: World) -> None:
    signup(connected, {"type": "identify", "userId": "bob@example.com", "traits": {"firstName": "Bob"}},
           {"type": "track", "userId": "bob@example.com", "event": "Signed Up"})
    connected.flush()
    assert [(d["user_id"], d["status"]) for d in connected.deliveries()] == [
        ("ada@example.com", "awaiting-retry"), ("ada@example.com", "pending"),
        ("bob@example.com", "delivered"), ("bob@example.com", "delivered")]
    assert actions(connected, "bob@example.com") == ["create", "event"]


def test_an_anonymous_id_chains_a_page_to_the_identify_that_names_the_user(connected: World) -> None:
    connected.ok(connected.http.post("/_sim/accounts/acme/failures", json={"status": 503, "count": 1}))
    connected.send("web-key", {"type": "identify", "userId": "ada@example.com", "anonymousId": "anon-1",
                               "traits": {"firstName": "Ada"}},
                   {"type": "page", "anonymousId": "anon-1", "name": "Pricing"})
    assert connected.flush()["held"] == 1
    connected.advance(120)
    connected.flush()
    assert [d["status"] for d in connected.deliveries()] == ["delivered", "delivered"]


def test_unordered_mode_reproduces_a_track_that_beat_its_identify(connected: World) -> None:
    assert connected.ok(connected.http.get("/_sim/delivery-order")) == {"order": "ordered", "seed": 0}
    assert connected.ok(connected.http.post("/_sim/delivery-order", json={"order": "unordered", "seed": 0})) == \
        {"order": "unordered", "seed": 0}
    signup(connected)
    connected.flush()
    connected.advance(120)
    connected.flush()
    identify, track = connected.deliveries()
    assert (identify["status"], len(identify["attempts"])) == ("delivered", 2)
    assert (track["status"], track["code"]) == ("delivered", "success.202")
    assert "no lead or contact matches" in track["reason"]
    assert actions(connected, "ada@example.com") == ["create"]  # the track is lost
    assert connected.ok(connected.http.get("/_sim/state"))["segment"]["delivery_order"]["order"] == "unordered"

    connected.ok(connected.http.post("/_sim/reset"))
    assert connected.ok(connected.http.get("/_sim/delivery-order"))["order"] == "ordered"


@pytest.mark.parametrize("body", [{"order": "random"}, {"order": "unordered", "seed": "x"}, {}])
def test_a_bad_order_is_a_400_naming_the_choices(connected: World, body: dict[str, Any]) -> None:
    answer = connected.http.post("/_sim/delivery-order", json=body)
    assert answer.status_code == 400
    assert "order" in answer.json()["message"] or "seed" in answer.json()["message"]


def test_the_reproduce_story_says_what_was_lost_why_and_what_the_sender_can_do() -> None:
    from click.testing import CliRunner

    from fssim.cli import cli

    result = CliRunner().invoke(cli, ["reproduce", "event-beat-identify"])
    assert result.exit_code == 0, result.output
    text = result.output
    order = ["unordered (seed 0)", ". What was sent\n", "success.202", "no lead or contact matches",
             "Ada's timeline: ['create']", ". Why\n", "promises destinations", ". What the sender can do\n",
             "--delivery-order unordered", ". The fix working", "Grace's timeline: ['create', 'event']"]
    position = 0
    for part in order:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing after position {position}:\n{text}"
        position = found + len(part)
    assert "FAILED" not in text
