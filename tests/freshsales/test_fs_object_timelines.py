"""Tasks, appointments, notes and sales activities that target a sales account or a deal appear on that
target's activity timeline (issue 13 point 2), read over real HTTP on 127.0.0.1 with
``GET /<plural>/:id/activities`` as for contacts; deleting the item or the target removes them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fs_helpers import errors_of, make_account

from fssim.server import ServerThread

pytestmark = pytest.mark.e2e

API = "/crm/sales/api"
Headers = dict[str, str]


@pytest.fixture
def http(live: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url) as client:
        yield client


def _create(http: httpx.Client, headers: Headers, plural: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = http.post(f"{API}/{plural}", headers=headers, json={key: body})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()[key]
    return created


def _engage(http: httpx.Client, headers: Headers, label: str, target_id: int) -> dict[str, int]:
    """One of each item on the target; returns item kind label -> id."""
    target = {"targetable_type": label, "targetable_id": target_id}
    return {
        "SalesActivity": _create(http, headers, "sales_activities", "sales_activity", {
            "title": "Intro call", "start_date": "2026-11-29T10:00:00Z", "end_date": "2026-11-29T10:30:00Z",
            **target})["id"],
        "Task": _create(http, headers, "tasks", "task", {
            "title": "Send quote", "due_date": "2026-12-01T09:00:00Z", **target})["id"],
        "Appointment": _create(http, headers, "appointments", "appointment", {
            "title": "Demo", "from_date": "2026-12-02T09:00:00Z", "end_date": "2026-12-02T10:00:00Z",
            **target})["id"],
        "Note": _create(http, headers, "notes", "note", {"description": "Met at the fair", **target})["id"],
    }


def _timeline(http: httpx.Client, headers: Headers, plural: str, record_id: int) -> list[dict[str, Any]]:
    answer = http.get(f"{API}/{plural}/{record_id}/activities", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert list(body) == ["activities", "meta"] and body["meta"]["total"] == len(body["activities"])
    items: list[dict[str, Any]] = body["activities"]
    return items


@pytest.mark.parametrize(("plural", "key", "label"), [("sales_accounts", "sales_account", "SalesAccount"),
                                                      ("deals", "deal", "Deal")])
def test_items_on_a_sales_account_or_deal_appear_on_its_timeline(
        http: httpx.Client, plural: str, key: str, label: str) -> None:
    acme = make_account(http, "acme", product="suite")
    target = _create(http, acme, plural, key, {"name": "Engines Ltd"})
    other = _create(http, acme, plural, key, {"name": "Pumps Ltd"})
    made = _engage(http, acme, label, target["id"])

    items = _timeline(http, acme, plural, target["id"])
    assert {item["actionable_type"]: item["actionable_id"] for item in items} == made
    for item in items:
        assert (item["targetable_type"], item["targetable_id"], item["targetable_name"]) == \
            (label, target["id"], "Engines Ltd")
    assert _timeline(http, acme, plural, other["id"]) == []  # nothing leaks to another record
    paged = http.get(f"{API}/{plural}/{target['id']}/activities?per_page=3&page=2", headers=acme).json()
    assert paged["meta"] == {"total": 4, "total_pages": 2} and paged["activities"] == items[3:]

    # Deleting an item takes it off the timeline; deleting the target takes the rest with it.
    assert http.delete(f"{API}/tasks/{made['Task']}", headers=acme).status_code == 200
    assert "Task" not in {item["actionable_type"] for item in _timeline(http, acme, plural, target["id"])}
    assert http.delete(f"{API}/{plural}/{target['id']}", headers=acme).status_code == 200
    gone = http.get(f"{API}/{plural}/{target['id']}/activities", headers=acme)
    assert gone.status_code == 404 and errors_of(gone) == [f"{label} {target['id']} not found"]
    assert http.get(f"{API}/sales_activities/{made['SalesActivity']}", headers=acme).status_code == 404


def test_another_accounts_records_have_no_timeline_here(http: httpx.Client) -> None:
    acme = make_account(http, "acme", product="suite")
    globex = make_account(http, "globex", product="suite")
    theirs = _create(http, globex, "deals", "deal", {"name": "Big deal"})
    _engage(http, globex, "Deal", theirs["id"])
    answer = http.get(f"{API}/deals/{theirs['id']}/activities", headers=acme)
    assert answer.status_code == 404 and errors_of(answer) == [f"Deal {theirs['id']} not found"]
    assert len(_timeline(http, globex, "deals", theirs["id"])) == 4
