"""Every REST endpoint and error shape, in-process (the same app uvicorn serves)."""

from __future__ import annotations

import pytest
from fs_helpers import create_lead, errors_of, make_account
from starlette.testclient import TestClient

from fssim.app import Simulator

Headers = dict[str, str]


@pytest.fixture
def acme(client: TestClient) -> Headers:
    return make_account(client, "acme")


def test_lead_create_view_update_delete(client: TestClient, acme: Headers) -> None:
    lead = create_lead(client, acme, first_name="Ada", last_name="Lovelace", email="ada@example.com",
                       company={"name": "Engines Ltd"})
    assert lead["id"] > 2**32 and lead["display_name"] == "Ada Lovelace"
    assert lead["created_at"].endswith("+00:00") and lead["custom_field"] == {}
    viewed = client.get(f"/api/leads/{lead['id']}?include=owner", headers=acme).json()
    assert viewed["lead"]["email"] == "ada@example.com"
    assert viewed["users"][0]["id"] == lead["owner_id"]
    updated = client.put(f"/api/leads/{lead['id']}", json={"lead": {"job_title": "Countess"}}, headers=acme)
    assert updated.status_code == 200 and updated.json()["lead"]["job_title"] == "Countess"
    deleted = client.delete(f"/api/leads/{lead['id']}", headers=acme)
    assert deleted.status_code == 200 and deleted.json() is True
    gone = client.get(f"/api/leads/{lead['id']}", headers=acme)
    assert gone.status_code == 404 and errors_of(gone) == [f"Lead {lead['id']} not found"]


def test_same_handlers_under_both_prefixes(client: TestClient, acme: Headers) -> None:
    lead = create_lead(client, acme, email="both@example.com")
    suite_path = client.get(f"/crm/sales/api/leads/{lead['id']}", headers=acme)
    assert suite_path.json()["lead"] == client.get(f"/api/leads/{lead['id']}", headers=acme).json()["lead"]


def test_contact_has_emails_array_and_accepts_a_bare_body(client: TestClient, acme: Headers) -> None:
    response = client.post("/api/contacts", json={"emails": ["x@y.io", "z@y.io"], "last_name": "Bare"},
                           headers=acme)
    contact = response.json()["contact"]
    assert contact["email"] == "x@y.io"
    assert [(e["value"], e["is_primary"]) for e in contact["emails"]] == [("x@y.io", True), ("z@y.io", False)]


def test_validation_errors_name_each_problem(client: TestClient, acme: Headers) -> None:
    client.post("/_sim/accounts/acme/fields", json={"entity": "lead", "name": "cf_grade", "type": "number"})
    create_lead(client, acme, email="taken@example.com")
    response = client.post("/api/leads", headers=acme, json={"lead": {
        "email": "TAKEN@example.com", "mobile_number": {"no": 1}, "custom_field": {"cf_grade": "x", "cf_typo": 1}}})
    assert response.status_code == 400
    assert errors_of(response) == [
        "The type for mobile_number is invalid.",
        "The type for cf_grade is invalid.",
        "Unknown custom field cf_typo: it is not defined for leads in this account",
        "Email TAKEN@example.com has already been taken",
    ]
    missing = client.post("/api/contacts", json={"contact": {"first_name": "No"}}, headers=acme)
    assert errors_of(missing) == ["Last name can't be blank when there is no email (give last_name or email)"]
    bad_json = client.post("/api/leads", content=b'{"lead": ', headers=acme)
    assert bad_json.status_code == 400 and errors_of(bad_json)[0].startswith("The request body is not valid JSON")
    empty = client.post("/api/leads", content=b"", headers=acme)
    assert errors_of(empty) == ["The request body is empty: send a JSON object"]
    wrong = client.post("/api/leads", json={"lead": "text"}, headers=acme)
    assert errors_of(wrong) == ["The type for lead is invalid."]
    assert client.get("/api/leads/filters", headers=acme).status_code == 200  # the server is fine


def test_views_list_pages_and_sorts(client: TestClient, sim: Simulator, acme: Headers) -> None:
    for index in range(7):
        create_lead(client, acme, last_name=f"L{index}", email=f"l{index}@example.com")
        sim.clock.advance(1)
    views = client.get("/api/leads/filters", headers=acme).json()["filters"]
    assert [v["name"] for v in views] == ["All Leads", "My Leads", "New Leads"]
    all_id = views[0]["id"]
    seen = []
    page, total_pages = 1, 1
    while page <= total_pages:
        body = client.get(f"/api/leads/view/{all_id}?page={page}&per_page=3&sort=last_name&sort_type=asc",
                          headers=acme).json()
        assert body["meta"]["total"] == 7
        total_pages = body["meta"]["total_pages"]
        seen += [lead["last_name"] for lead in body["leads"]]
        page += 1
    assert total_pages == 3 and seen == [f"L{i}" for i in range(7)]
    default = client.get(f"/api/leads/view/{all_id}", headers=acme).json()
    assert default["leads"][0]["last_name"] == "L6"  # newest first by default
    too_big = client.get(f"/api/leads/view/{all_id}?per_page=101&page=0", headers=acme)
    assert too_big.status_code == 400 and len(errors_of(too_big)) == 2
    assert client.get("/api/leads/view/1", headers=acme).status_code == 404
    sim.clock.advance(8 * 24 * 3600)
    new_view = client.get(f"/api/leads/view/{views[2]['id']}", headers=acme).json()
    assert new_view["meta"]["total"] == 0


def test_upsert_creates_then_updates(client: TestClient, acme: Headers) -> None:
    body = {"unique_identifier": {"emails": "up@example.com"}, "contact": {"first_name": "Up"}}
    first = client.post("/api/contacts/upsert", json=body, headers=acme)
    assert first.status_code == 201
    body = {"unique_identifier": {"emails": "UP@example.com"}, "contact": {"job_title": "Boss"}}
    second = client.post("/api/contacts/upsert", json=body, headers=acme)
    assert second.status_code == 200
    assert second.json()["contact"]["id"] == first.json()["contact"]["id"]
    assert second.json()["contact"]["first_name"] == "Up"
    assert errors_of(client.post("/api/contacts/upsert", json={"contact": {}}, headers=acme)) == [
        'unique_identifier is required, e.g. {"emails": "a@b.com"}']


def test_convert_turns_a_lead_into_a_contact(client: TestClient, acme: Headers) -> None:
    lead = create_lead(client, acme, email="conv@example.com", last_name="Conv")
    response = client.post(f"/api/leads/{lead['id']}/convert", json={"lead": {"job_title": "Buyer"}},
                           headers=acme)
    contact = response.json()["contact"]
    assert response.status_code == 200 and contact["job_title"] == "Buyer" and contact["email"] == lead["email"]
    assert client.get(f"/api/leads/{lead['id']}", headers=acme).status_code == 404
    found = client.get("/api/lookup?q=conv@example.com&f=email&entities=lead,contact", headers=acme).json()
    assert found["leads"]["leads"] == [] and found["contacts"]["contacts"][0]["id"] == contact["id"]


def test_lookup_is_double_nested_and_search_is_a_bare_array(client: TestClient, acme: Headers) -> None:
    lead = create_lead(client, acme, email="Mixed.Case@Example.com", first_name="Grace", last_name="Hopper")
    found = client.get("/api/lookup?q=mixed.case@example.COM&f=email&entities=lead", headers=acme).json()
    assert found == {"leads": {"leads": [client.get(f"/api/leads/{lead['id']}", headers=acme).json()["lead"]]}}
    by_name = client.get("/api/lookup?q=grace hopper&f=name&entities=lead,contact", headers=acme).json()
    assert len(by_name["leads"]["leads"]) == 1 and by_name["contacts"] == {"contacts": []}
    results = client.get("/api/search?q=hopp&include=lead,contact", headers=acme).json()
    assert results == [{"id": str(lead["id"]), "type": "lead", "name": "Grace Hopper",
                        "email": "Mixed.Case@Example.com", "avatar": None, "company_name": None}]
    assert errors_of(client.get("/api/lookup?f=email", headers=acme)) == ["q is required: the value to look up"]
    assert client.get("/api/search", headers=acme).status_code == 400


def test_notes_sales_activities_and_the_timeline(client: TestClient, sim: Simulator, acme: Headers) -> None:
    lead = create_lead(client, acme, email="tl@example.com", job_title="Dev")
    sim.clock.advance(10)
    client.put(f"/api/leads/{lead['id']}", json={"lead": {"job_title": "CTO"}}, headers=acme)
    sim.clock.advance(10)
    note = client.post("/api/notes", json={"note": {"description": "Called", "targetable_type": "Lead",
                                                    "targetable_id": lead["id"]}}, headers=acme)
    assert note.status_code == 201 and note.json()["note"]["description"] == "Called"
    types = client.get("/api/selector/sales_activity_types", headers=acme).json()["sales_activity_types"]
    phone = next(t for t in types if t["name"] == "Phone")
    activity = client.post("/api/sales_activities", headers=acme, json={"sales_activity": {
        "title": "Demo call", "sales_activity_type_id": phone["id"], "targetable_type": "Lead",
        "targetable_id": lead["id"], "start_date": "2030-01-01T10:00:00Z"}})
    assert activity.status_code == 201
    timeline = client.get(f"/api/leads/{lead['id']}/activities", headers=acme).json()
    assert [a["action_type"] for a in timeline["activities"]] == ["create", "update", "note", "sales_activity"]
    assert timeline["meta"]["total"] == 4
    assert timeline["activities"][1]["action_data"]["property_key"] == "job_title"
    note_id = note.json()["note"]["id"]
    assert client.put(f"/api/notes/{note_id}", json={"note": {"description": "Again"}},
                      headers=acme).json()["note"]["description"] == "Again"
    assert client.delete(f"/api/notes/{note_id}", headers=acme).json() == {"success": "200"}
    bad = client.post("/api/notes", json={"note": {"targetable_type": "Deal"}}, headers=acme)
    # Deal is a targetable type (issue 13); the id is what is missing.
    assert errors_of(bad) == ["Description can't be blank",
                              "targetable_id must be the id of the record named by targetable_type"]
    missing = client.post("/api/notes", json={"note": {"description": "x", "targetable_type": "Contact",
                                                       "targetable_id": lead["id"]}}, headers=acme)
    assert missing.status_code == 404


def test_field_settings_list_custom_fields(client: TestClient, acme: Headers) -> None:
    response = client.post("/_sim/accounts/acme/fields", json={
        "entity": "contact", "name": "cf_tier", "type": "dropdown", "choices": ["gold", "silver"]})
    assert response.status_code == 201
    fields = client.get("/api/settings/contacts/fields", headers=acme).json()["fields"]
    names = [f["name"] for f in fields]
    assert "emails" in names and names[-1] == "cf_tier"
    assert fields[-1]["default"] is False and [c["value"] for c in fields[-1]["choices"]] == ["gold", "silver"]
    assert "cf_tier" not in [f["name"] for f in client.get("/api/settings/leads/fields", headers=acme).json()["fields"]]
    ok = client.post("/api/contacts", json={"contact": {"email": "t@x.io", "custom_field": {"cf_tier": "gold"}}},
                     headers=acme)
    assert ok.json()["contact"]["custom_field"] == {"cf_tier": "gold"}
    bad = client.post("/api/contacts", json={"contact": {"email": "u@x.io", "custom_field": {"cf_tier": "bronze"}}},
                      headers=acme)
    assert errors_of(bad) == ["The type for cf_tier is invalid."]


def test_suite_accounts_have_no_leads_module(client: TestClient) -> None:
    suite = make_account(client, "initech", product="suite")
    response = client.post("/crm/sales/api/leads", json={"lead": {"email": "a@b.io"}}, headers=suite)
    assert response.status_code == 404
    assert "leads module is not available" in errors_of(response)[0]
    assert client.get("/crm/sales/api/leads/filters", headers=suite).status_code == 404
    contact = client.post("/crm/sales/api/contacts", json={"contact": {"email": "a@b.io"}}, headers=suite)
    assert contact.json()["contact"]["links"]["timeline_feeds"].startswith("/crm/sales/contacts/")


def test_accounts_are_isolated(client: TestClient, acme: Headers) -> None:
    globex = make_account(client, "globex")
    lead = create_lead(client, acme, email="shared@example.com")
    assert client.get(f"/api/leads/{lead['id']}", headers=globex).status_code == 404
    assert client.put(f"/api/leads/{lead['id']}", json={"lead": {"city": "X"}}, headers=globex).status_code == 404
    assert client.delete(f"/api/leads/{lead['id']}", headers=globex).status_code == 404
    other = create_lead(client, globex, email="shared@example.com")  # another account, another namespace
    assert other["id"] != lead["id"]
    lookup = client.get("/api/lookup?q=shared@example.com&f=email&entities=lead", headers=globex).json()
    assert [r["id"] for r in lookup["leads"]["leads"]] == [other["id"]]
    assert client.get("/api/search?q=shared", headers=globex).json()[0]["id"] == str(other["id"])
    assert client.get(f"/api/leads/{lead['id']}", headers=acme).json()["lead"]["city"] is None


def test_filtered_search_by_rules(client: TestClient, sim: Simulator, acme: Headers) -> None:
    old = create_lead(client, acme, email="old@example.com", last_name="Old", city="Oslo")
    sim.clock.advance(3600)
    new = create_lead(client, acme, email="new@example.com", last_name="New", city="Oslo")
    rules = [{"attribute": "city", "operator": "equals", "value": "oslo"},
             {"attribute": "updated_at", "operator": "is_after", "value": old["updated_at"]}]
    found = client.post("/api/filtered_search/lead", json={"filter_rule": rules}, headers=acme).json()
    assert [lead["id"] for lead in found["leads"]] == [new["id"]] and found["meta"]["total"] == 1
    by_email = client.post("/api/filtered_search/lead", headers=acme, json={"filter_rule": [
        {"attribute": "lead_email.email", "operator": "is_in", "value": ["OLD@example.com", "x@y.io"]}]}).json()
    assert [lead["id"] for lead in by_email["leads"]] == [old["id"]]
    bad = client.post("/api/filtered_search/lead", headers=acme, json={"filter_rule": [
        {"attribute": "shoe_size", "operator": "near", "value": 1}]})
    assert errors_of(bad) == ["filter attribute 'shoe_size' is not a field of leads",
                              "filter operator 'near' is not one of is_in, equals, is, contains, is_not_empty, "
                              "is_after, is_before"]


def test_sales_activity_and_note_reads_and_deletes(client: TestClient, acme: Headers) -> None:
    response = client.post("/api/contacts", json={"contact": {"email": "sa@example.com"}}, headers=acme)
    contact = response.json()["contact"]
    created = client.post("/api/sales_activities", headers=acme, json={"sales_activity": {
        "title": "Lunch", "targetable_type": "Contact", "targetable_id": contact["id"]}}).json()["sales_activity"]
    assert created["start_date"] == created["created_at"]
    assert client.get(f"/api/sales_activities/{created['id']}", headers=acme).json()["sales_activity"] == created
    listed = client.get("/api/sales_activities", headers=acme).json()
    assert listed["sales_activities"] == [created] and listed["meta"]["total"] == 1
    assert client.delete(f"/api/sales_activities/{created['id']}", headers=acme).json() == {"success": "200"}
    assert client.get(f"/api/sales_activities/{created['id']}", headers=acme).status_code == 404
    bad = client.post("/api/sales_activities", headers=acme, json={"sales_activity": {
        "targetable_type": "Contact", "targetable_id": contact["id"], "sales_activity_type_id": 7,
        "start_date": "tomorrow"}})
    assert errors_of(bad) == ["Title can't be blank",
                              "sales_activity_type_id 7 is not a sales activity type "
                              "(GET /api/selector/sales_activity_types)",
                              "start_date 'tomorrow' is not an ISO-8601 time"]
    note = client.post("/api/notes", headers=acme, json={"note": {
        "description": "n", "targetable_type": "Contact", "targetable_id": contact["id"]}}).json()["note"]
    assert client.get(f"/api/notes/{note['id']}", headers=acme).json()["note"] == note
    globex = make_account(client, "globex")
    assert client.get(f"/api/notes/{note['id']}", headers=globex).status_code == 404


def test_reset_forgets_accounts_and_records(client: TestClient, acme: Headers) -> None:
    create_lead(client, acme, email="gone@example.com")
    assert client.post("/_sim/reset").status_code == 200
    assert client.get("/api/leads/filters", headers=acme).status_code == 401
    assert client.get("/_sim/state").json()["freshsales"]["accounts"] == []
    again = make_account(client, "acme")
    assert client.post("/api/leads", json={"lead": {"email": "gone@example.com"}}, headers=again).status_code == 201
