"""The Segment receiver over HTTP (in-process): auth (R3), the gate (R1), bodies, 501, 202, replays,
forced failures, and what a Freshsales client then reads through the REST API."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fs_world import API_KEY, SUBDOMAIN, Delivery, basic_auth, settings_header, snapshot
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim import strategies as fs
from fssim.app import Simulator

REST = {"Authorization": f"Token token={API_KEY}"}


def switch_on(sim: Simulator) -> None:
    sim.freshsales.accounts.set_segment_toggle(SUBDOMAIN, True, source="web", via="test")


def identify(user_id: str, message_id: str = "m-identify", **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user_id, "messageId": message_id, "traits": traits,
            "timestamp": "2026-03-01T10:00:00.000Z"}


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer " + API_KEY, "Basic !!not-base64!!", basic_auth("wrong-key"), basic_auth(""),
     f"Token token={API_KEY}"],
)
def test_R3_a_missing_or_wrong_api_key_is_401_and_changes_nothing(
    acme: Simulator, client: TestClient, authorization: str | None
) -> None:
    switch_on(acme)
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.post("/integrations/segment", json=identify("a@example.com"), headers=headers)
    assert response.status_code == 401
    assert "API key" in response.json()["message"]
    assert snapshot(acme, SUBDOMAIN) == {}


def test_R3_settings_must_name_the_keys_account(acme: Simulator, delivery: Delivery) -> None:
    switch_on(acme)
    other = delivery.send(identify("a@example.com"), **{"X-Segment-Settings": settings_header({"apiSecret": "globex"})})
    assert other.status_code == 401
    assert "'acme', not to 'globex'" in other.json()["message"]
    broken = delivery.send(identify("a@example.com"), **{"X-Segment-Settings": "%%%"})
    assert (broken.status_code, broken.json()["field"]) == (400, "X-Segment-Settings")
    # Nested too deeply for Python's json module: still the same 400, not a 500.
    nested = base64.b64encode(b"[" * 5000 + b"]" * 5000).decode()
    deep = delivery.send(identify("a@example.com"), **{"X-Segment-Settings": nested})
    assert (deep.status_code, deep.json()["field"]) == (400, "X-Segment-Settings")
    assert snapshot(acme, SUBDOMAIN) == {}
    # The Suite destination calls it "domain", and users paste whole hosts: both are understood.
    host = delivery.send(identify("a@example.com", "m1"),
                         **{"X-Segment-Settings": settings_header({"domain": "https://ACME.myfreshworks.com"})})
    assert host.status_code == 200


def test_R1_toggle_off_is_403_saying_where_to_switch_it_on(acme: Simulator, delivery: Delivery) -> None:
    response = delivery.send(identify("a@example.com"))
    assert response.status_code == 403
    message = response.json()["message"]
    assert "Segment integration toggle is off" in message
    assert "Admin Settings > Integrations > Third party integrations" in message
    assert f"/_sim/accounts/{SUBDOMAIN}/segment/enable" in message


def test_bad_json_and_bad_messages_are_400_naming_the_field(acme: Simulator, delivery: Delivery) -> None:
    switch_on(acme)
    bad_json = delivery.http.post("/integrations/segment", content=b"{not json", headers=delivery.headers())
    assert (bad_json.status_code, bad_json.json()["field"]) == (400, "body")
    no_event = delivery.send({"type": "track", "userId": "a@example.com", "messageId": "m1"})
    assert no_event.status_code == 400
    assert no_event.json()["field"] == "event" and "'event'" in no_event.json()["message"]
    db_id = delivery.send(identify("12345", "m2"))
    assert (db_id.status_code, db_id.json()["field"]) == (400, "traits.email")
    assert snapshot(acme, SUBDOMAIN) == {}


@pytest.mark.parametrize("kind", ["screen", "group", "alias"])
def test_R9_screen_group_alias_are_501(acme: Simulator, delivery: Delivery, kind: str) -> None:
    switch_on(acme)
    response = delivery.send({"type": kind, "userId": "a@example.com", "messageId": "m1", "groupId": "g",
                              "previousId": "p"})
    assert response.status_code == 501
    assert kind in response.json()["message"]


def test_identify_page_track_then_read_them_with_the_rest_api(acme: Simulator, delivery: Delivery) -> None:
    switch_on(acme)
    created = delivery.send(identify("Ada@Example.com", firstName="Ada", lastName="Lovelace", cfPlan="pro", age=36))
    assert created.status_code == 200
    body = created.json()
    assert (body["result"], body["record"]["type"]) == ("created", "lead")
    assert body["ignored_traits"] == [{"trait": "age", "reason": "no Freshsales field has this name"}]
    lead_id = body["record"]["id"]
    track = {"type": "track", "userId": "ada@example.com", "messageId": "m-track", "event": "Order Completed",
             "properties": {"revenue": 42.5}, "timestamp": "2026-03-01T10:30:00.000Z"}
    page = {"type": "page", "userId": "ADA@example.com", "messageId": "m-page", "name": "Pricing",
            "properties": {"url": "https://example.com/pricing", "title": "Pricing"},
            "timestamp": "2026-03-01T10:10:00.000Z"}
    assert delivery.send(track).status_code == 200
    assert delivery.send(page).status_code == 200
    lead = delivery.http.get(f"/api/leads/{lead_id}", headers=REST).json()["lead"]
    assert (lead["email"], lead["display_name"], lead["custom_field"]["cf_plan"]) == (
        "Ada@Example.com", "Ada Lovelace", "pro")
    for prefix in ("/api", "/crm/sales/api"):
        timeline = delivery.http.get(f"{prefix}/leads/{lead_id}/activities", headers=REST)
        assert timeline.status_code == 200
        segment_items = [i for i in timeline.json()["activities"] if i.get("source") == "segment"]
        assert [(i["action_type"], i["action_data"]["name"]) for i in segment_items] == [
            ("page_view", "Pricing"), ("event", "Order Completed")], "ordered by the messages' timestamps"


def test_R8_no_match_is_202_with_the_reason(acme: Simulator, delivery: Delivery) -> None:
    switch_on(acme)
    response = delivery.send({"type": "track", "userId": "ghost@example.com", "messageId": "m1", "event": "Clicked"})
    assert response.status_code == 202
    assert response.json()["result"] == "not_processed"
    assert "ghost@example.com" in response.json()["message"]


def test_R10_a_replayed_delivery_gets_the_same_answer(acme: Simulator, delivery: Delivery) -> None:
    switch_on(acme)
    first = delivery.send(identify("rex@example.com", "m-1", lastName="Rex"))
    state = snapshot(acme, SUBDOMAIN)
    again = delivery.send(identify("rex@example.com", "m-1", lastName="Tyrannosaurus"))
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["X-Fssim-Replayed"] == "true"
    assert snapshot(acme, SUBDOMAIN) == state


def test_forced_429_for_the_next_deliveries_with_retry_after(acme: Simulator, delivery: Delivery) -> None:
    switch_on(acme)
    forced = delivery.http.post(f"/_sim/accounts/{SUBDOMAIN}/failures", json={"status": 429, "count": 2})
    assert forced.status_code == 200 and forced.json()["failure"]["remaining"] == 2
    answers = [delivery.send(identify("a@example.com", "m1")) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "1"
    assert "forced failure" in answers[0].json()["message"]
    assert delivery.http.get(f"/_sim/accounts/{SUBDOMAIN}/failures").json()["failure"] is None


def test_forced_failure_for_simulated_seconds(acme: Simulator, delivery: Delivery) -> None:
    switch_on(acme)
    body = {"status": 503, "seconds": 600}
    assert delivery.http.post(f"/_sim/accounts/{SUBDOMAIN}/failures", json=body).status_code == 200
    first = delivery.send(identify("a@example.com", "m1"))
    assert (first.status_code, first.headers["Retry-After"]) == (503, "600")
    delivery.http.post("/_sim/clock/advance", json={"seconds": 599})
    assert delivery.send(identify("a@example.com", "m1")).headers["Retry-After"] == "1"
    delivery.http.post("/_sim/clock/advance", json={"seconds": 1})
    assert delivery.send(identify("a@example.com", "m1")).status_code == 200


def test_forced_500_has_no_retry_after_and_can_be_cleared(acme: Simulator, delivery: Delivery) -> None:
    switch_on(acme)
    delivery.http.post(f"/_sim/accounts/{SUBDOMAIN}/failures", json={"status": 500, "count": 5})
    failed = delivery.send(identify("a@example.com", "m1"))
    assert failed.status_code == 500 and "Retry-After" not in failed.headers
    assert delivery.http.delete(f"/_sim/accounts/{SUBDOMAIN}/failures").json()["cleared"] is True
    assert delivery.send(identify("a@example.com", "m1")).status_code == 200


@pytest.mark.parametrize(
    ("body", "words"),
    [({"count": 1}, "'status' is required"), ({"status": 200, "count": 1}, "400 to 599"),
     ({"status": 429, "probability": 0}, "'probability' must be"), ({"status": 429, "count": 0}, "'count' must be"),
     ({"status": 429, "seconds": -5}, "'seconds' must be"), ({"status": 429, "count": 1, "forever": True}, "forever")],
)
def test_forced_failure_requests_are_checked(
    acme: Simulator, client: TestClient, body: dict[str, Any], words: str
) -> None:
    response = client.post(f"/_sim/accounts/{SUBDOMAIN}/failures", json=body)
    assert response.status_code == 400
    assert words in response.json()["message"]
    assert client.get(f"/_sim/accounts/{SUBDOMAIN}/failures").json()["failure"] is None


def test_forced_failures_of_an_unknown_account_are_404(client: TestClient) -> None:
    response = client.post("/_sim/accounts/nobody/failures", json={"status": 500, "count": 1})
    assert response.status_code == 404
    assert "nobody" in response.json()["message"]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
_near_messages = st.builds(
    lambda base, extra: {**base, **extra},
    fs.supported_messages(),
    st.dictionaries(st.sampled_from(["type", "userId", "traits", "properties", "event", "timestamp", "name",
                                     "messageId", "context", "anonymousId"]), _json, max_size=3),
)


@given(body=st.one_of(_json, _near_messages, fs.segment_messages()))
def test_any_json_body_gets_a_json_answer_never_a_server_error(sim: Simulator, client: TestClient, body: Any) -> None:
    sim.reset()
    sim.freshsales.accounts.create(SUBDOMAIN, api_key=API_KEY)
    switch_on(sim)
    response = Delivery(client).send(body)
    assert response.status_code in (200, 202, 400, 501), response.text
    assert isinstance(response.json()["message"], str) and response.json()["message"]
    if response.status_code in (400, 501):
        assert snapshot(sim, SUBDOMAIN) == {}, "a refused message changed stored data"
    assert client.get("/_sim/health").status_code == 200


def test_json_that_python_reads_but_json_forbids_is_400(acme: Simulator, delivery: Delivery) -> None:
    switch_on(acme)
    for raw in (b"[" * 100_000 + b"]" * 100_000,
                b'{"type": "identify", "userId": "a@example.com", "messageId": "m1", "traits": {"cfScore": NaN}}',
                b'{"type": "identify", "userId": "a@example.com", "messageId": "m1", "traits": {"cfScore": 1e999}}'):
        response = delivery.http.post("/integrations/segment", content=raw, headers=delivery.headers())
        assert (response.status_code, response.json()["field"]) == (400, "body")
    assert snapshot(acme, SUBDOMAIN) == {}


def test_R12_deliveries_work_on_every_plan_and_do_not_use_the_rest_quota(sim: Simulator, client: TestClient) -> None:
    sim.freshsales.accounts.create("tiny", plan="sprout", api_key="tiny-key")
    sim.freshsales.accounts.set_segment_toggle("tiny", True, source="web", via="test")
    tiny = Delivery(client, api_key="tiny-key", subdomain="tiny")
    answers = [tiny.send(identify(f"user{i}@example.com", f"m{i}")).status_code for i in range(405)]
    assert answers == [200] * 405, "more than the 400/minute REST limit, on a plan without REST access"
    rest = client.get("/api/leads/filters", headers={"Authorization": "Token token=tiny-key"})
    assert rest.status_code == 403, "Sprout has no REST API, but Segment data still arrives"


def test_R5_a_suite_account_gets_contacts_readable_under_crm_sales_api(sim: Simulator, client: TestClient) -> None:
    sim.freshsales.accounts.create("suite", plan="garden", api_key="suite-key", product="suite")
    sim.freshsales.accounts.set_segment_toggle("suite", True, source="web", via="test")
    answer = Delivery(client, api_key="suite-key", subdomain="suite").send(identify("sue@example.com", lastName="Sue"))
    assert (answer.status_code, answer.json()["record"]["type"]) == (200, "contact")
    contact = client.get(f"/crm/sales/api/contacts/{answer.json()['record']['id']}",
                         headers={"Authorization": "Token token=suite-key"})
    assert contact.status_code == 200
    assert contact.json()["contact"]["emails"][0]["value"] == "sue@example.com"
