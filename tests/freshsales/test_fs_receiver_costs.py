"""Counted costs of one message through the receiver's core (issue 12), no timings: each test failed
before the cut it pins, which removed repeated work from every delivered message."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from fssim import wire
from fssim.app import Simulator, SimulatorConfig
from fssim.freshsales.crm_adapter import ProcessedMessages
from fssim.wire import WireAnswer, WireRequest

_AUTH = [("Authorization", "Basic " + base64.b64encode(b"acme-key:").decode())]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    sim = Simulator(SimulatorConfig(frozen_clock=True))
    sim.freshsales.accounts.create("acme", plan="garden", api_key="acme-key")
    sim.freshsales.accounts.set_segment_toggle("acme", True, source="web", via="test")
    yield sim
    sim.close()


def _deliver(sim: Simulator, message: dict[str, Any]) -> WireAnswer:
    answer = asyncio.run(sim.receiver.exchange(WireRequest.of_json("POST", "/integrations/segment", _AUTH, message)))
    assert isinstance(answer, WireAnswer)
    return answer


def test_the_exactly_once_memory_keeps_the_answer_text_it_sends(sim: Simulator, monkeypatch: Any) -> None:
    """R10 keeps the very text the answer carries: one rendering of the answer per message (it was two,
    the memory's own encoding of the same answer and the answer's)."""
    rendered: list[Any] = []
    render = wire._starlette_json

    def counting(content: Any) -> str:
        rendered.append(content)
        return render(content)

    monkeypatch.setattr(wire, "_starlette_json", counting)
    messages = [{"type": "identify", "userId": "ada@example.com", "messageId": "m1",
                 "traits": {"firstName": "Ada", "lastName": "Lovelacé"}},
                {"type": "track", "userId": "ada@example.com", "event": "Signed Up", "messageId": "m2"}]
    answers = [_deliver(sim, message) for message in messages]
    assert len(rendered) == 2  # once per message
    kept = {doc["message_id"]: doc for _, doc in sim.db.collection(ProcessedMessages.TABLE).items()}
    for message, answer in zip(messages, answers, strict=True):
        assert kept[message["messageId"]]["body"] == answer.body.decode()
        assert kept[message["messageId"]]["status"] == answer.status == 200
    replayed = _deliver(sim, messages[0])
    assert (replayed.status, replayed.body) == (answers[0].status, answers[0].body)
    assert replayed.header("x-fssim-replayed") == "true"
    assert json.loads(replayed.body) == replayed.rendered_from[0]  # type: ignore[index]


def test_stored_texts_are_written_by_orjson_not_json(sim: Simulator, monkeypatch: Any) -> None:
    """The lead and its timeline items are kept as orjson's text: no json encoding per stored document
    (there were two per identify, one per track), and they read back whole."""
    from fssim.freshsales import compact

    encoded: list[Any] = []
    encode = compact._encode
    monkeypatch.setattr(compact, "_encode", lambda value: encoded.append(value) or encode(value))
    created = json.loads(_deliver(sim, {"type": "identify", "userId": "ada@example.com", "messageId": "m1",
                                        "traits": {"firstName": "Ada", "lastName": "Lovelace"}}).body)
    _deliver(sim, {"type": "track", "userId": "ada@example.com", "event": "Signed Up", "messageId": "m2",
                   "properties": {"plan": "pro", "seats": 3, "ratio": 1e-7}})
    assert encoded == []
    for table in ("fs_records", "fs_activities"):
        assert all(next(iter(raw)) == "_orjson" for _, raw in sim.db.collection(table).items())
    lead = sim.freshsales.records.get("acme", "lead", created["record"]["id"])
    assert (lead["first_name"], lead["last_name"]) == ("Ada", "Lovelace")
    event = sim.freshsales.timeline.activities("acme", "lead", lead["id"])[-1]
    assert event["action_data"] == {"name": "Signed Up", "properties": {"plan": "pro", "seats": 3, "ratio": 1e-7}}


def test_timeline_items_are_packed_straight_from_their_data(sim: Simulator, monkeypatch: Any) -> None:
    """A lead's "created" item and a track's event item are stored packed from their data: the whole
    item is neither built, copied nor compared field by field with what it derives from (to_text ran for
    each item: an identify packed two documents that way, a track one)."""
    from fssim.freshsales import compact, timeline

    packed: list[Any] = []
    to_text = compact.to_text
    monkeypatch.setattr(compact, "to_text", lambda doc, *a, **k: packed.append(doc) or to_text(doc, *a, **k))
    copied: list[Any] = []
    deep_copy = timeline.strictjson.deep_copy
    monkeypatch.setattr(timeline.strictjson, "deep_copy",
                        lambda value: (isinstance(value, dict) and "action_type" in value and copied.append(value))
                        or deep_copy(value))
    created = json.loads(_deliver(sim, {"type": "identify", "userId": "ada@example.com", "messageId": "m1",
                                        "traits": {"firstName": "Ada"}}).body)
    assert [doc["_entity"] for doc in packed] == ["lead"]  # the lead itself, not its "created" item
    assert copied == []
    _deliver(sim, {"type": "track", "userId": "ada@example.com", "event": "Signed Up", "messageId": "m2",
                   "properties": {"plan": "pro"}})
    assert len(packed) == 1 and copied == []
    items = sim.freshsales.timeline.activities("acme", "lead", created["record"]["id"])
    assert [item["action_type"] for item in items] == ["create", "event"]
    assert items[1]["composite_id"] == f"Lead-{created['record']['id']}-{items[1]['id']}"
    assert items[1]["action_data"] == {"name": "Signed Up", "properties": {"plan": "pro"}}


def test_a_message_reads_the_clock_once(sim: Simulator, monkeypatch: Any) -> None:
    """Its receipt, the record's created_at and the exactly-once window share one clock read (an
    identify read it four times, a track three)."""
    reads: list[Any] = []
    now = type(sim.clock).now
    monkeypatch.setattr(type(sim.clock), "now", lambda clock: reads.append(clock) or now(clock))
    created = json.loads(_deliver(sim, {"type": "identify", "userId": "ada@example.com", "messageId": "m1",
                                        "traits": {"firstName": "Ada"}}).body)
    assert len(reads) == 1
    _deliver(sim, {"type": "track", "userId": "ada@example.com", "event": "Signed Up", "messageId": "m2"})
    _deliver(sim, {"type": "identify", "userId": "ada@example.com", "messageId": "m3", "traits": {"lastName": "L"}})
    assert len(reads) == 3
    lead = sim.freshsales.records.get("acme", "lead", created["record"]["id"])
    assert lead["created_at"] == lead["updated_at"] == sim.clock.now().replace(microsecond=0).isoformat()


def test_items_are_dated_from_the_message_time_text_unprinted(sim: Simulator, monkeypatch: Any) -> None:
    """A message Segment delivers carries its times as Segment writes them: its items' time is cut from
    that text, with no datetime printed (one ISO print per message, about a tenth of the rules' work)."""
    from fssim.integration import message as message_module

    printed: list[Any] = []
    print_time = message_module.timeline_time
    monkeypatch.setattr(message_module, "timeline_time", lambda moment: printed.append(moment) or print_time(moment))
    created = json.loads(_deliver(sim, {"type": "identify", "userId": "ada@example.com", "messageId": "m1",
                                        "timestamp": "2026-01-01T10:00:00.123Z", "traits": {"firstName": "Ada"}}).body)
    _deliver(sim, {"type": "track", "userId": "ada@example.com", "event": "Signed Up", "messageId": "m2",
                   "timestamp": "2026-01-01T10:00:01.456Z"})
    assert printed == []
    items = sim.freshsales.timeline.activities("acme", "lead", created["record"]["id"])
    assert [item["created_at"] for item in items] == ["2026-01-01T10:00:00+00:00", "2026-01-01T10:00:01+00:00"]
