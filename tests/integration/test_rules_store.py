"""R4-R10 by example, against the real Freshsales store through the CRM adapter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fs_world import World

Factory = Callable[..., World]


def identify(user_id: str, message_id: str, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user_id, "messageId": message_id, "traits": traits,
            "timestamp": "2026-03-01T10:00:00.000Z"}


def page(
    user_id: str | None, message_id: str, at: str = "2026-03-01T10:05:00.000Z", **properties: Any
) -> dict[str, Any]:
    return {"type": "page", "userId": user_id, "anonymousId": "anon-1", "messageId": message_id, "name": "Pricing",
            "properties": {"url": "https://example.com/pricing", "path": "/pricing", "title": "Pricing",
                           **properties}, "timestamp": at}


def track(user_id: str | None, message_id: str, event: str, at: str, **properties: Any) -> dict[str, Any]:
    return {"type": "track", "userId": user_id, "anonymousId": "anon-1", "messageId": message_id, "event": event,
            "properties": properties, "timestamp": at}


def test_R4_identify_by_email_creates_a_lead_then_updates_it(new_world: Factory) -> None:
    world = new_world()
    first = world.apply(identify("Ada@Example.com", "m1", firstName="Ada", title="CTO"))
    assert (first.status, first.result, first.record and first.record.entity) == (200, "created", "lead")
    second = world.apply(identify("  ada@EXAMPLE.com ", "m2", lastName="Lovelace", phone="555-0100"))
    assert (second.status, second.result, second.record) == (200, "updated", first.record)
    assert second.changed == ("last_name", "work_number")
    ((entity, lead),) = world.records()
    assert entity == "lead"
    assert (lead["email"], lead["first_name"], lead["last_name"], lead["job_title"], lead["work_number"]) == (
        "Ada@Example.com", "Ada", "Lovelace", "CTO", "555-0100")


def test_R4_an_existing_contact_is_found_and_updated_not_duplicated(new_world: Factory) -> None:
    world = new_world()
    contact = world.create("contact", email="grace@example.com", last_name="Hopper")
    outcome = world.apply(identify("GRACE@example.com", "m1", title="Admiral"))
    assert outcome.result == "updated"
    assert outcome.record is not None and (outcome.record.entity, outcome.record.id) == ("contact", contact["id"])
    assert [(e, r["job_title"]) for e, r in world.records()] == [("contact", "Admiral")]


def test_R5_fs_contact_makes_a_new_record_a_contact_and_is_not_stored(new_world: Factory) -> None:
    world = new_world()
    outcome = world.apply(identify("zoe@example.com", "m1", fsContact="true", lastName="Z"))
    assert outcome.record is not None and outcome.record.entity == "contact"
    ((entity, record),) = world.records()
    assert entity == "contact"
    assert "fs_contact" not in str(record) and "fsContact" not in str(record)


def test_R5_fs_contact_never_converts_an_existing_lead(new_world: Factory) -> None:
    world = new_world()
    lead = world.create("lead", email="lee@example.com", last_name="Lee")
    outcome = world.apply(identify("lee@example.com", "m1", fs_contact=True, title="Buyer"))
    assert outcome.record is not None and (outcome.record.entity, outcome.record.id) == ("lead", lead["id"])
    assert [e for e, _ in world.records()] == ["lead"]
    assert "fs_contact decides the type of new records only, so this lead stays a lead" in outcome.reason


def test_R5_the_answer_says_why_an_existing_record_kept_its_type(new_world: Factory) -> None:
    world = new_world()
    contact = world.create("contact", email="cy@example.com", last_name="Cy")
    back = world.apply(identify("cy@example.com", "m1", fsContact="false"))
    assert back.record is not None and (back.record.entity, back.record.id) == ("contact", contact["id"])
    assert "so this contact stays a contact" in back.reason
    same = world.apply(identify("cy@example.com", "m2", fsContact=" TRUE "))
    unflagged = world.apply(identify("cy@example.com", "m3", title="CEO"))
    assert "stays" not in same.reason and "stays" not in unflagged.reason


def test_R5_suite_accounts_create_contacts_only(new_world: Factory) -> None:
    world = new_world(product="suite")
    outcome = world.apply(identify("sam@example.com", "m1", lastName="Sam"))
    assert outcome.record is not None and outcome.record.entity == "contact"


def test_R6_db_id_creates_with_external_id_and_never_updates(new_world: Factory) -> None:
    world = new_world()
    created = world.apply(identify("usr_1001", "m1", email="Kim@example.com", firstName="Kim"))
    assert (created.status, created.result, created.rule) == (200, "created", "R6")
    again = world.apply(identify("usr_1001", "m2", email="kim@example.com", firstName="Kimberly"))
    assert (again.status, again.result, again.record) == (202, "not_processed", created.record)
    assert "never updates" in again.reason
    ((_, record),) = world.records()
    assert (record["external_id"], record["first_name"]) == ("usr_1001", "Kim")


def test_R6_db_id_with_a_taken_email_is_rejected_and_changes_nothing(new_world: Factory) -> None:
    world = new_world()
    world.create("lead", email="taken@example.com", last_name="T")
    before = world.snapshot()
    outcome = world.apply(identify("42", "m1", email=" TAKEN@example.com", firstName="New"))
    assert (outcome.status, outcome.field, outcome.rule) == (400, "traits.email", "R6")
    assert "already belongs to lead" in outcome.reason
    assert world.snapshot() == before


def test_R6_db_id_needs_traits_email(new_world: Factory) -> None:
    world = new_world()
    for traits, words in (({}, "required"), ({"email": "not-an-email"}, "not an email"),
                          ({"email": ["a@example.com"]}, "must be an email address (a string), not an array")):
        outcome = world.apply(identify("42", f"m-{words}", **traits))
        assert (outcome.status, outcome.field) == (400, "traits.email")
        assert words in outcome.reason
    assert world.records() == []


def test_R7_unmapped_and_mistyped_traits_are_reported_in_the_outcome(new_world: Factory) -> None:
    world = new_world()
    outcome = world.apply(identify("ian@example.com", "m1", lastName="Ian", age=40, cfScore="high", cfPlan="pro"))
    assert outcome.status == 200
    assert sorted(outcome.ignored_traits) == ["age", "cfScore"]
    ((_, record),) = world.records()
    assert record["custom_field"]["cf_plan"] == "pro"
    assert record["custom_field"]["cf_score"] is None


def test_R8_page_and_track_land_on_the_timeline_in_timestamp_order(new_world: Factory) -> None:
    world = new_world()
    created = world.apply(identify("eve@example.com", "m1", lastName="Eve"))
    assert created.record is not None
    late = world.apply(track("EVE@example.com", "m2", "Order Completed", "2026-03-01T12:00:00.000Z", revenue=30))
    early = world.apply(page("eve@example.com", "m3", at="2026-03-01T11:00:00.000Z"))
    assert (late.status, early.status) == (200, 200)
    items = [i for i in world.timeline("lead", created.record.id) if i["action_type"] in ("page_view", "event")]
    assert [i["action_type"] for i in items] == ["page_view", "event"], "ordered by the message timestamps"
    assert items[0]["action_data"]["url"] == "https://example.com/pricing"
    assert items[1]["action_data"] == {"name": "Order Completed", "properties": {"revenue": 30}}


def test_R8_no_match_is_accepted_but_not_processed(new_world: Factory) -> None:
    world = new_world()
    for message in (page("nobody@example.com", "m1"), track(None, "m2", "Clicked", "2026-03-01T10:00:00Z"),
                    track("db-77", "m3", "Clicked", "2026-03-01T10:00:00Z")):
        outcome = world.apply(message)
        assert (outcome.status, outcome.result, outcome.rule) == (202, "not_processed", "R8")
        assert "accepted but not processed" in outcome.reason
    assert world.records() == []


def test_R8_db_id_messages_match_by_external_id(new_world: Factory) -> None:
    world = new_world()
    created = world.apply(identify("db-77", "m1", email="db@example.com", lastName="Db"))
    outcome = world.apply(track("db-77", "m2", "Clicked", "2026-03-01T10:00:00Z"))
    assert (outcome.status, outcome.record) == (200, created.record)


def test_R9_unsupported_types_are_501(new_world: Factory) -> None:
    world = new_world()
    outcome = world.apply({"type": "screen", "userId": "a@example.com", "messageId": "m1", "name": "Home"})
    assert (outcome.status, outcome.rule) == (501, "R9")


def test_R10_a_replay_gets_the_first_answer_and_changes_nothing(new_world: Factory) -> None:
    world = new_world()
    world.apply(identify("rex@example.com", "m0", lastName="Rex"))
    first = world.apply(track("rex@example.com", "m1", "Signed Up", "2026-03-01T10:00:00Z"))
    after_first = world.snapshot()
    replay = world.apply(track("rex@example.com", "m1", "Something else", "2026-03-02T10:00:00Z"))
    assert replay.replayed
    assert (replay.status, replay.to_json()) == (first.status, first.to_json())
    assert world.snapshot() == after_first


def test_R8_creates_and_updates_sit_on_the_timeline_at_their_messages_time(new_world: Factory) -> None:
    world = new_world()
    # Delivered late and out of order: the timeline still reads in the order things happened.
    world.sim.clock.advance(3600)
    created = world.apply({**identify("kay@example.com", "m1", lastName="Kay"), "timestamp": "2026-03-01T09:00:00Z"})
    world.apply(page("kay@example.com", "m2", at="2026-03-01T09:00:05.000Z"))
    world.apply({**identify("kay@example.com", "m3", title="CEO"), "timestamp": "2026-03-01T09:00:03Z"})
    assert created.record is not None
    items = world.timeline("lead", created.record.id)
    assert [i["action_type"] for i in items] == ["create", "update", "page_view"]
    assert [i["created_at"] for i in items] == [
        "2026-03-01T09:00:00+00:00", "2026-03-01T09:00:03+00:00", "2026-03-01T09:00:05+00:00"]
