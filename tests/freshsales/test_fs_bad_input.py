"""Bad input to the REST API: every answer is JSON with a 4xx status naming the problem, and nothing is stored.

Found by trying the API as a client would: NaN/Infinity, over-deep nesting, wrong types where a name or an
id was expected, and time filters on fields that hold no time used to answer 500 (or invalid JSON).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fs_helpers import create_lead, errors_of, make_account
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales.errors import ValidationError

Headers = dict[str, str]


@pytest.fixture
def acme(client: TestClient) -> Headers:
    return make_account(client, "acme")


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_json_numbers_are_refused_and_nothing_is_stored(
    client: TestClient, sim: Simulator, acme: Headers, number: str
) -> None:
    body = f'{{"lead": {{"email": "n@example.com", "subscription_status": {number}}}}}'.encode()
    response = client.post("/api/leads", content=body, headers=acme)
    assert response.status_code == 400
    assert errors_of(response)[0].startswith("The request body is not valid JSON")
    assert sim.freshsales.records.count("acme", "lead") == 0


@pytest.mark.parametrize("text", ["NaN", "inf", "-Infinity"])
def test_a_number_field_refuses_non_finite_text(client: TestClient, sim: Simulator, acme: Headers,
                                                text: str) -> None:
    client.post("/_sim/accounts/acme/fields", json={"entity": "lead", "name": "cf_score", "type": "number"})
    response = client.post("/api/leads", headers=acme, json={"lead": {
        "email": "n@example.com", "subscription_status": text, "custom_field": {"cf_score": text}}})
    assert errors_of(response) == ["The type for subscription_status is invalid.", "The type for cf_score is invalid."]
    assert sim.freshsales.records.count("acme", "lead") == 0


def test_over_deep_nesting_is_a_400(client: TestClient, acme: Headers) -> None:
    depth = 100_000
    for body in ("[" * depth + "]" * depth, '{"lead":' + '{"a":' * depth + "1" + "}" * depth + "}"):
        response = client.post("/api/leads", content=body.encode(), headers=acme)
        assert response.status_code == 400
        assert errors_of(response) == ["The request body is not valid JSON: it is nested too deeply"]


def test_wrong_types_for_targets_and_filters_are_400s(client: TestClient, acme: Headers) -> None:
    lead = create_lead(client, acme, email="t@example.com", first_name="Tess")
    note = client.post("/api/notes", headers=acme, json={"note": {
        "description": "x", "targetable_type": ["Lead"], "targetable_id": lead["id"]}})
    assert errors_of(note) == ["targetable_type must be Lead, Contact, SalesAccount or Deal"]
    activity = client.post("/api/sales_activities", headers=acme, json={"sales_activity": {
        "title": "Call", "sales_activity_type_id": [], "targetable_type": "Lead", "targetable_id": lead["id"]}})
    assert activity.status_code == 400 and "sales_activity_type_id [] is not" in errors_of(activity)[0]
    rules = client.post("/api/filtered_search/lead", headers=acme,
                        json={"filter_rule": [{"attribute": ["email"], "operator": {"is": 1}, "value": "x"}]})
    assert errors_of(rules) == ["filter attribute ['email'] is not a field of leads",
                                "filter operator {'is': 1} is not one of is_in, equals, is, contains, "
                                "is_not_empty, is_after, is_before"]


def test_a_time_filter_on_a_field_without_times_matches_nothing(client: TestClient, acme: Headers) -> None:
    create_lead(client, acme, email="t@example.com", first_name="Tess")
    response = client.post("/api/filtered_search/lead", headers=acme, json={
        "filter_rule": [{"attribute": "first_name", "operator": "is_after", "value": "2020-01-01T00:00:00Z"}]})
    assert response.status_code == 200
    assert response.json() == {"leads": [], "meta": {"total": 0, "total_pages": 1}}


def test_timeline_refuses_values_json_cannot_write(sim: Simulator, client: TestClient, acme: Headers) -> None:
    lead = create_lead(client, acme, email="t@example.com")
    with pytest.raises(ValidationError, match="must be JSON data"):
        sim.freshsales.records.add_activity("acme", "lead", lead["id"], {
            "action_type": "event", "action_data": {"amount": float("inf")}})
    timeline = client.get(f"/api/leads/{lead['id']}/activities", headers=acme)
    assert [item["action_type"] for item in timeline.json()["activities"]] == ["create"]


def test_a_simulator_bug_still_answers_json(client: TestClient, sim: Simulator, acme: Headers,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(sim.freshsales.records, "show", broken)  # what GET /api/leads/{id} calls
    response = client.get("/api/leads/16000000001", headers=acme)
    assert response.status_code == 500
    assert errors_of(response)[0].startswith("Internal error in the fake Freshsales")


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
_field_names = st.sampled_from(["email", "emails", "last_name", "first_name", "custom_field", "company", "tags",
                                "owner_id", "subscription_status", "do_not_disturb", "sales_accounts", "description",
                                "targetable_type", "targetable_id", "title", "sales_activity_type_id", "start_date",
                                "filter_rule", "unique_identifier", "contact", "lead", "cf_x"])
_bodies = st.dictionaries(_field_names, _json_values, max_size=5)
_paths = st.sampled_from(["/api/leads", "/api/contacts", "/api/contacts/upsert", "/api/notes",
                          "/api/sales_activities", "/api/filtered_search/lead", "/api/filtered_search/contact"])


@given(path=_paths, body=_bodies, wrap=st.booleans())
def test_any_json_body_gets_a_json_answer_below_500(client: TestClient, acme: Headers, path: str,
                                                    body: dict[str, Any], wrap: bool) -> None:
    entity = {"leads": "lead", "contacts": "contact", "notes": "note", "sales_activities": "sales_activity"}.get(
        path.rsplit("/", 1)[-1])
    sent = {entity: body} if wrap and entity else body
    response = client.post(path, content=json.dumps(sent).encode(), headers=acme)
    assert response.status_code < 500, response.text
    response.json()  # strict JSON, or this raises


def test_include_never_replaces_the_record_or_meta(client: TestClient, sim: Simulator, acme: Headers) -> None:
    lead = create_lead(client, acme, email="inc@example.com")
    viewed = client.get(f"/api/leads/{lead['id']}?include=lead,owner", headers=acme).json()
    assert viewed["lead"]["id"] == lead["id"] and viewed["users"][0]["id"] == lead["owner_id"]
    view = sim.freshsales.accounts.require("acme").views["lead"][0]["id"]
    listed = client.get(f"/api/leads/view/{view}?include=meta,leads", headers=acme).json()
    assert [one["id"] for one in listed["leads"]] == [lead["id"]] and listed["meta"] == {"total_pages": 1, "total": 1}
    upserted = client.post("/api/contacts/upsert?include=contact", headers=acme,
                           json={"unique_identifier": {"emails": "up@example.com"}, "contact": {}}).json()
    assert upserted["contact"]["email"] == "up@example.com"
