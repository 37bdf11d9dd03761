"""The requests a production Segment-style destination for Freshsales (rudder-transformer's, reference
§6) sends, replayed over real HTTP against uvicorn on 127.0.0.1 in their order and shapes, and checked
through the REST API: group by account name, a contact linked to its company by email, a track that sets
a lifecycle stage by name, a sales activity whose type is looked up by name (on a contact, then on the
contact's sales account), and the contact added to a list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fs_helpers import make_account

from fssim.server import ServerThread

pytestmark = pytest.mark.e2e

API = "/crm/sales/api"


@pytest.fixture
def http(live: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url + API) as client:
        yield client


@pytest.fixture
def acme(live: ServerThread) -> Iterator[httpx.Client]:
    """A client of the account ``acme`` (Suite), its key in every request."""
    with httpx.Client(base_url=live.base_url) as setup:
        assert setup.post("/_sim/accounts", json={"subdomain": "acme", "api_key": "acme-key",
                                                  "product": "suite"}).status_code == 201
    with httpx.Client(base_url=live.base_url, headers={"Authorization": "Token token=acme-key",
                                                       "Content-Type": "application/json"}) as client:
        yield client


def _by_name(acme: httpx.Client, kind: str, name: str) -> int:
    entries: list[dict[str, Any]] = acme.get(f"{API}/selector/{kind}").json()[kind]
    return next(entry["id"] for entry in entries if entry["name"] == name)


def test_group_by_name_links_the_contact_found_by_email(acme: httpx.Client) -> None:
    account = acme.post(f"{API}/sales_accounts/upsert", json={
        "unique_identifier": {"name": "Analytical Engines"},
        "sales_account": {"name": "Analytical Engines", "website": "engines.example.com"}})
    assert account.status_code in (200, 201), account.text
    account_id = account.json()["sales_account"]["id"]
    again = acme.post(f"{API}/sales_accounts/upsert", json={
        "unique_identifier": {"name": "Analytical Engines"}, "sales_account": {"phone": "555"}})
    assert again.status_code == 200 and again.json()["sales_account"]["id"] == account_id
    contact = acme.post(f"{API}/contacts/upsert?include=sales_accounts", json={
        "unique_identifier": {"emails": "ada@example.com"},
        "contact": {"emails": "ada@example.com", "last_name": "Lovelace",
                    "sales_accounts": [{"id": account_id, "is_primary": True}]}})
    assert contact.status_code in (200, 201), contact.text
    assert contact.json()["contact"]["sales_accounts"] == [{"id": account_id, "is_primary": True}]
    assert [one["id"] for one in contact.json()["sales_accounts"]] == [account_id]
    viewed = acme.get(f"{API}/contacts/{contact.json()['contact']['id']}?include=sales_accounts").json()
    assert viewed["sales_accounts"][0]["phone"] == "555"


def test_group_by_email_finds_the_account_by_lookup_then_links_it(acme: httpx.Client) -> None:
    acme.post(f"{API}/sales_accounts", json={"sales_account": {"name": "Looms"}})
    found = acme.get(f"{API}/lookup", params={"q": "Looms", "f": "name", "entities": "sales_account"}).json()
    (account,) = found["sales_accounts"]["sales_accounts"]
    linked = acme.post(f"{API}/contacts/upsert", json={
        "unique_identifier": {"emails": "grace@example.com"},
        "contact": {"sales_accounts": [{"id": account["id"], "is_primary": True}]}})
    assert linked.status_code == 201
    wrong = acme.post(f"{API}/contacts/upsert", json={
        "unique_identifier": {"emails": "grace@example.com"},
        "contact": {"sales_accounts": [{"id": account["id"] + 10**6, "is_primary": True}]}})
    assert wrong.status_code == 400 and wrong.json()["errors"]["code"] == 400


def test_track_sets_a_lifecycle_stage_by_name(acme: httpx.Client) -> None:
    stage = _by_name(acme, "lifecycle_stages", "Sales Qualified Lead")
    made = acme.post(f"{API}/contacts/upsert", json={
        "unique_identifier": {"emails": "cy@example.com"}, "contact": {"lifecycle_stage_id": stage}})
    assert made.status_code == 201, made.text
    contact = acme.get(f"{API}/contacts/{made.json()['contact']['id']}").json()["contact"]
    assert contact["lifecycle_stage_id"] == stage
    bad = acme.post(f"{API}/contacts/upsert", json={
        "unique_identifier": {"emails": "cy@example.com"}, "contact": {"lifecycle_stage_id": 12345}})
    assert bad.status_code == 400 and "lifecycle_stage_id 12345" in bad.json()["errors"]["message"][0]


def test_sales_activity_on_a_contact_with_its_type_by_name(acme: httpx.Client) -> None:
    contact = acme.post(f"{API}/contacts", json={"contact": {"emails": "di@example.com"}}).json()["contact"]
    call_type = _by_name(acme, "sales_activity_types", "Phone")
    owner = acme.get(f"{API}/selector/owners").json()["users"][0]["id"]
    made = acme.post(f"{API}/sales_activities", json={"sales_activity": {
        "title": "Intro call", "sales_activity_type_id": call_type, "owner_id": owner,
        "targetable_type": "Contact", "targetable_id": contact["id"],
        "start_date": "2026-03-01T10:00:00Z", "end_date": "2026-03-01T10:30:00Z"}})
    assert made.status_code == 201, made.text
    viewed = acme.get(f"{API}/contacts/{contact['id']}?include=sales_activities").json()
    assert [one["title"] for one in viewed["sales_activities"]] == ["Intro call"]


def test_a_track_becomes_a_sales_activity_on_the_contact_and_a_list_membership(
        live: ServerThread, http: httpx.Client) -> None:
    with httpx.Client(base_url=live.base_url) as control:
        headers = make_account(control, "initech", product="suite")
    headers = {**headers, "Host": "initech.myfreshworks.com", "Content-Type": "application/json"}

    # 1. the contact the event belongs to, by email, with its sales accounts side-loaded
    upsert = http.post("/contacts/upsert?include=sales_accounts", headers=headers, json={
        "unique_identifier": {"emails": "jane@example.com"},
        "contact": {"emails": "jane@example.com", "first_name": "Jane", "last_name": "Doe"}})
    assert upsert.status_code in (200, 201), upsert.text
    contact = upsert.json()["contact"]
    assert upsert.json()["sales_accounts"] == []
    # 2. the sales activity type, found by its name ("Phone") as the destination does
    types = http.get("/selector/sales_activity_types", headers=headers).json()["sales_activity_types"]
    phone = next(kind for kind in types if kind["name"] == "Phone")
    # 3. the activity itself
    logged = http.post("/sales_activities", headers=headers, json={"sales_activity": {
        "title": "Called about renewal", "sales_activity_type_id": phone["id"],
        "start_date": "2024-05-01T10:00:00Z", "end_date": "2024-05-01T10:15:00Z",
        "targetable_type": "Contact", "targetable_id": contact["id"]}})
    assert logged.status_code == 201, logged.text
    activity = logged.json()["sales_activity"]
    # 4. a list, then the contact added to it
    made = http.post("/lists", headers=headers, json={"name": "Renewals"})
    assert made.status_code == 201, made.text
    list_id = made.json()["list"]["id"]
    added = http.put(f"/lists/{list_id}/add_contacts", headers=headers, json={"ids": [contact["id"]]})
    assert added.status_code == 200, added.text

    viewed = http.get(f"/contacts/{contact['id']}?include=sales_activities,owner", headers=headers).json()
    assert viewed["contact"]["sales_activity_ids"] == [activity["id"]]
    assert viewed["sales_activities"][0]["sales_activity_type_id"] == phone["id"]
    assert viewed["sales_activities"][0]["start_date"] == "2024-05-01T10:00:00+00:00"
    timeline = http.get(f"/contacts/{contact['id']}/activities", headers=headers).json()["activities"]
    assert [(a["action_type"], a["action_data"]["name"]) for a in timeline][-1] == (
        "sales_activity", "Called about renewal")
    members = http.get(f"/contacts/lists/{list_id}", headers=headers).json()["contacts"]
    assert [m["id"] for m in members] == [contact["id"]]

    # 5. a group: the company by name, then an activity logged on it with an outcome found by name
    company = http.post("/sales_accounts/upsert", headers=headers, json={
        "unique_identifier": {"name": "Initech"}, "sales_account": {"name": "Initech"}})
    assert company.status_code == 201, company.text
    company_id = company.json()["sales_account"]["id"]
    outcomes = http.get("/selector/sales_activity_outcomes", headers=headers).json()["sales_activity_outcomes"]
    interested = next(outcome["id"] for outcome in outcomes if outcome["name"] == "Interested")
    on_company = http.post("/sales_activities", headers=headers, json={"sales_activity": {
        "title": "Renewal call", "sales_activity_type_id": phone["id"], "sales_activity_outcome_id": interested,
        "targetable_type": "SalesAccount", "targetable_id": company_id}})
    assert on_company.status_code == 201, on_company.text
    shown = http.get(f"/sales_accounts/{company_id}?include=sales_activities,owner", headers=headers).json()
    assert [a["title"] for a in shown["sales_activities"]] == ["Renewal call"]
    assert shown["sales_account"]["sales_activity_ids"] == [on_company.json()["sales_activity"]["id"]]
    assert shown["sales_account"]["owner_id"] in {user["id"] for user in shown["users"]}
