"""What one Segment message costs the receiver: store reads, transactions and Account rebuilds.

The receiver reads its account once to authenticate and once more under the lock for the R1 gate, then
hands that Account down; a look-up by email reads no record (the email index holds what it answers);
nothing reshapes records into public dicts.
These figures are pinned exactly, measured by the store's own counters (``db.stats``) and the
accounts' rebuild counter, so a change that reads the world again fails here and says by how much.
Before this path was made read-once, an identify that updated three fields of a lead read the store 21
times, rebuilt the account 6 times and entered 16 transactions; a track: 10, 3 and 7. Accounts are now
cached until they change (``tests/freshsales/test_fs_account_cache.py``), so a message rebuilds none.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales.errors import NotFoundError

SUBDOMAIN = "acme"
API_KEY = "acme-key-0001"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Cost:
    reads: int
    transactions: int
    account_rebuilds: int


@pytest.fixture
def delivery(sim: Simulator) -> Iterator[TestClient]:
    """In-process HTTP to the receiver, for an account whose Segment toggle is on."""
    fs = sim.freshsales
    fs.accounts.create(SUBDOMAIN, plan="garden", api_key=API_KEY)
    fs.accounts.define_custom_field(SUBDOMAIN, "lead", "cf_plan", "text")
    fs.accounts.set_segment_toggle(SUBDOMAIN, True, source="web", via="test")
    with TestClient(sim.app) as http:
        yield http


def _send(sim: Simulator, delivery: TestClient, message: dict[str, Any]) -> tuple[dict[str, Any], Cost]:
    """Deliver one message the way Segment does and return the receiver's answer and what it cost."""
    message = {"messageId": f"cost-{next(_ids)}", "timestamp": "2030-01-01T00:00:00Z", **message}
    auth = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
    sim.db.stats.reset()
    sim.freshsales.accounts.rebuilds = 0
    response = delivery.post("/integrations/segment", json=message, headers={"Authorization": auth})
    assert response.status_code == 200, response.text
    cost = Cost(sim.db.stats.reads, sim.db.stats.transactions, sim.freshsales.accounts.rebuilds)
    return response.json(), cost


def _identify(traits: dict[str, Any]) -> dict[str, Any]:
    return {"type": "identify", "userId": "ada@example.com", "traits": traits}


# Reads: the account comes from the accounts' cache (authentication and the R1 re-read under the lock:
# no read, no rebuild, until the account changes); the record found by email: none, the email index
# answers with the record's owner, entity, id and name (it read the record once before); the record read
# by the update (1). Before the cache: 7 reads and 2 rebuilds for an update, 6 and 2 for a track.
# One transaction: the update's own joins the receiver's (it was counted as a second one before).
UPDATE_COST = Cost(reads=1, transactions=1, account_rebuilds=0)
TRACK_COST = Cost(reads=0, transactions=1, account_rebuilds=0)


def test_an_identify_that_updates_a_lead_reads_its_world_once(sim: Simulator, delivery: TestClient) -> None:
    _send(sim, delivery, _identify({"firstName": "Ada"}))
    answer, cost = _send(sim, delivery, _identify({"firstName": "Augusta", "title": "CTO", "cfPlan": "pro"}))
    assert answer["result"] == "updated"
    assert answer["changed_fields"] == ["cf_plan", "first_name", "job_title"]
    assert cost == UPDATE_COST


def test_an_update_costs_the_same_however_many_fields_change(sim: Simulator, delivery: TestClient) -> None:
    _send(sim, delivery, _identify({"firstName": "Ada"}))
    for traits in ({"title": "CEO"}, {"title": "CEO"}, {"title": "CTO", "lastName": "King", "cfPlan": "x"}):
        _, cost = _send(sim, delivery, _identify(traits))
        assert cost == UPDATE_COST


@pytest.mark.parametrize("message", [
    {"type": "track", "event": "Signed Up", "properties": {"plan": "pro"}},
    {"type": "page", "name": "Pricing", "properties": {"url": "https://example.com/pricing"}},
])
def test_a_track_or_page_reads_no_record(sim: Simulator, delivery: TestClient, message: dict[str, Any]) -> None:
    _send(sim, delivery, _identify({"firstName": "Ada"}))
    answer, cost = _send(sim, delivery, {"userId": "ada@example.com", **message})
    assert answer["result"] == "activity_added"
    assert cost == TRACK_COST
    found = sim.freshsales.records.find_by_email(SUBDOMAIN, "ada@example.com")
    assert found is not None
    items = sim.freshsales.timeline.activities(SUBDOMAIN, found.entity, found.id)
    assert items[-1]["targetable_name"] == "Ada"  # the name the look-up read is the one the item carries


# -- the timeline is told which record, and only a checked one -------------------------------------------


def test_no_activity_for_a_record_that_does_not_exist(sim: Simulator) -> None:
    fs = sim.freshsales
    fs.accounts.create("acme", api_key="k1")
    fs.accounts.create("globex", api_key="k2")
    lead = fs.records.create("acme", "lead", {"email": "a@example.com"})
    for account, entity, record_id in (("acme", "lead", 999), ("acme", "contact", lead["id"]),
                                       ("globex", "lead", lead["id"])):
        with pytest.raises(NotFoundError):
            fs.records.add_activity(account, entity, record_id, {"action_type": "event"})
        with pytest.raises(NotFoundError):
            fs.records.target(account, entity, record_id)
    assert [item["action_type"] for item in fs.timeline.activities("acme", "lead", lead["id"])] == ["create"]
    assert fs.timeline.activities("acme", "lead", 999) == []


@pytest.mark.parametrize(("path", "body"), [
    ("/api/notes", {"note": {"description": "Called"}}),
    ("/api/sales_activities", {"sales_activity": {"title": "Demo call"}}),
])
def test_rest_engagements_on_a_missing_record_are_refused(
    sim: Simulator, client: TestClient, path: str, body: dict[str, Any]
) -> None:
    sim.freshsales.accounts.create("acme", api_key="k1")
    lead = sim.freshsales.records.create("acme", "lead", {"email": "a@example.com"})
    headers = {"Authorization": "Token token=k1"}
    for target in ({"targetable_type": "Lead", "targetable_id": lead["id"] + 1},
                   {"targetable_type": "Contact", "targetable_id": lead["id"]}):
        kind = next(iter(body))
        response = client.post(path, json={kind: {**body[kind], **target}}, headers=headers)
        assert response.status_code == 404, response.text
    assert [item["action_type"] for item in sim.freshsales.timeline.activities("acme", "lead", lead["id"])] == [
        "create"]


# -- look-ups answer references, updates answer what changed ----------------------------------------------


def test_look_ups_return_references_and_updates_return_changes(sim: Simulator) -> None:
    fs = sim.freshsales
    fs.accounts.create("acme", api_key="k1")
    lead = fs.records.create("acme", "lead", {"email": "Ada@Example.com", "first_name": "Ada"})
    found = fs.records.find_by_email("acme", " ada@example.COM ")
    assert found == ("acme", "lead", lead["id"], "Ada")
    assert fs.records.change("acme", "lead", lead["id"], {"job_title": "CTO", "first_name": "Ada"}) == {
        "job_title": (None, "CTO")}
    assert fs.records.change("acme", "lead", lead["id"], {"job_title": "CTO"}) == {}
    assert fs.records.get("acme", "lead", lead["id"])["job_title"] == "CTO"


def test_reset_clears_the_store_once(sim: Simulator) -> None:
    sim.freshsales.accounts.create("acme", api_key="k1")
    sim.db.stats.reset()
    sim.reset()
    assert sim.db.stats.transactions == 1
    assert sim.freshsales.accounts.all() == []


def test_the_id_sequence_counts_in_memory_and_starts_again_after_a_reset(sim: Simulator) -> None:
    from fssim.freshsales.ids import FIRST_ID

    fs = sim.freshsales
    fs.accounts.create("acme", api_key="k1")
    sim.db.stats.reset()
    first = fs.records.create("acme", "lead", {"email": "a@example.com"})["id"]
    second = fs.records.create("acme", "lead", {"email": "b@example.com"})["id"]
    assert second > first
    sim.reset()
    fs.accounts.create("acme", api_key="k1")
    assert fs.records.create("acme", "lead", {"email": "a@example.com"})["id"] == first  # same world, same ids
    assert min(view["id"] for view in fs.accounts.require("acme").views["lead"]) == FIRST_ID


def test_every_delivered_message_is_one_transaction_through_the_core(sim: Simulator) -> None:
    """In process (Segment hands the core a request value) as over HTTP: a create, an update, a track, a
    page, a replay each run in exactly one store transaction (issue 12: one transaction per message)."""
    import asyncio
    import json

    from fssim.wire import WireAnswer, WireRequest

    fs = sim.freshsales
    fs.accounts.create(SUBDOMAIN, plan="garden", api_key=API_KEY)
    fs.accounts.set_segment_toggle(SUBDOMAIN, True, source="web", via="test")
    auth = [("Authorization", "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode())]
    replayed = {"messageId": "same", "type": "track", "userId": "ada@example.com", "event": "Again"}
    for message, result in [
        (_identify({"firstName": "Ada"}), "created"),
        (_identify({"firstName": "Augusta", "title": "CTO"}), "updated"),
        ({"type": "track", "userId": "ada@example.com", "event": "Signed Up"}, "activity_added"),
        ({"type": "page", "userId": "ada@example.com", "name": "Pricing"}, "activity_added"),
        (replayed, "activity_added"),
        (replayed, "activity_added"),
    ]:
        body = json.dumps({"messageId": f"tx-{next(_ids)}", **message}).encode()
        sim.db.stats.reset()
        answer = asyncio.run(sim.receiver.exchange(WireRequest.of("POST", "/integrations/segment", auth, body)))
        assert isinstance(answer, WireAnswer) and answer.status == 200, answer
        assert json.loads(answer.body)["result"] == result
        assert sim.db.stats.transactions == 1
