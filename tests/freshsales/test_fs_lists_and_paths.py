"""Contact lists (issue 13 point 4) and the REST API's answers to paths it does not serve, trailing
slashes and key order (point 5), over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import requests
from fs_helpers import errors_of, make_account

from fssim.server import ServerThread

pytestmark = pytest.mark.e2e


@pytest.fixture
def http(live: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url) as client:
        yield client


def test_lists_create_add_remove_members_and_follow_deletes(http: httpx.Client) -> None:
    acme = make_account(http, "acme")
    ids = [http.post("/crm/sales/api/contacts", headers=acme, json={"contact": {"email": f"m{i}@example.com"}})
           .json()["contact"]["id"] for i in range(30)]
    created = http.post("/crm/sales/api/lists", headers=acme, json={"list": {"name": "Newsletter"}})
    assert created.status_code == 201 and created.json()["list"]["contacts_count"] == 0
    list_id = created.json()["list"]["id"]
    same_name = http.post("/api/lists", headers=acme, json={"list": {"name": "newsletter"}})
    assert same_name.status_code == 201  # names need not be unique (simulator policy, docs/freshsales.md)
    assert http.delete(f"/api/lists/{same_name.json()['list']['id']}", headers=acme).status_code in (200, 204)

    added = http.put(f"/api/lists/{list_id}/add_contacts", headers=acme, json={"ids": ids})
    assert added.json()["list"]["contacts_count"] == 30
    stranger = http.put(f"/api/lists/{list_id}/add_contacts", headers=acme, json={"ids": [ids[0], 99]})
    assert errors_of(stranger) == ["Not contacts of this account: 99"]
    http.put(f"/api/lists/{list_id}/remove_contacts", headers=acme, json={"ids": ids[:2]})
    http.delete(f"/api/contacts/{ids[2]}", headers=acme)  # a deleted contact leaves the list

    members: list[int] = []
    page = 1
    while True:
        body = http.get(f"/api/contacts/lists/{list_id}?page={page}", headers=acme).json()
        assert list(body)[:2] == ["contacts", "meta"]
        members += [c["id"] for c in body["contacts"]]
        if page >= body["meta"]["total_pages"]:
            break
        page += 1
    assert page == 2 and members == ids[3:]
    listed = http.get("/api/lists", headers=acme).json()
    assert [entry["name"] for entry in listed["lists"]] == ["Newsletter"] and listed["meta"]["total"] == 1
    assert http.put(f"/api/lists/{list_id}", headers=acme, json={"list": {"name": "Weekly"}}).json()[
        "list"]["name"] == "Weekly"
    assert http.delete(f"/api/lists/{list_id}", headers=acme).json() == {"success": "200"}
    assert http.get(f"/api/lists/{list_id}", headers=acme).status_code == 404


@pytest.mark.parametrize("prefix", ["/api", "/crm/sales/api"])
def test_unknown_paths_and_methods_answer_in_freshsales_error_shape(http: httpx.Client, prefix: str) -> None:
    acme = make_account(http, "acme")
    for path in ("/sales_accounts/upsert_everything", "/no/such/thing", "/"):
        answer = http.post(prefix + path, headers=acme, json={})
        assert answer.status_code == 404, path
        assert errors_of(answer)[0].startswith("Not Found") and answer.json()["error_code"] == 404
    wrong = http.delete(prefix + "/selector/sales_activity_types", headers=acme)
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, HEAD"
    assert errors_of(wrong) == [f"Method DELETE is not allowed on {prefix}/selector/sales_activity_types; "
                                "allowed: GET, HEAD"]


@pytest.mark.parametrize("path", ["/api", "/api/", "/api//", "/crm/sales/api", "/crm/sales/api/",
                                  "/crm/sales/api//"])
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
def test_the_bare_rest_prefix_answers_404_in_freshsales_shape_not_a_redirect(
        http: httpx.Client, path: str, method: str) -> None:
    """A redirect would send requests on without its Authorization header (issue 13 point 5)."""
    acme = make_account(http, "acme")
    answer = http.request(method, path, headers=acme, json=None if method in ("GET", "HEAD") else {})
    assert answer.status_code == 404 and "location" not in answer.headers, (answer.status_code, answer.headers)
    if method != "HEAD":
        assert errors_of(answer) == [f"Not Found: no Freshsales API endpoint {method} {path.rstrip('/') or '/'}"]
        assert answer.json()["error_code"] == 404
    assert answer.headers["content-type"] == "application/json"


def test_a_near_miss_of_the_rest_prefix_answers_in_freshsales_shape_too(http: httpx.Client) -> None:
    acme = make_account(http, "acme")
    for path in ("/apis/contacts", "/crm/sales/apix"):
        answer = http.get(path, headers=acme)
        assert answer.status_code == 404
        assert errors_of(answer) == [f"Not Found: GET {path}"] and answer.json()["error_code"] == 404


def test_a_trailing_slash_is_served_like_the_path_without_it(live: ServerThread, http: httpx.Client) -> None:
    """requests follows a 307 and drops Authorization on the way; so no redirect at all."""
    acme = make_account(http, "acme")
    lead = http.post("/api/leads", headers=acme, json={"lead": {"email": "slash@example.com"}}).json()["lead"]
    answer = requests.post(f"{live.base_url}/crm/sales/api/sales_activities/", headers=acme, timeout=10,
                           json={"sales_activity": {"title": "Call", "targetable_type": "Lead",
                                                    "targetable_id": lead["id"]}})
    assert answer.status_code == 201 and not answer.history, answer.text
    listed = requests.get(f"{live.base_url}/api/sales_activities/", headers=acme, timeout=10)
    assert listed.text.startswith('{"sales_activities":[') and list(listed.json()) == ["sales_activities", "meta"]
    assert requests.get(f"{live.base_url}/api/leads/{lead['id']}/", headers=acme, timeout=10).json()[
        "lead"]["id"] == lead["id"]
