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
