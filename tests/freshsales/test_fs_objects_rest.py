"""Sales accounts and deals over the REST API, and contacts linked to them (in-process)."""

from __future__ import annotations

from typing import Any

import pytest
from fs_helpers import errors_of, make_account
from starlette.testclient import TestClient

Headers = dict[str, str]


@pytest.fixture
def acme(client: TestClient) -> Headers:
    return make_account(client, "acme", product="suite")


def _selector(client: TestClient, headers: Headers, kind: str, name: str) -> int:
    key = "users" if kind == "owners" else kind
    entries = client.get(f"/crm/sales/api/selector/{kind}", headers=headers).json()[key]
    return next(entry["id"] for entry in entries if entry.get("name", entry.get("display_name")) == name)


def _view(client: TestClient, headers: Headers, plural: str, name: str) -> int:
    views = client.get(f"/crm/sales/api/{plural}/filters", headers=headers).json()["filters"]
    return next(view["id"] for view in views if view["name"] == name)


def test_sales_account_crud_upsert_and_unique_name(client: TestClient, acme: Headers) -> None:
    api = "/crm/sales/api/sales_accounts"
    made = client.post(api, json={"sales_account": {"name": "Engines Ltd", "number_of_employees": "12"}},
                       headers=acme)
    assert made.status_code == 201, made.text
    account = made.json()["sales_account"]
    assert account["number_of_employees"] == 12 and account["owner_id"] > 2**32
    taken = client.post(api, json={"sales_account": {"name": " engines ltd"}}, headers=acme)
    assert taken.status_code == 400 and errors_of(taken) == ["Name has already been taken"]
    same = client.post(f"{api}/upsert", headers=acme, json={"unique_identifier": {"name": "ENGINES LTD"},
                                                            "sales_account": {"city": "London"}})
    assert same.status_code == 200 and same.json()["sales_account"]["id"] == account["id"]
    new = client.post(f"{api}/upsert", headers=acme, json={"unique_identifier": {"name": "Looms"},
                                                           "sales_account": {}})
    assert new.status_code == 201 and new.json()["sales_account"]["name"] == "Looms"
    bad = client.put(f"{api}/{account['id']}", headers=acme,
                     json={"sales_account": {"industry_type_id": 1, "owner_id": "x"}})
    assert bad.status_code == 400 and len(errors_of(bad)) == 2
    industry = _selector(client, acme, "industry_types", "Banking")
    good = client.put(f"{api}/{account['id']}", headers=acme,
                      json={"sales_account": {"industry_type_id": industry}})
    assert good.json()["sales_account"]["industry_type_id"] == industry
    viewed = client.get(f"{api}/{account['id']}?include=industry_types,owner", headers=acme).json()
    assert industry in {entry["id"] for entry in viewed["industry_types"]}
    assert viewed["sales_account"]["owner_id"] in {user["id"] for user in viewed["users"]}
    assert client.delete(f"{api}/{account['id']}", headers=acme).json() is True
    assert client.get(f"{api}/{account['id']}", headers=acme).status_code == 404


def test_views_page_through_every_account(client: TestClient, acme: Headers) -> None:
    for number in range(7):
        assert client.post("/api/sales_accounts", json={"sales_account": {"name": f"Co {number}"}},
                           headers=acme).status_code == 201
    view = _view(client, acme, "sales_accounts", "All Accounts")
    seen: list[str] = []
    page = 1
    while True:
        body = client.get(f"/api/sales_accounts/view/{view}?page={page}&per_page=3&sort=name&sort_type=asc",
                          headers=acme).json()
        seen += [one["name"] for one in body["sales_accounts"]]
        if page >= body["meta"]["total_pages"]:
            break
        page += 1
    assert seen == [f"Co {number}" for number in range(7)] and body["meta"]["total"] == 7
    assert client.get("/api/sales_accounts/view/1", headers=acme).status_code == 404


def test_contacts_link_accounts_and_side_load_them(client: TestClient, acme: Headers) -> None:
    company = client.post("/api/sales_accounts", json={"sales_account": {"name": "Engines Ltd"}},
                          headers=acme).json()["sales_account"]
    missing = client.post("/api/contacts", headers=acme, json={"contact": {
        "email": "ada@example.com", "sales_accounts": [{"id": company["id"] + 999, "is_primary": True}]}})
    assert missing.status_code == 400
    assert errors_of(missing)[0].startswith(f"sales_accounts names {company['id'] + 999}")
    contact = client.post("/api/contacts", headers=acme, json={"contact": {
        "email": "ada@example.com", "sales_accounts": [{"id": company["id"], "is_primary": True}]}}).json()["contact"]
    viewed = client.get(f"/api/contacts/{contact['id']}?include=sales_accounts", headers=acme).json()
    assert [one["id"] for one in viewed["sales_accounts"]] == [company["id"]]
    client.delete(f"/api/sales_accounts/{company['id']}", headers=acme)
    after = client.get(f"/api/contacts/{contact['id']}?include=sales_accounts", headers=acme).json()
    assert after["contact"]["sales_accounts"] == [] and after["sales_accounts"] == []


def test_deals_default_to_the_pipeline_and_views_follow_the_stage(client: TestClient, acme: Headers) -> None:
    contact = client.post("/api/contacts", headers=acme, json={"contact": {"email": "bo@example.com"}}).json()
    contact_id = contact["contact"]["id"]
    company = client.post("/api/sales_accounts", json={"sales_account": {"name": "Looms"}},
                          headers=acme).json()["sales_account"]
    nameless = client.post("/api/deals", json={"deal": {"amount": 10}}, headers=acme)
    assert nameless.status_code == 400 and errors_of(nameless) == ["Name can't be blank"]
    made = client.post("/api/deals", headers=acme, json={"deal": {
        "name": "Big sale", "amount": "1500.50", "sales_account_id": company["id"],
        "contacts_added_list": [contact_id]}})
    assert made.status_code == 201, made.text
    deal: dict[str, Any] = made.json()["deal"]
    assert deal["amount"] == 1500.5 and deal["contact_ids"] == [contact_id]
    assert deal["deal_stage_id"] == _selector(client, acme, "deal_stages", "New")
    assert deal["deal_pipeline_id"] == _selector(client, acme, "deal_pipelines", "Default Pipeline")
    wrong = client.post("/api/deals", headers=acme, json={"deal": {"name": "x", "contact_ids": [company["id"]],
                                                                   "deal_stage_id": 5}})
    assert wrong.status_code == 400 and len(errors_of(wrong)) == 2
    won = _selector(client, acme, "deal_stages", "Won")
    client.put(f"/api/deals/{deal['id']}", json={"deal": {"deal_stage_id": won}}, headers=acme)
    listed = client.get(f"/api/deals/view/{_view(client, acme, 'deals', 'Won Deals')}?include=deal_stages,"
                        "sales_account,contacts", headers=acme).json()
    assert [one["id"] for one in listed["deals"]] == [deal["id"]] and listed["deals"][0]["probability"] == 100
    assert [one["id"] for one in listed["sales_accounts"]] == [company["id"]]
    assert [one["id"] for one in listed["contacts"]] == [contact_id]
    assert won in {stage["id"] for stage in listed["deal_stages"]}
    assert client.get(f"/api/deals/view/{_view(client, acme, 'deals', 'Open Deals')}",
                      headers=acme).json()["deals"] == []
    client.delete(f"/api/contacts/{contact_id}", headers=acme)
    client.delete(f"/api/sales_accounts/{company['id']}", headers=acme)
    left = client.get(f"/api/deals/{deal['id']}", headers=acme).json()["deal"]
    assert left["contact_ids"] == [] and left["sales_account_id"] is None


def test_lookup_and_search_find_accounts_and_deals(client: TestClient, acme: Headers) -> None:
    company = client.post("/api/sales_accounts", json={"sales_account": {"name": "Engines Ltd"}},
                          headers=acme).json()["sales_account"]
    deal = client.post("/api/deals", json={"deal": {"name": "Engine order"}}, headers=acme).json()["deal"]
    found = client.get("/api/lookup?q=engines ltd&f=name&entities=sales_account,deal", headers=acme).json()
    assert [one["id"] for one in found["sales_accounts"]["sales_accounts"]] == [company["id"]]
    assert found["deals"]["deals"] == []
    hits = client.get("/api/search?q=engine&include=sales_account,deal", headers=acme).json()
    assert {(hit["type"], hit["id"]) for hit in hits} == {("sales_account", str(company["id"])),
                                                         ("deal", str(deal["id"]))}


@pytest.mark.parametrize(("entity", "plural"), [("sales_account", "sales_accounts"), ("deal", "deals")])
def test_filtered_search_on_sales_accounts_and_deals(client: TestClient, acme: Headers, entity: str,
                                                     plural: str) -> None:
    """The Lori tap's incremental form (``updated_at is_after``) and name/custom-field rules."""
    made = [client.post(f"/crm/sales/api/{plural}", headers=acme, json={entity: {
        "name": name, "custom_field": {"cf_region": region}}}).json()[entity]
        for name, region in (("Engines Ltd", "north"), ("Pumps Ltd", "south"), ("Engines GmbH", "south"))]
    url = f"/crm/sales/api/filtered_search/{entity}"

    def search(*rules: dict[str, Any], per_page: int = 25) -> dict[str, Any]:
        answer = client.post(f"{url}?per_page={per_page}", headers=acme, json={"filter_rule": list(rules)})
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    since = search({"attribute": "updated_at", "operator": "is_after", "value": "2000-01-01T00:00:00Z"},
                   per_page=2)
    assert list(since) == [plural, "meta"] and since["meta"] == {"total": 3, "total_pages": 2}
    assert since[plural] == made[:2]  # in id order, the record as its own endpoint shows it
    engines = search({"attribute": "name", "operator": "contains", "value": "engines"},
                     {"attribute": "cf_region", "operator": "equals", "value": "SOUTH"})
    assert [record["id"] for record in engines[plural]] == [made[2]["id"]]
    bad = client.post(url, headers=acme, json={"filter_rule": [{"attribute": "email", "operator": "is",
                                                                "value": "x"}]})
    assert bad.status_code == 400 and errors_of(bad) == [f"filter attribute 'email' is not a field of {plural}"]
