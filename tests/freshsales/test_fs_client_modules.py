"""freshsalessdk 0.1.3 (PyPI, unchanged) against fssim over real HTTP, through several modules: it pages
the contacts view with ``include=sales_accounts,appointments,owner,contact_status`` and joins every
side-loaded id itself without checking (``appointment_ids`` -> ``appointments`` -> ``outcomes``,
``owner_id`` -> ``users``, ``contact_status_id`` -> ``contact_status``), then reads a contact's
appointments and activities. Its sales accounts and deals are paged too, joined the same way
(``owner_id``, ``industry_type_id`` -> ``industry_types``, ``sales_account_id`` -> ``sales_accounts``,
``deal_stage_id`` -> ``deal_stages``).

The transport is pointed at the simulator as in ``test_fs_clients.py`` (a ``requests`` adapter)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import requests
from fs_helpers import make_account
from test_fs_clients import SimulatorAdapter

from fssim.app import Simulator
from fssim.clock import isoformat
from fssim.server import ServerThread

pytestmark = pytest.mark.e2e


@pytest.fixture
def http(live: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url) as client:
        yield client


def test_freshsalessdk_pages_contacts_with_joined_appointments_and_other_modules(
        live: ServerThread, http: httpx.Client, sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    from freshsalessdk import FreshsalesSDK
    from freshsalessdk import freshsalessdk as sdk_module

    headers = make_account(http, "acme")
    contacts = [http.post("/api/contacts", headers=headers, json={"contact": {
        "first_name": f"C{i}", "last_name": "Paged", "email": f"c{i}@example.com"}}).json()["contact"]
        for i in range(27)]
    outcome = _selector(http, headers, "sales_activity_outcomes", "Interested")
    contacted = _selector(http, headers, "contact_statuses", "Contacted")
    assert http.put(f"/api/contacts/{contacts[1]['id']}", headers=headers, json={"contact": {
        "contact_status_id": contacted}}).status_code == 200
    starts = sim.clock.now() + timedelta(days=1)
    booked = {}
    for contact in contacts[::5]:
        answer = http.post("/api/appointments", headers=headers, json={"appointment": {
            "title": f"Demo for {contact['first_name']}", "from_date": isoformat(starts),
            "end_date": isoformat(starts + timedelta(hours=1)), "outcome_id": outcome,
            "targetable_type": "Contact", "targetable_id": contact["id"]}})
        assert answer.status_code == 201, answer.text
        booked[contact["id"]] = answer.json()["appointment"]["id"]

    session = requests.Session()
    session.mount("https://", SimulatorAdapter(live.base_url + "/api"))
    monkeypatch.setattr(sdk_module.requests, "get", session.get)
    sdk = FreshsalesSDK(domain="acme", api_key="acme-key")

    view = sdk.contacts.get_views()[0]
    everyone = sdk.contacts.get_all(view_id=view["id"])  # two pages; each record joined by the SDK
    assert sorted(c["id"] for c in everyone) == sorted(c["id"] for c in contacts)
    for contact in everyone:
        assert contact["owner"]["id"] == contact["owner_id"]
        expected = [booked[contact["id"]]] if contact["id"] in booked else []
        assert [a["id"] for a in contact["appointments"]] == expected
        assert all(a["outcome"]["name"] == "Interested" for a in contact["appointments"])
        status = contact["contact_status"]
        assert (status and status["name"]) == ("Contacted" if contact["id"] == contacts[1]["id"] else None)
    first = contacts[0]["id"]
    assert [a["id"] for a in sdk.contacts.get_appointments(first)] == [booked[first]]
    assert [a["action_type"] for a in sdk.contacts.get_activities(first)] == ["create", "appointment"]


def test_freshsalessdk_pages_sales_accounts_and_deals(live: ServerThread, http: httpx.Client,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from freshsalessdk import FreshsalesSDK
    from freshsalessdk import freshsalessdk as sdk_module

    headers = make_account(http, "acme")
    banking = _selector(http, headers, "industry_types", "Banking")
    won = _selector(http, headers, "deal_stages", "Won")
    rep = http.post("/_sim/accounts/acme/users", json={"email": "rep@example.com", "display_name": "Rep"})
    assert rep.status_code == 201, rep.text
    rep_id = rep.json()["user"]["id"]
    companies = [http.post("/api/sales_accounts", headers=headers, json={"sales_account": {
        "name": f"Company {i}", "industry_type_id": banking if i % 2 else None,
        "owner_id": rep_id if i % 3 == 0 else None}}).json()["sales_account"] for i in range(27)]
    deals = [http.post("/api/deals", headers=headers, json={"deal": {
        "name": f"Deal {i}", "amount": 100 * i, "sales_account_id": companies[i]["id"],
        "deal_stage_id": won if i % 2 else None}}).json()["deal"] for i in range(26)]
    session = requests.Session()
    session.mount("https://", SimulatorAdapter(live.base_url + "/api"))
    monkeypatch.setattr(sdk_module.requests, "get", session.get)
    sdk = FreshsalesSDK(domain="acme", api_key="acme-key")
    for module in (sdk.accounts, sdk.deals):
        views = module.get_views()
        assert views
        for listed_view in views:
            assert isinstance(module.get_all(view_id=listed_view["id"]), list)  # pages and joins, no KeyError

    every_account = next(view["id"] for view in sdk.accounts.get_views() if view["name"] == "All Accounts")
    accounts = sdk.accounts.get_all(view_id=every_account)  # two pages, each joined by the SDK
    assert sorted(a["id"] for a in accounts) == sorted(a["id"] for a in companies)
    for account in accounts:
        assert account["owner"]["id"] == account["owner_id"]
        number = int(account["name"].split()[-1])
        assert account["owner"]["display_name"] == ("Rep" if number % 3 == 0 else "acme admin")
        assert (account["industry_type"] or {}).get("name") == ("Banking" if number % 2 else None)
    every_deal = next(view["id"] for view in sdk.deals.get_views() if view["name"] == "All Deals")
    joined = sdk.deals.get_all(view_id=every_deal)
    assert sorted(d["id"] for d in joined) == sorted(d["id"] for d in deals)
    for deal in joined:
        number = int(deal["name"].split()[-1])
        assert deal["owner"]["id"] == deal["owner_id"]
        assert deal["sales_account"]["name"] == f"Company {number}"
        assert deal["deal_stage"]["name"] == ("Won" if number % 2 else "New")


def _selector(http: httpx.Client, headers: dict[str, str], kind: str, name: str) -> int:
    """The id of the entry named ``name`` in the account's ``kind`` list, looked up as connectors do."""
    entries: list[dict[str, Any]] = http.get(f"/api/selector/{kind}", headers=headers).json()[kind]
    return next(entry["id"] for entry in entries if entry["name"] == name)
