"""``GET /api/selector/*`` and the control API's users, over HTTP (in-process and real uvicorn)."""

from __future__ import annotations

import httpx
from fs_helpers import make_account
from starlette.testclient import TestClient

from fssim.freshsales.selectors import KINDS, RESPONSE_KEYS
from fssim.server import ServerThread


def test_every_selector_answers_its_list_under_both_prefixes(client: TestClient) -> None:
    acme = make_account(client, "acme")
    for kind in KINDS:
        for prefix in ("/api", "/crm/sales/api"):
            response = client.get(f"{prefix}/selector/{kind}", headers=acme)
            assert response.status_code == 200, response.text
            entries = response.json()[RESPONSE_KEYS[kind]]
            assert entries and all(isinstance(entry["id"], int) for entry in entries)
    assert client.get("/api/selector/lifecycle_stages").status_code == 401


def test_the_outcomes_of_one_sales_activity_type(client: TestClient) -> None:
    acme = make_account(client, "acme")
    types = client.get("/crm/sales/api/selector/sales_activity_types", headers=acme).json()["sales_activity_types"]
    every = client.get("/crm/sales/api/selector/sales_activity_outcomes", headers=acme).json()
    answer = client.get(f"/crm/sales/api/selector/sales_activity_types/{types[0]['id']}/sales_activity_outcomes",
                        headers=acme)
    assert answer.status_code == 200 and answer.json() == every  # every outcome applies to every type (policy)
    outcome_id = every["sales_activity_outcomes"][0]["id"]
    missing = client.get(f"/api/selector/sales_activity_types/{outcome_id}/sales_activity_outcomes", headers=acme)
    assert missing.status_code == 404
    assert missing.json()["errors"]["message"] == [f"Sales activity type {outcome_id} not found"]


def test_control_api_adds_users_who_then_are_owners(live: ServerThread) -> None:
    with httpx.Client(base_url=live.base_url) as http:
        made = http.post("/_sim/accounts", json={"subdomain": "acme", "api_key": "k-acme"})
        assert made.status_code == 201
        added = http.post("/_sim/accounts/acme/users", json={"email": "bo@acme.example.com", "display_name": "Bo"})
        assert added.status_code == 201, added.text
        again = http.post("/_sim/accounts/acme/users", json={"email": "bo@acme.example.com"})
        assert again.status_code == 409 and "already exists" in again.text
        bad = http.post("/_sim/accounts/acme/users", json={"email": "not an email"})
        assert bad.status_code == 400
        owners = http.get("/api/selector/owners", headers={"Authorization": "Token token=k-acme"}).json()["users"]
        assert [owner["display_name"] for owner in owners] == ["acme admin", "Bo"]
        listed = http.get("/_sim/accounts/acme/users").json()["users"]
        assert [user["id"] for user in listed] == [owner["id"] for owner in owners]


def test_no_two_rest_endpoints_share_a_method_and_path() -> None:
    # A second row for a served path is never reached: the first route wins (it happened to a selector).
    from fssim.freshsales.rest import all_endpoints

    rows = [(endpoint.method, endpoint.path) for endpoint in all_endpoints()]
    assert sorted(row for row in set(rows) if rows.count(row) > 1) == []
