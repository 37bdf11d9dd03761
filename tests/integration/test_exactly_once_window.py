"""R10's two memories follow Segment's 24 h de-duplication window (issue 12, bounded memory): inside it a
repeated messageId changes nothing; past it, both Segment's messageId list and the receiver's answers
are forgotten, so neither grows with the whole history of a long replay."""

from __future__ import annotations

import base64
import json

from starlette.testclient import TestClient

from fssim import open_fssim
from fssim.app import SimulatorConfig
from fssim.clock import Clock
from fssim.freshsales.crm_adapter import ProcessedMessages
from fssim.store import Database

DAY = 24 * 3600


def _receiver_answers(fssim: object) -> int:
    return len(fssim.sim.db.collection(ProcessedMessages.TABLE))  # type: ignore[attr-defined]


def test_both_memories_forget_what_is_older_than_24_hours_of_simulated_time() -> None:
    with open_fssim(SimulatorConfig(frozen_clock=True)) as fssim:
        fssim.connect()
        for n in range(20):
            fssim.identify(f"user{n}@example.com", messageId=f"m{n}")
        fssim.track("user0@example.com", "Signed Up", messageId="t0")
        fssim.flush()
        assert len(fssim.sim.segment.dedupe) == 21 and _receiver_answers(fssim) == 21
        fssim.advance(DAY - 60)
        fssim.track("user1@example.com", "Signed Up", messageId="t1")
        fssim.flush()
        assert len(fssim.sim.segment.dedupe) == 22 and _receiver_answers(fssim) == 22  # all inside 24 h
        fssim.advance(120)  # the first 21 are now 24 h + 60 s old
        fssim.track("user2@example.com", "Signed Up", messageId="t2")
        fssim.flush()
        assert len(fssim.sim.segment.dedupe) == 2 and _receiver_answers(fssim) == 2
        assert len(fssim.leads()) == 20  # forgetting ids never touches the CRM


def test_a_repeat_inside_the_window_is_answered_from_memory_and_changes_nothing() -> None:
    with open_fssim(SimulatorConfig(frozen_clock=True)) as fssim:
        fssim.connect()
        fssim.track("ada@example.com", "Before", messageId="x")  # no lead yet: 202, not processed
        fssim.identify("ada@example.com", messageId="id-1")
        fssim.track("ada@example.com", "Signed Up", messageId="t-1")
        fssim.flush()
        account, _ = fssim.connect()
        timeline = fssim.timeline("ada@example.com")
        # The receiver itself, as a Segment retry would reach it after a lost answer (Segment's own
        # dedupe would drop a re-sent message before delivery).
        auth = base64.b64encode(f"{account.api_key}:".encode()).decode()
        message = {"type": "track", "userId": "ada@example.com", "event": "Signed Up", "messageId": "t-1",
                   "timestamp": "2026-01-01T00:00:00Z"}
        fssim.advance(DAY - 60)
        with TestClient(fssim.sim.app, base_url="http://127.0.0.1") as http:
            again = http.post("/integrations/segment", content=json.dumps(message),
                              headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"})
        assert again.status_code == 200, again.text
        assert again.json()["result"] == "activity_added"  # the first answer, given again
        assert fssim.timeline("ada@example.com") == timeline


def test_answers_are_kept_as_compact_text_and_come_back_equal() -> None:
    db = Database()
    clock = Clock(frozen=True)
    processed = ProcessedMessages(db, clock)
    answer = {"status": 200, "body": {"message": "lead 1 updated", "record": {"type": "lead", "id": 1},
                                      "changed_fields": ["first_name"], "ignored_traits": []}}
    processed.remember("acme", "m1", answer)
    assert processed.recall("acme", "m1") == answer
    [(_, stored)] = db.collection(ProcessedMessages.TABLE).items()
    assert isinstance(stored["body"], str)  # the answer body's text, as the receiver sent it
    clock.advance(DAY + 1)
    assert processed.recall("acme", "m1") is None
    assert len(processed) == 0


def test_answers_kept_before_as_one_text_or_a_dict_are_still_recalled() -> None:
    """A ``--db`` file written before answers kept their body's text holds ``{"answer": ...}``."""
    db = Database()
    clock = Clock(frozen=True)
    answers = db.collection(ProcessedMessages.TABLE)
    answer = {"status": 202, "body": {"message": "no lead or contact matches", "result": "not_processed"}}
    answers.insert({"account": "acme", "message_id": "m1", "at": clock.timestamp(),
                    "answer": json.dumps(answer, separators=(",", ":"))})
    answers.insert({"account": "acme", "message_id": "m2", "at": clock.timestamp(), "answer": answer})
    processed = ProcessedMessages(db, clock)
    assert processed.recall("acme", "m1") == answer
    assert processed.recall("acme", "m2") == answer
