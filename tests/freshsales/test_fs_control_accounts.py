"""Accounts through the control API: create, list, keys, custom fields, switches; errors that say why."""

from __future__ import annotations

from starlette.testclient import TestClient

JSON = {"Content-Type": "application/json"}


def test_create_list_and_get_accounts(client: TestClient) -> None:
    created = client.post("/_sim/accounts", json={"subdomain": "acme", "plan": "estate", "api_key": "k1",
                                                  "product": "suite"})
    assert created.status_code == 201
    account = created.json()["account"]
    assert (account["subdomain"], account["product"], account["plan"]["requests_per_hour"]) == ("acme", "suite", 2000)
    assert account["segment"] == {"enabled": False, "history": []}
    answer = client.post("/_sim/accounts", json={"subdomain": "globex"}).json()
    generated = answer["account"]
    # A generated key is shown in full once, to its creator; answers about the account mask it.
    assert generated["plan"]["name"] == "garden" and len(answer["api_key"]) >= 18
    assert generated["api_keys"] == ["****" + answer["api_key"][-4:]]
    assert client.get("/_sim/accounts/globex/api-key").json() == {"api_key": answer["api_key"]}
    assert [a["subdomain"] for a in client.get("/_sim/accounts").json()["accounts"]] == ["acme", "globex"]
    assert client.get("/_sim/accounts/acme").json()["account"]["api_keys"] == ["****"]  # 4 or fewer: all hidden
    state = client.get("/_sim/state").json()["freshsales"]
    assert [a["records"] for a in state["accounts"]] == [{
        "leads": 0, "contacts": 0, "sales_accounts": 0, "deals": 0, "users": 1, "notes": 0, "tasks": 0,
        "appointments": 0, "sales_activities": 0, "lists": 0}] * 2


def test_bad_account_requests_say_what_is_wrong(client: TestClient) -> None:
    client.post("/_sim/accounts", json={"subdomain": "acme", "api_key": "k1"})
    cases = [
        ({"plan": "garden"}, 400, "'subdomain' is required"),
        ({"subdomain": "acme"}, 409, "already exists"),
        ({"subdomain": "other", "api_key": "k1"}, 409, "API key already belongs"),
        ({"subdomain": "bad name"}, 400, "subdomain"),
        ({"subdomain": "x", "plan": "oak"}, 400, "unknown plan 'oak'"),
        ({"subdomain": "x", "product": "crm"}, 400, "product 'crm'"),
        ({"subdomain": 5}, 400, "'subdomain' must be a string"),
    ]
    for body, status, text in cases:
        response = client.post("/_sim/accounts", json=body)
        assert response.status_code == status, body
        assert text in response.json()["message"], body
    assert client.post("/_sim/accounts", content=b"{", headers=JSON).status_code == 400
    assert client.get("/_sim/accounts/nope").status_code == 404
    assert [a["subdomain"] for a in client.get("/_sim/accounts").json()["accounts"]] == ["acme"]


def test_custom_field_definitions_are_checked(client: TestClient) -> None:
    client.post("/_sim/accounts", json={"subdomain": "acme"})
    ok = client.post("/_sim/accounts/acme/fields", json={"entity": "lead", "name": "cf_score", "type": "number"})
    assert ok.status_code == 201
    for body, text in [
        ({"entity": "deal", "name": "cf_x"}, "entity 'deal'"),
        ({"entity": "lead", "name": "score"}, "cf_something"),
        ({"entity": "lead", "name": "cf_x", "type": "money"}, "type 'money'"),
        ({"entity": "lead", "name": "cf_x", "type": "dropdown"}, "choices"),
        ({"entity": "lead", "name": "cf_score", "type": "text"}, "type cannot change"),
    ]:
        response = client.post("/_sim/accounts/acme/fields", json=body)
        assert response.status_code == 400 and text in response.json()["message"], body


def test_an_over_deep_control_body_is_a_400(client: TestClient) -> None:
    depth = 100_000
    response = client.post("/_sim/accounts", content=("[" * depth + "]" * depth).encode(), headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"message": "the request body is not valid JSON: it is nested too deeply"}
