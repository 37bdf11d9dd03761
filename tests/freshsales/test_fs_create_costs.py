"""Counted costs of creating a lead or contact (issue 12: REST create+read), no timings: each test failed
before the cut it pins, which removed repeated work from every create (REST and Segment alike)."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from types import FrameType
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


def _calls_made(run: Callable[[], object]) -> Counter[str]:
    """The Python functions ``run`` calls, by ``module:function`` (counted with sys.setprofile)."""
    calls: Counter[str] = Counter()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            code = frame.f_code
            calls[f"{code.co_filename.rsplit('/', 1)[-1]}:{code.co_name}"] += 1
            if code.co_name == "cast":  # typing.cast is a call at run time: whose is it?
                calls[f"{frame.f_back.f_code.co_filename.rsplit('/', 1)[-1]}:cast"] += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return calls


def test_a_lead_s_create_makes_no_call_that_only_wraps_or_finds_nothing(sim: Simulator) -> None:
    """A Python call costs about as much as the work of many a small function it reaches: a create made
    121 calls, and now makes 72. No index key is reached through a wrapper per index (the whole document
    is found in place while the collection writes, a single key is taken as it is), no empty list of
    watchers and none of the memory storage's no-op hold, release and changed is called, and no
    generator or deep copy of an empty default runs; the "created" item's data, our own constants, is
    not walked to see whether it reads back as itself."""
    records = sim.freshsales.records
    records.create("acme", "lead", {"last_name": "Babbage", "email": "charles@example.com"})
    calls = _calls_made(lambda: records.create(
        "acme", "lead", {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
                         "job_title": "Analyst"}, copy=False))
    for gone in ("compact.py:_for_index", "store.py:keys_of", "store.py:_tell_watchers", "tables.py:_holding",
                 "drafts.py:cast", "shapes.py:<genexpr>", "strictjson.py:deep_copy", "clock.py:_elapsed",
                 "views.py:sort_value", "views.py:field_value", "timeline.py:<dictcomp>",
                 "values.py:coerce_value", "selectors.py:require", "links.py:<genexpr>", "records.py:<listcomp>",
                 "fields.py:_email_values", "timeline.py:_checked",
                 "strictjson.py:reads_back_as_itself", "fields.py:_coerce", "fields.py:<dictcomp>",
                 "storage.py:hold", "storage.py:release", "storage.py:changed",
                 # the "created" item is packed by its template, without the walk of its fields
                 "compact_items.py:packed_item", "timeline.py:_append"):
        assert calls[gone] == 0, gone
    assert calls["clock.py:now"] == 1
    assert calls["emails.py:normalize_email"] == 3  # the write's one email: checked, looked up, indexed
    # The lookup indexes (indexes.LookupIndex) make the record's Target as it is written, so that a lookup
    # reads no document: the whole document found once for keys and answer, the Target made without the
    # named tuple's Python __new__, the same budget as before them. The "created" item's template: 75 -> 71.
    assert sum(calls.values()) <= 71


def test_a_short_string_in_a_standard_text_field_costs_its_trim_and_no_check_that_ends_there() -> None:
    """Names, a job title, a city: a string of a standard text field is stored trimmed, whatever it says,
    and takes no other check (each made a name test and a field look-up more, per field of every write)."""
    from fssim.freshsales.fields import normalize_write

    builtins: Counter[str] = Counter()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "c_call":
            builtins[getattr(arg, "__name__", "?")] += 1

    payload = {"first_name": " Ada ", "last_name": "Lovelace", "job_title": "Analyst", "city": "London"}
    sys.setprofile(profile)
    try:
        write = normalize_write("lead", payload, {})
    finally:
        sys.setprofile(None)
    assert write.values == {"first_name": "Ada", "last_name": "Lovelace", "job_title": "Analyst", "city": "London"}
    assert not write.problems and write.emails is None
    assert builtins["strip"] == 4
    assert builtins["startswith"] == 0
    assert builtins["get"] == 2  # the entity's text fields, and the payload's custom_field
