"""Paging a list view: the default sort is served from the created_at-ordered index (a slice, so a page's
cost does not grow with the account; benchmarks/bench_paging.py shows the ratio). These tests pin that
the slice gives exactly the pages the full sort gives, through creates, deletes and converts."""

from __future__ import annotations

import random

from fssim.app import Simulator
from fssim.freshsales.records import Records


def _expected(records: Records, entity: str, descending: bool) -> list[int]:
    everything = records.all("acme", entity)
    ordered = sorted(everything, key=lambda r: (r["created_at"], r["id"]), reverse=descending)
    return [r["id"] for r in ordered]


def _paged(records: Records, entity: str, sort_type: str, per_page: int, **options: object) -> list[int]:
    ids: list[int] = []
    page = 1
    while True:
        answer = records.list("acme", entity, page=page, per_page=per_page, sort_type=sort_type, **options)  # type: ignore[arg-type]
        assert answer.total == records.count("acme", entity)
        ids += [record["id"] for record in answer.records]
        if page >= answer.total_pages:
            return ids
        page += 1


def test_default_sort_pages_agree_with_a_full_sort_through_creates_deletes_and_converts(sim: Simulator) -> None:
    records = sim.freshsales.records
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    picker = random.Random(10)
    leads: list[int] = []
    for n in range(120):
        leads.append(records.create("acme", "lead", {"email": f"p{n}@example.com", "last_name": f"P{n}"})["id"])
        if picker.random() < 0.3:
            sim.clock.advance(picker.choice([1, 60]))  # ties on created_at are broken by id
        if leads and picker.random() < 0.1:
            records.delete("acme", "lead", leads.pop(picker.randrange(len(leads))))
        if leads and picker.random() < 0.05:
            records.convert("acme", leads.pop(picker.randrange(len(leads))))
    account = sim.freshsales.accounts.get("acme")
    assert account is not None
    for entity in ("lead", "contact"):
        all_view = next(view["id"] for view in account.views[entity] if view["name"].startswith("All"))
        for sort_type in ("desc", "asc"):
            wanted = _expected(records, entity, sort_type == "desc")
            assert wanted, entity
            for per_page in (1, 7, 25, 100):
                assert _paged(records, entity, sort_type, per_page) == wanted
                assert _paged(records, entity, sort_type, per_page, view_id=all_view) == wanted
    # Past the last page: empty, with the right totals.
    beyond = records.list("acme", "lead", page=1000, per_page=25)
    assert beyond.records == [] and beyond.total == len(leads)


def test_the_order_survives_a_reset_and_a_restart_from_file(tmp_path: object) -> None:
    from pathlib import Path

    from fssim.app import SimulatorConfig

    db = Path(str(tmp_path)) / "fssim.json"
    first = Simulator(SimulatorConfig(db_path=str(db), frozen_clock=True))
    first.freshsales.accounts.create("acme", api_key="acme-key")
    for n in range(30):
        first.freshsales.records.create("acme", "lead", {"email": f"r{n}@example.com", "last_name": "R"})
        first.clock.advance(1)
    before = _paged(first.freshsales.records, "lead", "desc", 7)
    first.close()
    second = Simulator(SimulatorConfig(db_path=str(db), frozen_clock=True))
    assert _paged(second.freshsales.records, "lead", "desc", 7) == before == sorted(before, reverse=True)
    second.reset()
    second.freshsales.accounts.create("acme", api_key="acme-key")
    assert second.freshsales.records.list("acme", "lead").records == []
    second.close()
