"""The requests a production Segment-style destination for Freshsales (rudder-transformer's, reference
§6) sends, replayed over real HTTP against uvicorn on 127.0.0.1 and checked through the REST API:
group by account name, a contact linked to its company by email, a track that sets a lifecycle stage
by name, and a sales activity on a contact whose type is looked up by name."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fssim.server import ServerThread

API = "/crm/sales/api"


@pytest.fixture
def http(live: ServerThread) -> httpx.Client:
    with httpx.Client(base_url=live.base_url) as setup:
        assert setup.post("/_sim/accounts", json={"subdomain": "acme", "api_key": "acme-key",
                                                  "product": "suite"}).status_code == 201
    return httpx.Client(base_url=live.base_url, headers={"Authorization": "Token token=acme-key",
                                                         "Content-Type": "application/json"})


def _by_name(http: httpx.Client, kind: str, name: str) -> int:
    entries: list[dict[str, Any]] = http.get(f"{API}/selector/{kind}").json()[kind]
    return next(entry["id"] for entry in entries if entry["name"] == name)


def test_group_by_name_links_the_contact_found_by_email(http: httpx.Client) -> None:
    account = http.post(f"{API}/sales_accounts/upsert", json={
        "unique_identifier": {"name": "Analytical Engines"},
        "sales_account": {"name": "Analytical Engines", "website": "engines.example.com"}})
    assert account.status_code in (200, 201), account.text
    account_id = account.json()["sales_account"]["id"]
    again = http.post(f"{API}/sales_accounts/upsert", json={
        "unique_identifier": {"name": "Analytical Engines"}, "sales_account": {"phone": "555"}})
    assert again.status_code == 200 and again.json()["sales_account"]["id"] == account_id
    contact = http.post(f"{API}/contacts/upsert?include=sales_accounts", json={
        "unique_identifier": {"emails": "ada@example.com"},
        "contact": {"emails": "ada@example.com", "last_name": "Lovelace",
                    "sales_accounts": [{"id": account_id, "is_primary": True}]}})
    assert contact.status_code in (200, 201), contact.text
    assert contact.json()["contact"]["sales_accounts"] == [{"id": account_id, "is_primary": True}]
    assert [one["id"] for one in contact.json()["sales_accounts"]] == [account_id]
    viewed = http.get(f"{API}/contacts/{contact.json()['contact']['id']}?include=sales_accounts").json()
    assert viewed["sales_accounts"][0]["phone"] == "555"


def test_group_by_email_finds_the_account_by_lookup_then_links_it(http: httpx.Client) -> None:
    http.post(f"{API}/sales_accounts", json={"sales_account": {"name": "Looms"}})
    found = http.get(f"{API}/lookup", params={"q": "Looms", "f": "name", "entities": "sales_account"}).json()
    (account,) = found["sales_accounts"]["sales_accounts"]
    linked = http.post(f"{API}/contacts/upsert", json={
        "unique_identifier": {"emails": "grace@example.com"},
        "contact": {"sales_accounts": [{"id": account["id"], "is_primary": True}]}})
    assert linked.status_code == 201
    wrong = http.post(f"{API}/contacts/upsert", json={
        "unique_identifier": {"emails": "grace@example.com"},
        "contact": {"sales_accounts": [{"id": account["id"] + 10**6, "is_primary": True}]}})
    assert wrong.status_code == 400 and wrong.json()["errors"]["code"] == 400


def test_track_sets_a_lifecycle_stage_by_name(http: httpx.Client) -> None:
    stage = _by_name(http, "lifecycle_stages", "Sales Qualified Lead")
    made = http.post(f"{API}/contacts/upsert", json={
        "unique_identifier": {"emails": "cy@example.com"}, "contact": {"lifecycle_stage_id": stage}})
    assert made.status_code == 201, made.text
    contact = http.get(f"{API}/contacts/{made.json()['contact']['id']}").json()["contact"]
    assert contact["lifecycle_stage_id"] == stage
    bad = http.post(f"{API}/contacts/upsert", json={
        "unique_identifier": {"emails": "cy@example.com"}, "contact": {"lifecycle_stage_id": 12345}})
    assert bad.status_code == 400 and "lifecycle_stage_id 12345" in bad.json()["errors"]["message"][0]


def test_sales_activity_on_a_contact_with_its_type_by_name(http: httpx.Client) -> None:
    contact = http.post(f"{API}/contacts", json={"contact": {"emails": "di@example.com"}}).json()["contact"]
    call_type = _by_name(http, "sales_activity_types", "Phone")
    owner = http.get(f"{API}/selector/owners").json()["users"][0]["id"]
    made = http.post(f"{API}/sales_activities", json={"sales_activity": {
        "title": "Intro call", "sales_activity_type_id": call_type, "owner_id": owner,
        "targetable_type": "Contact", "targetable_id": contact["id"],
        "start_date": "2026-03-01T10:00:00Z", "end_date": "2026-03-01T10:30:00Z"}})
    assert made.status_code == 201, made.text
    viewed = http.get(f"{API}/contacts/{contact['id']}?include=sales_activities").json()
    assert [one["title"] for one in viewed["sales_activities"]] == ["Intro call"]
