"""Each rule of DESIGN §2 end to end over real HTTP: Tracking API in, Segment delivery, the Freshsales
receiver, and the result read back through the Freshsales REST API (uvicorn on 127.0.0.1).
"""

from __future__ import annotations

from typing import Any

import pytest
from seg_world import World

pytestmark = pytest.mark.e2e

KEY = "fs-key-acme"


def identify(user: str, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user, "traits": traits}


def track(user: str, event: str, **properties: Any) -> dict[str, Any]:
    return {"type": "track", "userId": user, "event": event, "properties": properties}


def page(user: str, name: str, **properties: Any) -> dict[str, Any]:
    return {"type": "page", "userId": user, "name": name, "properties": properties}


@pytest.fixture
def connected(world: World) -> World:
    """Account 'acme' with the toggle switched on from Freshsales for source 'web' (R2)."""
    world.source("web", "web-key", "web")
    world.account("acme", KEY)
    world.enable_from_freshsales("acme", "web")
    return world


def test_r1_r2_data_not_accepted_story(world: World) -> None:
    """Destination enabled from Segment's side only -> every message discarded with 403 and the reason ->
    toggle switched on from Freshsales -> new messages land."""
    world.source("web", "web-key")
    world.account("acme", KEY)
    world.enable_from_segment("web", KEY, "acme")
    world.send("web-key", identify("ada@example.com", firstName="Ada"), track("ada@example.com", "Signed Up"),
               page("ada@example.com", "Pricing"))
    world.flush()
    refused = world.deliveries()
    assert [d["status"] for d in refused] == ["discarded"] * 3
    assert {d["code"] for d in refused} == {"errors.discarded.403"}
    assert all("toggle is off" in d["reason"] and "Admin Settings" in d["reason"] for d in refused)
    assert world.lookup(KEY, "ada@example.com") == {"leads": [], "contacts": []}
    # Discarded means final: moving time on does not bring them back.
    world.advance(5 * 3600)
    assert world.flush()["tried"] == 0

    world.enable_from_freshsales("acme", "web")
    world.send("web-key", identify("ada@example.com", firstName="Ada"), track("ada@example.com", "Signed Up"))
    world.flush()
    assert [d["status"] for d in world.deliveries(status="delivered")] == ["delivered", "delivered"]
    entity, lead = world.one(KEY, "ada@example.com")
    assert (entity, lead["first_name"]) == ("lead", "Ada")
    events = [a for a in world.timeline(KEY, "lead", lead["id"]) if a["action_type"] == "event"]
    assert [e["action_data"]["name"] for e in events] == ["Signed Up"]


def test_r2_toggle_from_freshsales_creates_the_destination_on_the_named_source(world: World) -> None:
    world.source("web", "web-key")
    world.source("server", "server-key", "server")
    world.account("acme", KEY)
    world.enable_from_freshsales("acme", "server")
    sources = {s["name"]: s for s in world.ok(world.http.get("/_sim/sources"))["sources"]}
    assert sources["web"]["destinations"] == []
    [destination] = sources["server"]["destinations"]
    assert (destination["type"], destination["subdomain"], destination["created_by"]) == (
        "freshsales", "acme", "freshsales")
    world.send("server-key", identify("srv@example.com", lastName="Server"))
    world.send("web-key", identify("web@example.com", lastName="Web"))
    world.flush()
    assert world.lookup(KEY, "srv@example.com")["leads"]
    assert world.lookup(KEY, "web@example.com")["leads"] == []
    assert world.events(user="web@example.com")[0]["reason"] == "the source has no enabled destination"


def test_r2_hand_over_to_an_unknown_source_is_refused_and_the_toggle_stays_off(world: World) -> None:
    world.account("acme", KEY)
    answer = world.http.post("/_sim/accounts/acme/segment/enable", json={"source": "nope"})
    assert answer.status_code == 404
    assert "no Segment source named 'nope'" in answer.json()["message"]
    account = world.ok(world.http.get("/_sim/accounts/acme"))["account"]
    assert account["segment"]["enabled"] is False


def test_r3_a_wrong_api_key_is_discarded_with_401_and_not_retried(world: World) -> None:
    world.source("web", "web-key")
    world.account("acme", KEY)
    world.enable_from_freshsales("acme", "web")
    world.enable_from_segment("web", "not-the-key", "acme")  # the catalog path overwrites the key
    world.send("web-key", identify("ada@example.com"))
    world.drain()
    [delivery] = world.deliveries()
    assert (delivery["status"], delivery["code"]) == ("discarded", "errors.discarded.401")
    assert "API key" in delivery["reason"]
    assert len(delivery["attempts"]) == 1


def test_r4_identify_by_email_updates_the_one_record_whatever_the_case(connected: World) -> None:
    connected.send("web-key", identify("Ada@Example.com", firstName="Ada", lastName="Lovelace"))
    connected.flush()
    connected.send("web-key", identify(" ada@example.COM ", lastName="King"))
    connected.flush()
    # Looked up as first written: how the REST lookup treats case is Freshsales' business, not R4's.
    entity, lead = connected.one(KEY, "Ada@Example.com")
    assert (entity, lead["first_name"], lead["last_name"]) == ("lead", "Ada", "King")
    assert len(connected.deliveries(status="delivered")) == 2


@pytest.mark.parametrize("flag", [True, "true"])
def test_r5_fs_contact_makes_a_new_record_a_contact(connected: World, flag: object) -> None:
    connected.send("web-key", {"type": "identify", "userId": "grace@example.com",
                               "traits": {"lastName": "Hopper", "fsContact": flag}})
    connected.flush()
    entity, contact = connected.one(KEY, "grace@example.com")
    assert entity == "contact"
    assert "fs_contact" not in contact and "fsContact" not in contact


def test_r6_a_database_id_creates_with_external_id_and_never_updates(connected: World) -> None:
    connected.send("web-key", identify("usr_42", email="db@example.com", lastName="First"))
    connected.flush()
    connected.send("web-key", identify("usr_42", email="db@example.com", lastName="Second"),
                   identify("usr_99", email="DB@example.com", lastName="Collides"),
                   identify("usr_43", lastName="NoEmail"))
    connected.flush()
    _, record = connected.one(KEY, "db@example.com")
    assert (record["external_id"], record["last_name"]) == ("usr_42", "First")
    [repeat] = connected.deliveries(user="usr_42", code="success.202")
    assert "never updates" in repeat["reason"]
    collision, no_email = connected.deliveries(status="discarded")
    assert (collision["user_id"], collision["code"]) == ("usr_99", "errors.discarded.400")
    assert (no_email["user_id"], no_email["code"]) == ("usr_43", "errors.discarded.400")
    assert "traits.email is required" in no_email["reason"]


def test_r7_traits_map_to_fields_and_unmapped_ones_are_listed_in_the_delivery_log(connected: World) -> None:
    connected.send("web-key", identify("ada@example.com", firstName="Ada", last_name="Lovelace",
                                       title="Countess", phone="+44 20 0000", favouriteColour="green"))
    connected.flush()
    _, lead = connected.one(KEY, "ada@example.com")
    assert (lead["first_name"], lead["last_name"], lead["job_title"], lead["work_number"]) == (
        "Ada", "Lovelace", "Countess", "+44 20 0000")
    [delivery] = connected.deliveries()
    ignored = delivery["attempts"][-1]["response"]["ignored_traits"]
    assert "favouriteColour" in [item["trait"] for item in ignored]


def test_r8_page_and_track_land_on_the_timeline_in_timestamp_order_and_unmatched_is_202(
    connected: World,
) -> None:
    connected.send("web-key",
                   identify("ada@example.com", lastName="Lovelace"),
                   {**track("ada@example.com", "Second"), "timestamp": "2026-03-01T10:00:02Z"},
                   {**page("ada@example.com", "Pricing", url="https://x.io/pricing"),
                    "timestamp": "2026-03-01T10:00:01Z"},
                   track("nobody@example.com", "Orphan"))
    connected.flush()
    _, lead = connected.one(KEY, "ada@example.com")
    activities = [a for a in connected.timeline(KEY, "lead", lead["id"]) if a["action_type"] in ("page_view", "event")]
    assert [(a["action_type"], a["action_data"]["name"]) for a in activities] == [
        ("page_view", "Pricing"), ("event", "Second")]
    [orphan] = connected.deliveries(user="nobody@example.com")
    assert (orphan["status"], orphan["code"]) == ("delivered", "success.202")
    assert orphan["reason"]


def test_r9_screen_group_alias_are_filtered_by_segment(connected: World) -> None:
    connected.send("web-key", {"type": "screen", "userId": "ada@example.com", "name": "Home"},
                   {"type": "group", "userId": "ada@example.com", "groupId": "g1"},
                   {"type": "alias", "userId": "ada@example.com", "previousId": "anon-1"})
    assert connected.flush()["tried"] == 0
    filtered = connected.deliveries()
    assert [(d["type"], d["status"], d["code"]) for d in filtered] == [
        (kind, "filtered", "filtered.unsupported_type") for kind in ("screen", "group", "alias")]


def test_r9_the_receiver_answers_501_if_a_screen_arrives_anyway(connected: World) -> None:
    import base64

    answer = connected.http.post("/integrations/segment", json={"type": "screen", "userId": "u", "messageId": "m"},
                                 headers={"Authorization": "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()})
    assert answer.status_code == 501


def test_r10_a_repeated_message_id_is_dropped_by_segment(connected: World) -> None:
    message = {**track("ada@example.com", "Once"), "messageId": "same-id"}
    connected.send("web-key", identify("ada@example.com", lastName="L"), message)
    connected.send("web-key", message)
    connected.flush()
    assert [e["status"] for e in connected.events(message_id="same-id")] == ["accepted", "duplicate"]
    _, lead = connected.one(KEY, "ada@example.com")
    events = [a for a in connected.timeline(KEY, "lead", lead["id"]) if a["action_type"] == "event"]
    assert len(events) == 1


def test_r11_every_source_delivers_and_the_integrations_object_can_switch_freshsales_off(world: World) -> None:
    world.account("acme", KEY)
    for name, kind in (("web", "web"), ("ios", "mobile"), ("backend", "server")):
        world.source(name, f"{name}-key", kind)
        world.enable_from_freshsales("acme", name)
    world.send("web-key", identify("ada@example.com", lastName="L"))
    world.flush()
    world.send("ios-key", track("ada@example.com", "App Opened"))
    world.send("backend-key", track("ada@example.com", "Invoice Paid"))
    world.send("web-key", {**track("ada@example.com", "Hidden"), "integrations": {"Freshsales": False}})
    world.send("web-key", track("ada@example.com", "Also hidden"), integrations={"All": False})
    world.flush()
    _, lead = world.one(KEY, "ada@example.com")
    names = [a["action_data"]["name"] for a in world.timeline(KEY, "lead", lead["id"]) if a["action_type"] == "event"]
    assert names == ["App Opened", "Invoice Paid"]
    assert [d["event"] for d in world.deliveries(status="filtered")] == ["Hidden", "Also hidden"]
    assert {e["message"]["channel"] for e in world.events(status="accepted")} == {"browser", "mobile", "server"}


def test_r12_segment_deliveries_work_on_every_plan_even_without_rest_access(world: World) -> None:
    world.source("web", "web-key")
    world.account("tiny", "sprout-key", plan="sprout")
    world.enable_from_freshsales("tiny", "web")
    world.send("web-key", identify("ada@example.com", lastName="L"))
    world.flush()
    [delivery] = world.deliveries()
    assert delivery["status"] == "delivered"
    rest = world.http.get("/api/lookup", params={"q": "ada@example.com", "f": "email", "entities": "lead"},
                          headers={"Authorization": "Token token=sprout-key"})
    assert rest.status_code == 403
