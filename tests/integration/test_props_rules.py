"""The rules as properties (Hypothesis), each named after its rule, run against the real store.

Every example builds a fresh world, seeds it with records a salesperson might already have (some
with database ids), then sends messages whose ids are drawn from the same pool so that they hit,
collide and miss in every combination.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fs_world import API_KEY, SUBDOMAIN, Delivery, World, snapshot
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim import strategies as fs
from fssim.app import Simulator

Factory = Callable[..., World]


@dataclass(frozen=True)
class Seed:
    email: str
    entity: str
    external_id: str | None


@st.composite
def seeded(draw: st.DrawFn) -> tuple[list[Seed], list[str], list[str]]:
    """Existing records, and the pools of emails and database ids messages will draw from."""
    emails = draw(st.lists(fs.emails(), min_size=1, max_size=4, unique_by=str.lower))
    db_ids = draw(st.lists(fs.db_ids(), min_size=1, max_size=3, unique=True))
    seeds = []
    for index, email in enumerate(emails[:-1] if len(emails) > 1 else emails):
        external = db_ids[index] if index < len(db_ids) - 1 and draw(st.booleans()) else None
        seeds.append(Seed(email, draw(st.sampled_from(["lead", "contact"])), external))
    return seeds, emails, db_ids


def plant(world: World, seeds: list[Seed]) -> dict[str, dict[str, Any]]:
    created = {}
    for seed in seeds:
        fields: dict[str, Any] = {"email": seed.email, "last_name": "Seeded"}
        if seed.external_id is not None:
            fields["external_id"] = seed.external_id
        created[seed.email] = world.create(seed.entity, **fields)
    return created


def user_ids(emails: list[str], db_ids: list[str]) -> st.SearchStrategy[str]:
    """A userId from the pools (emails in any case and padding) or a brand-new one."""
    return st.one_of(
        st.sampled_from(emails).flatmap(fs.email_variants),
        st.sampled_from(db_ids),
        fs.emails(),
        fs.db_ids(),
    )


@given(data=st.data(), world_seed=seeded())
def test_R6_a_db_id_identify_never_changes_an_existing_record(
    new_world: Factory, data: st.DataObject, world_seed: tuple[list[Seed], list[str], list[str]]
) -> None:
    seeds, emails, db_ids = world_seed
    world = new_world()
    plant(world, seeds)
    before = world.snapshot()
    email = data.draw(st.one_of(st.sampled_from(emails).flatmap(fs.email_variants), fs.emails()), label="email")
    message = data.draw(fs.identify_messages(
        user_id=st.one_of(st.sampled_from(db_ids), fs.db_ids()), traits_=fs.traits(email=email)))
    outcome = world.apply(message)
    after = world.snapshot()
    for key, seen in before.items():
        assert after[key] == seen, f"{key} changed: {outcome.reason}"
    new_keys = set(after) - set(before)
    if outcome.status == 200:
        assert outcome.result == "created" and len(new_keys) == 1
        (key,) = new_keys
        assert after[key]["record"]["external_id"] == message["userId"]
    else:
        assert outcome.status in (202, 400) and not new_keys, outcome.reason


@given(data=st.data(), world_seed=seeded())
def test_R1_with_the_toggle_off_every_message_is_403_and_nothing_changes(
    sim: Simulator, client: TestClient, data: st.DataObject, world_seed: tuple[list[Seed], list[str], list[str]]
) -> None:
    seeds, emails, db_ids = world_seed
    sim.reset()
    sim.freshsales.accounts.create(SUBDOMAIN, plan=data.draw(st.sampled_from(["sprout", "garden"])), api_key=API_KEY)
    for seed in seeds:
        fields = {"email": seed.email, "last_name": "Seeded", "external_id": seed.external_id}
        sim.freshsales.records.create(SUBDOMAIN, seed.entity, fields)
    if data.draw(st.booleans(), label="was on before"):
        sim.freshsales.accounts.set_segment_toggle(SUBDOMAIN, True, source="web", via="test")
        sim.freshsales.accounts.set_segment_toggle(SUBDOMAIN, False, source=None, via="test")
    before = snapshot(sim, SUBDOMAIN)
    message = data.draw(st.one_of(
        fs.segment_messages(user_ids(emails, db_ids)),
        fs.invalid_messages().map(lambda case: case[0]),
    ))
    response = Delivery(client).send(message)
    assert response.status_code == 403
    assert "toggle is off" in response.json()["message"]
    assert "Admin Settings > Integrations > Third party integrations" in response.json()["message"]
    assert snapshot(sim, SUBDOMAIN) == before
    # Nothing was remembered either: once the toggle is on, the same message is processed, not replayed.
    sim.freshsales.accounts.set_segment_toggle(SUBDOMAIN, True, source="web", via="test")
    assert "X-Fssim-Replayed" not in Delivery(client).send(message).headers


@given(email=fs.emails(), data=st.data())
def test_R4_identifies_of_one_email_in_any_case_leave_exactly_one_record(
    new_world: Factory, email: str, data: st.DataObject
) -> None:
    world = new_world()
    count = data.draw(st.integers(1, 6), label="identifies")
    outcomes = []
    for _ in range(count):
        message = data.draw(fs.identify_messages(user_id=fs.email_variants(email)))
        outcomes.append(world.apply(message))
    assert [o.result for o in outcomes] == ["created"] + ["updated"] * (count - 1)
    records = world.records()
    assert len(records) == 1
    assert records[0][1]["email"].lower() == email.lower()
    assert {o.record for o in outcomes} == {outcomes[0].record}


@given(data=st.data(), world_seed=seeded(), flag=fs.fs_contact_flags())
def test_R5_fs_contact_never_turns_a_lead_into_a_contact_or_back(
    new_world: Factory, data: st.DataObject, world_seed: tuple[list[Seed], list[str], list[str]], flag: dict[str, Any]
) -> None:
    seeds, _, _ = world_seed
    world = new_world()
    planted = plant(world, seeds)
    seed = data.draw(st.sampled_from(seeds))
    message = data.draw(fs.identify_messages(user_id=fs.email_variants(seed.email)))
    traits = message["traits"]
    message["traits"] = {key: value for key, value in traits.items() if key not in ("fs_contact", "fsContact")}
    message["traits"].update(flag)
    outcome = world.apply(message)
    assert outcome.result == "updated"
    assert outcome.record is not None
    assert (outcome.record.entity, outcome.record.id) == (seed.entity, planted[seed.email]["id"])
    assert sorted((e, r["id"]) for e, r in world.records()) == sorted((s.entity, planted[s.email]["id"]) for s in seeds)
    assert all("fs_contact" not in str(r) and "fsContact" not in str(r) for _, r in world.records())


@given(email=fs.emails(), flag=fs.fs_contact_flags())
def test_R5_fs_contact_decides_the_type_of_a_new_record_only(
    new_world: Factory, email: str, flag: dict[str, Any]
) -> None:
    world = new_world()
    wants_contact = any(value is True or (isinstance(value, str) and value.strip().lower() == "true")
                        for value in flag.values())
    outcome = world.apply({"type": "identify", "userId": email, "messageId": "m1", "traits": {**flag}})
    assert outcome.record is not None
    assert outcome.record.entity == ("contact" if wants_contact else "lead")


@given(data=st.data(), world_seed=seeded())
def test_R10_replaying_any_message_changes_nothing(
    new_world: Factory, data: st.DataObject, world_seed: tuple[list[Seed], list[str], list[str]]
) -> None:
    seeds, emails, db_ids = world_seed
    world = new_world()
    plant(world, seeds)
    message = data.draw(st.one_of(
        fs.segment_messages(user_ids(emails, db_ids)),
        fs.invalid_messages().map(lambda case: case[0]),
    ))
    first = world.apply(message)
    after_first = world.snapshot()
    for _ in range(data.draw(st.integers(1, 3), label="replays")):
        replay = world.apply(message)
        assert (replay.status, replay.to_json()) == (first.status, first.to_json())
        assert world.snapshot() == after_first


@given(data=st.data(), world_seed=seeded())
def test_R8_a_page_or_track_adds_exactly_one_activity_to_the_matched_record_and_none_elsewhere(
    new_world: Factory, data: st.DataObject, world_seed: tuple[list[Seed], list[str], list[str]]
) -> None:
    seeds, emails, db_ids = world_seed
    world = new_world()
    # Bystanders of both types, before and after the seeds, so that every matched message has other
    # timelines that must stay untouched ("none elsewhere"); their domain is one the strategies never draw.
    world.create("lead", email="bystander.lead@bystanders.test", last_name="Bystander")
    planted = plant(world, seeds)
    world.create("contact", email="bystander.contact@bystanders.test", last_name="Bystander")
    # Aim at an existing record most of the time: the matched case is the one with something to check.
    existing = [s.email for s in seeds]
    external = [s.external_id for s in seeds if s.external_id is not None]
    who = st.one_of(
        st.sampled_from(existing).flatmap(fs.email_variants),
        st.sampled_from(external) if external else st.sampled_from(existing),
        user_ids(emails, db_ids),
    )
    message = data.draw(st.one_of(fs.page_messages(who), fs.track_messages(who)))
    before = world.snapshot()
    outcome = world.apply(message)
    after = world.snapshot()
    user_id = message["userId"].strip().lower()
    target = next((s for s in seeds if s.email.lower() == user_id or s.external_id == message["userId"]), None)
    if target is None:
        assert (outcome.status, outcome.result) == (202, "not_processed")
        assert after == before
        return
    key = f"{target.entity}:{planted[target.email]['id']}"
    assert outcome.status == 200 and outcome.record is not None
    added = [item for item in after[key]["timeline"] if item not in before[key]["timeline"]]
    assert len(added) == 1
    assert added[0]["action_type"] == ("page_view" if message["type"] == "page" else "event")
    assert added[0]["message_id"] == message["messageId"]
    assert {k: v for k, v in after.items() if k != key} == {k: v for k, v in before.items() if k != key}
    assert after[key]["record"] == before[key]["record"]
