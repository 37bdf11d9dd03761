"""The dashboard over HTTP without a browser: the CSRF guard on every action, masked keys, escaped data,
HTML error pages, and lists paged by the sorted index in the same order a full sort gives."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.testclient import TestClient

from fssim import dashboard
from fssim.app import Simulator
from fssim.server import ServerThread

KEY = "acme-secret-api-key-7890"
BASE = "http://127.0.0.1:8765"


@pytest.fixture
def world(sim: Simulator) -> TestClient:
    sim.freshsales.accounts.create("acme", api_key=KEY)
    sim.segment.add_source("web", "web-write-key")
    return TestClient(sim.app, base_url=BASE)


def _token(client: TestClient, page: str, action: str) -> str:
    html = client.get(page).text
    found = re.search(rf'action="{re.escape(action)}">\s*<input type="hidden" name="csrf" value="(\w+)"', html)
    assert found, f"no form posting to {action} on {page}"
    return found.group(1)


def test_every_action_is_a_post_and_every_page_a_get() -> None:
    posts = [e.path for e in dashboard.ENDPOINTS if e.method == "POST"]
    assert posts and all(e.method in ("GET", "POST") for e in dashboard.ENDPOINTS)
    assert all(p.startswith("/ui/") for p in posts)  # nothing state-changing at "/" or outside /ui


def test_an_action_without_its_csrf_token_is_refused_and_changes_nothing(sim: Simulator, world: TestClient) -> None:
    for token in ("", "0" * 64, _token(world, "/ui/controls", "/ui/controls/flush")):  # missing, forged, another form's
        answer = world.post("/ui/controls/reset", data={"confirm": "yes", "csrf": token})
        assert answer.status_code == 403 and "CSRF token" in answer.text
        assert answer.headers["content-type"].startswith("text/html")
    assert sim.freshsales.accounts.get("acme") is not None


def test_cross_site_posts_are_refused_even_with_a_good_token(sim: Simulator, world: TestClient) -> None:
    token = _token(world, "/ui/controls", "/ui/controls/reset")
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "http://127.0.0.1:1"}):
        answer = world.post("/ui/controls/reset", data={"confirm": "yes", "csrf": token}, headers=headers)
        assert answer.status_code == 403, headers
    assert sim.freshsales.accounts.get("acme") is not None
    # The same form from the dashboard's own page does it.
    same = world.post("/ui/controls/reset", data={"confirm": "yes", "csrf": token},
                      headers={"Origin": BASE, "Sec-Fetch-Site": "same-origin"}, follow_redirects=False)
    assert same.status_code == 303 and sim.freshsales.accounts.get("acme") is None


def test_only_local_names_are_answered(sim: Simulator, world: TestClient) -> None:
    """An attacker's name re-pointed at 127.0.0.1 (DNS rebinding) would be same-origin with the pages: the
    guard in front of every page (fssim.guard) refuses it with an HTML page that shows nothing of fssim's."""
    for host in ("evil.example", "evil.example:8765", "127.0.0.1.evil.example", "192.168.1.20:8765"):
        answer = world.get("/ui/controls", headers={"Host": host})
        assert answer.status_code == 403 and "not a local name" in answer.text, host
        assert answer.headers["content-type"].startswith("text/html")
        assert "csrf" not in answer.text and "acme" not in answer.text
    for host in ("127.0.0.1:8765", "localhost:8765", "[::1]:8765", "localhost"):
        assert world.get("/", headers={"Host": host}).status_code == 200, host


def test_reset_needs_its_confirmation(sim: Simulator, world: TestClient) -> None:
    answer = world.post("/ui/controls/reset", data={"csrf": _token(world, "/ui/controls", "/ui/controls/reset")})
    assert answer.status_code == 400 and "confirmation" in answer.text
    assert sim.freshsales.accounts.get("acme") is not None


def test_forms_only_in_their_own_encoding_and_size(world: TestClient) -> None:
    token = _token(world, "/ui/controls", "/ui/controls/flush")
    assert world.post("/ui/controls/flush", json={"csrf": token}).status_code == 415
    big = world.post("/ui/controls/flush", data={"csrf": token, "x": "a" * (dashboard.web.MAX_FORM_BYTES + 1)})
    assert big.status_code == 413


def test_keys_are_masked_on_every_page(sim: Simulator, world: TestClient) -> None:
    sim.freshsales.enable_segment("acme", source="web")
    for page in ("/", "/ui/accounts/acme/integrations", "/ui/segment/sources", "/ui/segment/send-data?account=acme",
                 "/ui/segment/deliveries", "/ui/controls"):
        text = world.get(page).text
        assert KEY not in text, page
    assert "••••7890" in world.get("/").text


def test_traits_are_escaped_wherever_shown(sim: Simulator, world: TestClient) -> None:
    sim.freshsales.enable_segment("acme", source="web")
    hostile = '<script>alert("x")</script>'
    world.post("/v1/identify", auth=("web-write-key", ""), json={"userId": "eve@example.com",
                                                                 "traits": {"lastName": hostile}})
    world.post("/_sim/flush")
    lead = sim.freshsales.listing.by_email("acme", "lead", "EVE@example.com ")[0]
    for page in (f"/ui/accounts/acme/leads/{lead['id']}", "/ui/accounts/acme/leads", "/ui/segment/debugger",
                 "/ui/segment/debugger/rows?after=0"):
        text = world.get(page).text
        assert hostile not in text and "&lt;script&gt;" in text, page


def test_errors_are_html_pages_with_a_status_that_names_the_problem(world: TestClient) -> None:
    cases = {"/ui/accounts/nope/integrations": 404, "/ui/accounts/acme/deals": 404,
             "/ui/accounts/acme/leads/123": 404, "/ui/accounts/acme/leads?page=0": 400,
             "/ui/segment/deliveries?type=nonsense": 400, "/ui/static/../../app.py": 404,
             "/ui/segment/send-data?account=nope": 404}
    for path, status in cases.items():
        answer = world.get(path)
        assert answer.status_code == status, path
        if answer.headers["content-type"].startswith("text/html"):
            assert f"Error {status}" in answer.text
    csp = world.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_lists_page_by_index_in_the_order_a_full_sort_gives(sim: Simulator, world: TestClient) -> None:
    records = sim.freshsales.records
    for i in range(60):
        records.create("acme", "lead", {"last_name": f"L{i:02}", "email": f"l{i}@example.com"})
        sim.clock.advance(1 if i % 3 else 0)  # some ties, broken by id
    for i in range(0, 60, 7):  # updates move a lead to the front
        found = records.find_by_email("acme", f"l{i}@example.com")
        assert found is not None
        records.update("acme", "lead", found.id, {"job_title": "moved"})
        sim.clock.advance(2)
    for order in ("desc", "asc"):
        expected = [r["id"] for r in sorted(records.all("acme", "lead"), key=lambda r: (r["updated_at"], r["id"]),
                                            reverse=order == "desc")]
        shown = []
        for page in (1, 2, 3):
            html = world.get(f"/ui/accounts/acme/leads?order={order}&page={page}").text
            shown += [int(i) for i in re.findall(r'href="/ui/accounts/acme/leads/(\d+)"', html)]
        assert shown == expected, order
    assert "l7@example.com" in world.get("/ui/accounts/acme/leads?email=L7@Example.com").text
    assert "1 leads" in world.get("/ui/accounts/acme/leads?email=L7@Example.com").text
    records.delete("acme", "lead", records.find_by_email("acme", "l7@example.com").id)  # type: ignore[union-attr]
    assert sim.freshsales.listing.page("acme", "lead", per_page=100).total == 59


def test_the_dashboard_is_served_where_the_app_is_over_real_http(sim: Simulator) -> None:
    sim.freshsales.accounts.create("acme", api_key=KEY)
    with ServerThread(sim.app) as server:
        answer = httpx.get(server.base_url + "/")
        assert answer.status_code == 200 and "<h1>Overview</h1>" in answer.text
        css = httpx.get(server.base_url + "/ui/static/dashboard.css")
        assert css.headers["content-type"].startswith("text/css")
