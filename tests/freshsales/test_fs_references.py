"""Tasks, appointments and sales activities name ids kept by other stores: owners are the account's users
(``fs.users``), activity types and outcomes its selector lists (``fs.selectors``), and targets may be its
sales accounts and deals. One reference check (``freshsales/references.py``) asks those stores; side-loads
return the entries themselves, and deleting a sales account or deal deletes what targets it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fs_helpers import errors_of, make_account
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.clock import isoformat

Headers = dict[str, str]


@pytest.fixture
def acme(client: TestClient) -> Headers:
    return make_account(client, "acme")


def _entry(client: TestClient, headers: Headers, kind: str, name: str) -> dict[str, Any]:
    entries: list[dict[str, Any]] = client.get(f"/api/selector/{kind}", headers=headers).json()[kind]
    return next(entry for entry in entries if entry["name"] == name)


def test_owners_types_and_outcomes_are_the_accounts_own(client: TestClient, sim: Simulator, acme: Headers) -> None:
    rep = client.post("/_sim/accounts/acme/users", json={"email": "rep@example.com", "display_name": "Rep"})
    rep_id = rep.json()["user"]["id"]
    company = client.post("/api/sales_accounts", headers=acme, json={"sales_account": {"name": "Engines"}})
    company_id = company.json()["sales_account"]["id"]
    phone = _entry(client, acme, "sales_activity_types", "Phone")
    busy = _entry(client, acme, "sales_activity_outcomes", "Busy")
    made = client.post("/api/sales_activities?include=owner,sales_activity_type,outcome,targets", headers=acme,
                       json={"sales_activity": {
                           "title": "Call", "owner_id": rep_id, "sales_activity_type_id": phone["id"],
                           "sales_activity_outcome_id": busy["id"], "targetable_type": "SalesAccount",
                           "targetable_id": company_id}})
    assert made.status_code == 201, made.text
    activity = made.json()["sales_activity"]
    viewed = client.get(f"/api/sales_activities/{activity['id']}?include=owner,sales_activity_type,outcome,targets",
                        headers=acme).json()
    assert rep_id in {user["id"] for user in viewed["users"]}
    assert next(user for user in viewed["users"] if user["id"] == rep_id)["display_name"] == "Rep"
    assert viewed["sales_activity_types"] == [phone] and viewed["sales_activity_outcomes"] == [busy]
    assert viewed["targets"] == [{"id": company_id, "type": "SalesAccount", "display_name": "Engines",
                                  "email": None}]
    assert not any("partial" in user for user in viewed["users"])

    # Another account's ids are not this account's.
    make_account(client, "globex")
    other = client.post("/_sim/accounts/globex/users", json={"email": "g@example.com"}).json()["user"]["id"]
    wrong = client.post("/api/tasks", headers=acme, json={"task": {
        "title": "t", "due_date": isoformat(sim.clock.now() + timedelta(days=1)), "owner_id": other,
        "task_type_id": 70_000_000_001, "targetable_type": "SalesAccount", "targetable_id": company_id}})
    assert wrong.status_code == 400
    assert [message.split(" (")[0] for message in errors_of(wrong)] == [
        f"owner_id {other} is not an owner", "task_type_id 70000000001 is not a sales activity type"]
    missing = client.post("/api/tasks", headers=acme, json={"task": {
        "title": "t", "due_date": isoformat(sim.clock.now()), "targetable_type": "Deal", "targetable_id": 12345}})
    assert missing.status_code == 404


def test_deleting_a_sales_account_or_deal_deletes_what_targets_it(client: TestClient, sim: Simulator,
                                                                  acme: Headers) -> None:
    company_id = client.post("/api/sales_accounts", headers=acme, json={"sales_account": {"name": "Looms"}}
                             ).json()["sales_account"]["id"]
    deal_id = client.post("/api/deals", headers=acme, json={"deal": {"name": "Order", "sales_account_id": company_id}}
                          ).json()["deal"]["id"]
    due = isoformat(sim.clock.now() + timedelta(days=1))
    for kind, target in (("SalesAccount", company_id), ("Deal", deal_id)):
        made = client.post("/api/tasks", headers=acme, json={"task": {
            "title": f"Follow up {kind}", "due_date": due, "targetable_type": kind, "targetable_id": target}})
        assert made.status_code == 201, made.text
    shown = client.get(f"/api/deals/{deal_id}?include=tasks", headers=acme).json()
    assert [task["title"] for task in shown["tasks"]] == ["Follow up Deal"]
    assert shown["deal"]["task_ids"] == [shown["tasks"][0]["id"]]

    client.delete(f"/api/deals/{deal_id}", headers=acme)
    assert [task["title"] for task in client.get("/api/tasks", headers=acme).json()["tasks"]] == [
        "Follow up SalesAccount"]
    client.delete(f"/api/sales_accounts/{company_id}", headers=acme)
    assert client.get("/api/tasks", headers=acme).json()["tasks"] == []
