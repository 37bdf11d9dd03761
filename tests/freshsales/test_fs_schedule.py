"""Tasks, appointments and sales activities over the REST API (issue 13 point 2), in-process."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fs_helpers import create_lead, errors_of, make_account
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.clock import isoformat

Headers = dict[str, str]


@pytest.fixture
def acme(client: TestClient) -> Headers:
    return make_account(client, "acme")


def _contact(client: TestClient, headers: Headers, email: str) -> dict[str, Any]:
    response = client.post("/api/contacts", headers=headers, json={"contact": {"email": email}})
    assert response.status_code == 201, response.text
    contact: dict[str, Any] = response.json()["contact"]
    return contact


def _at(sim: Simulator, **delta: float) -> str:
    return isoformat(sim.clock.now() + timedelta(**delta))


def test_tasks_filters_side_loads_and_the_timeline(client: TestClient, sim: Simulator, acme: Headers) -> None:
    # Midday (UTC), so that "due today" and "overdue" do not depend on when the test runs.
    now = sim.clock.now()
    noon = (now + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    client.post("/_sim/clock/advance", json={"seconds": (noon - now).total_seconds()})
    lead = create_lead(client, acme, email="t@example.com", first_name="Tess")
    contact = _contact(client, acme, "c@example.com")

    def task(title: str, target: tuple[str, int], **fields: Any) -> dict[str, Any]:
        response = client.post("/api/tasks", headers=acme, json={"task": {
            "title": title, "targetable_type": target[0], "targetable_id": target[1], **fields}})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()["task"]
        return created

    overdue = task("Call back", ("Lead", lead["id"]), due_date=_at(sim, hours=-2))
    today = task("Send deck", ("Contact", contact["id"]), due_date=_at(sim, minutes=1))
    later = task("Follow up", ("Contact", contact["id"]), due_date=_at(sim, days=3))
    assert overdue["status"] == 0 and overdue["owner_id"] == sim.freshsales.accounts.require("acme").user_id

    def listed(name: str) -> list[int]:
        return [t["id"] for t in client.get(f"/api/tasks?filter={name}", headers=acme).json()["tasks"]]

    assert listed("open") == [overdue["id"], today["id"], later["id"]]
    assert listed("overdue") == [overdue["id"]]
    assert today["id"] in listed("due today") and later["id"] not in listed("due today")
    done = client.put(f"/api/tasks/{today['id']}", headers=acme, json={"task": {"status": 1}}).json()["task"]
    assert done["completed_date"] is not None and done["title"] == "Send deck"
    assert listed("completed") == [today["id"]] and today["id"] not in listed("open")
    unknown = client.get("/api/tasks?filter=someday", headers=acme)
    assert unknown.status_code == 400 and "known: open, completed" in errors_of(unknown)[0]

    # Data key first, meta next, then side-loads in which every named id is present.
    answer = client.get("/api/tasks?filter=open&include=owner,targetable", headers=acme)
    body = answer.json()
    assert list(body)[:2] == ["tasks", "meta"] and answer.text.startswith('{"tasks":')
    user_ids = {u["id"] for u in body["users"]}
    assert all(t["owner_id"] in user_ids and t["creater_id"] in user_ids for t in body["tasks"])
    targets = {(t["type"], t["id"]) for t in body["targets"]}
    assert {(t["targetable_type"], t["targetable_id"]) for t in body["tasks"]} <= targets
    paged = client.get("/api/tasks?per_page=2&page=2", headers=acme).json()
    assert paged["meta"] == {"total_pages": 2, "total": 3} and [t["id"] for t in paged["tasks"]] == [later["id"]]

    timeline = client.get(f"/api/contacts/{contact['id']}/activities", headers=acme).json()["activities"]
    assert [a["action_type"] for a in timeline] == ["create", "task", "task"]
    viewed = client.get(f"/api/contacts/{contact['id']}?include=tasks", headers=acme).json()
    assert sorted(t["id"] for t in viewed["tasks"]) == [today["id"], later["id"]]

    assert client.delete(f"/api/tasks/{later['id']}", headers=acme).json() == {"success": "200"}
    timeline = client.get(f"/api/contacts/{contact['id']}/activities", headers=acme).json()["activities"]
    assert [a["action_type"] for a in timeline] == ["create", "task"]
    # Deleting the contact deletes what targets it: no task names a record that is gone.
    assert client.delete(f"/api/contacts/{contact['id']}", headers=acme).status_code == 200
    assert client.get(f"/api/tasks/{today['id']}", headers=acme).status_code == 404
    assert [t["id"] for t in client.get("/api/tasks", headers=acme).json()["tasks"]] == [overdue["id"]]


def test_task_and_appointment_refuse_what_they_cannot_link(client: TestClient, sim: Simulator,
                                                            acme: Headers) -> None:
    lead = create_lead(client, acme, email="r@example.com")
    missing = client.post("/api/tasks", headers=acme, json={"task": {
        "title": "x", "due_date": _at(sim, days=1), "targetable_type": "Contact", "targetable_id": lead["id"]}})
    assert missing.status_code == 404
    bad = client.post("/api/tasks", headers=acme, json={"task": {
        "targetable_type": "Lead", "targetable_id": lead["id"], "owner_id": 12345, "status": 3}})
    assert errors_of(bad) == ["Title can't be blank", "owner_id 12345 is not an owner (a user of the account)",
                              "status 3 must be 0 (open) or 1 (completed)", "Due date can't be blank"]
    deal = client.post("/api/appointments", headers=acme, json={"appointment": {
        "title": "Lunch", "from_date": _at(sim, hours=1), "end_date": _at(sim, hours=2),
        "targetable_type": "Deal", "targetable_id": 42}})
    assert deal.status_code == 404 and errors_of(deal) == ["Deal 42 not found"]
    backwards = client.post("/api/appointments", headers=acme, json={"appointment": {
        "title": "Lunch", "from_date": _at(sim, hours=2), "end_date": _at(sim, hours=1),
        "targetable_type": "Lead", "targetable_id": lead["id"],
        "appointment_attendees_attributes": [{"attendee_type": "Contact", "attendee_id": 7}]}})
    assert errors_of(backwards)[0] == "end_date must not be before from_date"
    assert "is not a user, lead or contact" in errors_of(backwards)[1]
    moved = client.put("/api/sales_activities/1", headers=acme, json={"sales_activity": {"title": "x"}})
    assert moved.status_code == 404


def test_appointments_past_upcoming_attendees_and_lead_conversion(client: TestClient, sim: Simulator,
                                                                  acme: Headers) -> None:
    lead = create_lead(client, acme, email="a@example.com", first_name="Ann")
    guest = _contact(client, acme, "guest@example.com")
    user_id = sim.freshsales.accounts.require("acme").user_id
    meeting = client.post("/api/appointments", headers=acme, json={"appointment": {
        "title": "Demo", "from_date": _at(sim, hours=1), "end_date": _at(sim, hours=2),
        "targetable_type": "Lead", "targetable_id": lead["id"],
        "appointment_attendees_attributes": [{"attendee_type": "FdMultitenant::User", "attendee_id": user_id},
                                             {"attendee_type": "Contact", "attendee_id": guest["id"]}]}})
    assert meeting.status_code == 201, meeting.text
    item = meeting.json()["appointment"]

    def listed(name: str) -> list[int]:
        return [a["id"] for a in client.get(f"/api/appointments?filter={name}", headers=acme).json()["appointments"]]

    assert listed("upcoming") == [item["id"]] and listed("past") == []
    client.post("/_sim/clock/advance", json={"seconds": 3 * 3600})
    assert listed("past") == [item["id"]] and listed("upcoming") == []

    body = client.get(f"/api/appointments/{item['id']}?include=users,targets", headers=acme).json()
    assert {u["id"] for u in body["users"]} >= {user_id}
    assert {(t["type"], t["id"]) for t in body["targets"]} == {("Lead", lead["id"]), ("Contact", guest["id"])}

    # The converted lead's appointment follows it to the contact, timeline and all.
    contact = client.post(f"/api/leads/{lead['id']}/convert", headers=acme).json()["contact"]
    moved = client.get(f"/api/appointments/{item['id']}", headers=acme).json()["appointment"]
    assert (moved["targetable_type"], moved["targetable_id"]) == ("Contact", contact["id"])
    viewed = client.get(f"/api/contacts/{contact['id']}?include=appointments", headers=acme).json()
    assert [a["id"] for a in viewed["appointments"]] == [item["id"]]
    timeline = client.get(f"/api/contacts/{contact['id']}/activities", headers=acme).json()["activities"]
    assert "appointment" in [a["action_type"] for a in timeline]
    # A deleted attendee leaves the appointment's attendees.
    client.delete(f"/api/contacts/{guest['id']}", headers=acme)
    left = client.get(f"/api/appointments/{item['id']}", headers=acme).json()["appointment"]
    assert left["appointment_attendees"] == [{"attendee_type": "FdMultitenant::User", "attendee_id": user_id}]


def test_sales_activity_update_and_side_loads(client: TestClient, acme: Headers) -> None:
    contact = _contact(client, acme, "s@example.com")
    types = client.get("/api/selector/sales_activity_types", headers=acme).json()["sales_activity_types"]
    created = client.post("/api/sales_activities/", headers=acme, json={"sales_activity": {
        "title": "Call", "sales_activity_type_id": types[1]["id"], "targetable_type": "Contact",
        "targetable_id": contact["id"]}})
    assert created.status_code == 201, created.text  # trailing slash served, not redirected
    activity = created.json()["sales_activity"]
    updated = client.put(f"/api/sales_activities/{activity['id']}?include=sales_activity_type,owner", headers=acme,
                         json={"sales_activity": {"notes": "left a voicemail"}}).json()
    assert updated["sales_activity"]["notes"] == "left a voicemail" and updated["sales_activity"]["title"] == "Call"
    assert [t["name"] for t in updated["sales_activity_types"]] == ["Phone"]
    assert [u["id"] for u in updated["users"]] == [updated["sales_activity"]["owner_id"]]
    moved = client.put(f"/api/sales_activities/{activity['id']}", headers=acme,
                       json={"sales_activity": {"targetable_id": contact["id"] + 1}})
    assert errors_of(moved) == ["targetable_id cannot change; delete the sales activity and create it again"]
    contact_view = client.get(f"/api/contacts/{contact['id']}?include=sales_activities,contact_status",
                              headers=acme).json()
    assert [a["id"] for a in contact_view["sales_activities"]] == [activity["id"]]
    assert contact_view["contact_status"] == []


def test_openapi_describes_and_state_counts_the_new_modules(client: TestClient, sim: Simulator,
                                                           acme: Headers) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path, method in (("/tasks", "get"), ("/tasks/{id}", "put"), ("/appointments", "post"),
                         ("/sales_activities/{id}", "put"), ("/lists/{id}/add_contacts", "put"),
                         ("/lists/{id}/remove_contacts", "put"), ("/contacts/lists/{id}", "get"),
                         ("/contacts/{id}/appointments", "get")):
        assert method in paths[path], path
    assert "filter" in [p["name"] for p in paths["/tasks"]["get"]["parameters"]]
    contact = _contact(client, acme, "count@example.com")
    client.post("/api/tasks", headers=acme, json={"task": {
        "title": "t", "due_date": _at(sim, days=1), "targetable_type": "Contact", "targetable_id": contact["id"]}})
    client.post("/api/lists", headers=acme, json={"list": {"name": "L"}})
    counts = client.get("/_sim/state").json()["freshsales"]["accounts"][0]["records"]
    assert counts == {"leads": 0, "contacts": 1, "sales_accounts": 0, "deals": 0, "users": 1, "notes": 0,
                      "tasks": 1, "appointments": 0, "sales_activities": 0, "lists": 1}
