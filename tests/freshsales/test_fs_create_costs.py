"""Counted costs of creating a lead or contact (issue 12: REST create+read), no timings: each test failed
before the cut it pins, which removed repeated work from every create (REST and Segment alike)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from fssim.app import Simulator, SimulatorConfig
from fssim.clock import Clock


@pytest.fixture
def sim() -> Iterator[Simulator]:
    sim = Simulator(SimulatorConfig(frozen_clock=True, rate_limits=False))
    sim.freshsales.accounts.create("acme", plan="forest", api_key="acme-key")
    yield sim
    sim.close()


def _count_clock_reads(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    reads: list[datetime] = []
    now = Clock.now

    def counting(self: Clock) -> datetime:
        moment = now(self)
        reads.append(moment)
        return moment

    monkeypatch.setattr(Clock, "now", counting)
    return reads


def test_a_create_reads_the_clock_once_for_the_record_and_its_created_item(
        sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """The record's times and its "Lead created" item's are one instant: one clock read (it was two, the
    record's and the timeline's own), and the item's time is the record's ``created_at``."""
    sim.clock.advance(0.75)  # not on a whole second: the item's text comes from the record's instant
    reads = _count_clock_reads(monkeypatch)
    lead = sim.freshsales.records.create("acme", "lead", {"last_name": "Lovelace", "email": "ada@example.com"})
    assert len(reads) == 1
    items = sim.freshsales.timeline.activities("acme", "lead", lead["id"])
    assert [item["action_data"] for item in items] == [{"name": "Lead created"}]
    assert items[0]["created_at"] == lead["created_at"] == lead["updated_at"]


def test_an_update_reads_the_clock_once_however_many_fields_it_changes(
        sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every item of one update is of the update's instant: one read, not one per changed field more."""
    records = sim.freshsales.records
    lead = records.create("acme", "lead", {"last_name": "Lovelace", "email": "ada@example.com"})
    sim.clock.advance(61.5)
    reads = _count_clock_reads(monkeypatch)
    updated = records.update("acme", "lead", lead["id"], {"first_name": "Ada", "job_title": "Analyst",
                                                          "city": "London"})
    assert len(reads) == 1
    items: list[dict[str, Any]] = sim.freshsales.timeline.activities("acme", "lead", lead["id"])[1:]
    assert sorted(item["action_data"]["property_key"] for item in items) == ["city", "first_name", "job_title"]
    assert {item["created_at"] for item in items} == {updated["updated_at"]}
    assert updated["updated_at"] != lead["updated_at"]
