"""An SDK quirk worth a warning: identify traits sent only in ``context.traits``.

Some Segment-compatible SDKs do that. The Segment spec reads the top-level ``traits`` (and so does the
Freshsales destination), so the lead is created without names; the event log and the delivery's reason
say why, instead of leaving the user to guess.
"""

from __future__ import annotations

from seg_world import World

KEY = "fs-key-acme"
QUIRK = "traits were found only in context.traits"


def _connected(world: World) -> None:
    world.source("web", "web-key", "web")
    world.account("acme", KEY)
    world.enable_from_freshsales("acme", "web")


def test_traits_only_in_context_are_not_applied_and_both_logs_say_why(world: World) -> None:
    _connected(world)
    world.send("web-key", {"type": "identify", "userId": "ada@example.com",
                           "context": {"traits": {"firstName": "Ada", "lastName": "Lovelace"}}})
    world.flush()
    entity, lead = world.one(KEY, "ada@example.com")
    assert (entity, lead["first_name"], lead["last_name"]) == ("lead", None, None)  # the spec is kept
    [event] = world.events(type="identify")
    assert any(QUIRK in warning and "firstName, lastName" in warning for warning in event["warnings"])
    [delivery] = world.deliveries(type="identify")
    assert delivery["status"] == "delivered"
    assert QUIRK in delivery["reason"] and "firstName, lastName" in delivery["reason"]


def test_traits_in_both_places_raise_no_warning(world: World) -> None:
    _connected(world)
    traits = {"firstName": "Grace", "email": "grace@example.com"}
    world.send("web-key", {"type": "identify", "userId": "grace@example.com", "traits": traits,
                           "context": {"traits": traits}},
               {"type": "track", "userId": "grace@example.com", "event": "Clicked", "context": {"traits": traits}})
    world.flush()
    assert world.one(KEY, "grace@example.com")[1]["first_name"] == "Grace"
    assert all(event["warnings"] == [] for event in world.events())
    assert all(QUIRK not in delivery["reason"] for delivery in world.deliveries())
