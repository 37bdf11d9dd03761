"""The requests a production Segment-style destination (rudder-transformer's Freshsales destination,
reference §6) sends for a track that logs a sales activity on a contact, and for adding the contact to a
list, replayed over real HTTP on 127.0.0.1 in their order and shapes; each result is then read back
through the REST API. (The group and lifecycle-stage calls are part A of issue 13.)"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fs_helpers import make_account

from fssim.server import ServerThread

pytestmark = pytest.mark.e2e


@pytest.fixture
def http(live: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url + "/crm/sales/api") as client:
        yield client


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
