"""The dashboard clicked through in Chromium (Playwright), against fssim served by uvicorn on 127.0.0.1.

The stories of issue 11: the seed's enablement flow, the data-not-accepted story from catalog to fix,
the debugger updating by itself when the Python SDK sends an event, and hostile input (a trait that is
an HTML tag; a page of another origin posting to a dashboard action). Each test takes screenshots of
the pages it reaches: into a temporary folder in `make test` (so a test run leaves the checkout as it
was), and into docs/img/, where docs/dashboard.md shows them, with `make screenshots`
(``FSSIM_SCREENSHOTS=docs/img``).

Needs Chromium (``/usr/bin/chromium``) and Playwright for Python (dev extras); skipped, saying which is
missing, without them. One browser per module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from chromium import launched_chromium
from segment.analytics.client import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium("the dashboard's browser tests")


@pytest.fixture
def served() -> Iterator[tuple[Simulator, str]]:
    """A simulator as ``fssim serve`` runs it (delivering by itself), on a free port of 127.0.0.1."""
    sim = Simulator(SimulatorConfig(background_delivery=True))
    with ServerThread(sim.app) as server:
        yield sim, server.base_url
    sim.close()


@pytest.fixture
def page(browser: Any, shots: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 760})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.dialogs = dialogs  # any alert() a page manages to run lands here
    tab.shots = shots
    yield tab
    context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: docs/img with ``FSSIM_SCREENSHOTS=docs/img`` (``make screenshots``), else a
    temporary folder."""
    chosen = os.environ.get("FSSIM_SCREENSHOTS")
    folder = REPO / chosen if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shot(page: Any, name: str) -> None:
    folder: Path = page.shots
    path = folder / f"dashboard-{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 1000, f"screenshot {path} is empty"


def _setup(base: str, subdomain: str, source: str, key: str) -> None:
    with httpx.Client(base_url=base) as control:
        assert control.post("/_sim/accounts", json={"subdomain": subdomain, "api_key": key}).status_code == 201
        assert control.post("/_sim/sources", json={"name": source, "write_key": f"{source}-wk"}).status_code == 201


def _send_test_message(page: Any, base: str, source: str, call: str, user: str, data: str = "{}",
                       event: str = "") -> None:
    page.goto(f"{base}/ui/controls")
    page.get_by_label("Source", exact=True).select_option(source)
    page.get_by_label("Call").select_option(call)
    page.get_by_label("User id").fill(user)
    page.get_by_label("Event or page name (track, page)").fill(event)
    page.get_by_label("Traits or properties (JSON object)").fill(data)
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url("**/ui/segment/debugger**")


def _flush(page: Any, base: str) -> None:
    page.goto(f"{base}/ui/controls")
    page.get_by_role("button", name="Flush").click()
    page.wait_for_url("**/ui/controls?note=Flushed**")


def test_the_enablement_flow_clicked_as_in_the_seed(served: tuple[Simulator, str], page: Any) -> None:
    sim, base = served
    _setup(base, "acme", "web", "acme-api-key-1234")
    page.goto(f"{base}/ui/accounts/acme/integrations")
    assert page.locator("#segment-status").inner_text() == "Disabled"
    assert "acme-api-key-1234" not in page.content() and "••••1234" in page.content()  # masked
    _shot(page, "integrations-off")
    page.get_by_role("switch", name="Segment toggle: off (switch on)").click()
    page.wait_for_url("**/ui/segment/send-data?account=acme")
    page.get_by_label("Source").select_option("web")
    _shot(page, "send-data")
    page.get_by_role("button", name="Send Data").click()
    page.wait_for_url("**/ui/accounts/acme/integrations**")
    assert page.locator("#segment-status").inner_text() == "Enabled"
    _shot(page, "integrations-on")

    # The hand-over happened: the destination exists, and an identify sent now is delivered.
    destinations = sim.segment.sources()[0]["destinations"]
    assert [(d["subdomain"], d["enabled"], d["created_by"]) for d in destinations] == [("acme", True, "freshsales")]
    with httpx.Client(base_url=base) as client:
        answer = client.post("/v1/identify", auth=("web-wk", ""), json={"userId": "ada@example.com",
                                                                       "traits": {"firstName": "Ada"}})
        assert answer.json() == {"success": True}
        client.post("/_sim/flush")
        codes = [d["code"] for d in client.get("/_sim/deliveries").json()["deliveries"]]
    assert codes == ["success.200"]

    # And switching it off works too.
    page.get_by_role("switch", name="Segment toggle: on (switch off)").click()
    page.wait_for_url("**/ui/accounts/acme/integrations?note=**")
    assert page.locator("#segment-status").inner_text() == "Disabled"
    assert sim.freshsales.accounts.require("acme").segment_enabled is False


def test_the_data_not_accepted_story_from_catalog_to_fix(served: tuple[Simulator, str], page: Any) -> None:
    sim, base = served
    _setup(base, "beta", "app", "beta-api-key-5678")
    # 1. Add the destination from Segment's catalog.
    page.goto(f"{base}/ui/segment/sources")
    page.get_by_text("Add destination → Freshsales (catalog)").click()
    page.get_by_label("Freshsales API key").fill("beta-api-key-5678")
    page.get_by_label("Subdomain").fill("beta")
    page.get_by_role("button", name="Add destination").click()
    page.wait_for_url("**/ui/segment/sources?note=**")
    _shot(page, "sources")
    # 2. Send a test identify; 3. see errors.discarded.403 with its reason on the event-delivery page.
    _send_test_message(page, base, "app", "identify", "grace@example.com", '{"lastName": "Hopper"}')
    _flush(page, base)
    page.goto(f"{base}/ui/segment/deliveries")
    page.get_by_label("Code").select_option("errors.discarded.403")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**code=errors.discarded.403**")
    row = page.locator("table.deliveries tbody tr")
    assert row.count() == 1
    assert "errors.discarded.403" in row.inner_text() and "toggle" in row.inner_text().lower()
    _shot(page, "deliveries")
    assert sim.freshsales.records.count("beta", "lead") == 0
    # 4. Fix it from the Freshsales integrations page.
    page.goto(f"{base}/ui/accounts/beta/integrations")
    page.get_by_role("switch").click()
    page.get_by_label("Source").select_option("app")
    page.get_by_role("button", name="Send Data").click()
    page.wait_for_url("**/ui/accounts/beta/integrations**")
    assert page.locator("#segment-status").inner_text() == "Enabled"
    # 5. Send again; 6. see the lead and its timeline.
    _send_test_message(page, base, "app", "identify", "grace@example.com", '{"lastName": "Hopper", "title": "Admiral"}')
    _send_test_message(page, base, "app", "page", "grace@example.com", '{"url": "https://beta.example/pricing"}',
                       "Pricing")
    _send_test_message(page, base, "app", "track", "grace@example.com", '{"plan": "pro"}', "Signed Up")
    _send_test_message(page, base, "app", "identify", "grace@example.com", '{"title": "Rear Admiral"}')
    _flush(page, base)
    page.goto(f"{base}/ui/accounts/beta/leads")
    _shot(page, "leads")
    page.get_by_role("link", name="Hopper").click()
    page.wait_for_url("**/ui/accounts/beta/leads/*")
    timeline = page.locator("ol.timeline").inner_text()
    for seen in ("create", "page view", "Pricing", "event", "Signed Up", "pro", "update", "job_title",
                 "Rear Admiral"):
        assert seen in timeline, seen
    assert page.locator("section", has_text="Segment deliveries").get_by_text("success.200").count() >= 1
    _shot(page, "record")
    page.goto(f"{base}/")
    assert page.get_by_role("heading", name="Deliveries over time").is_visible()
    assert page.locator("svg.chart rect").count() >= 2
    _shot(page, "overview")


def test_the_debugger_shows_an_sdk_event_without_a_reload(served: tuple[Simulator, str], page: Any) -> None:
    _, base = served
    _setup(base, "gamma", "server", "gamma-api-key-0000")
    page.goto(f"{base}/ui/segment/debugger")
    page.evaluate("window.__sameDocument = true")
    client = Client("server-wk", host=base, sync_mode=True)
    client.track("sdk-user-1", "Signed Up", {"plan": "garden"})
    row = page.locator("#events tbody tr", has_text="sdk-user-1")
    row.wait_for()
    assert page.evaluate("window.__sameDocument") is True  # no reload: the row came by polling
    assert "Signed Up" in row.inner_text() and "accepted" in row.inner_text()
    row.get_by_text("Raw JSON").click()
    assert '"plan": "garden"' in row.locator("pre").inner_text()
    _shot(page, "debugger")
    page.goto(f"{base}/ui/controls")
    _shot(page, "controls")


def test_hostile_input_is_text_and_a_cross_origin_post_is_refused(served: tuple[Simulator, str], page: Any) -> None:
    sim, base = served
    _setup(base, "delta", "web", "delta-api-key-9999")
    sim.freshsales.enable_segment("delta", source="web")
    with httpx.Client(base_url=base) as client:
        client.post("/v1/identify", auth=("web-wk", ""), json={"userId": "eve@example.com",
                                                               "traits": {"firstName": HOSTILE, "lastName": "X"}})
        client.post("/_sim/flush")
    lead = sim.freshsales.listing.by_email("delta", "lead", "eve@example.com")[0]
    for path in (f"/ui/accounts/delta/leads/{lead['id']}", "/ui/accounts/delta/leads", "/ui/segment/debugger",
                 "/ui/segment/deliveries"):
        page.goto(base + path)
        assert page.locator("img[src=x]").count() == 0, path
    page.goto(f"{base}/ui/accounts/delta/leads/{lead['id']}")
    assert page.get_by_role("heading", level=1).inner_text() == f"{HOSTILE} X"
    page.wait_for_timeout(300)
    assert page.dialogs == []

    # A page of another origin auto-submits a form to reset fssim: refused, nothing forgotten.
    async def evil(request: Request) -> HTMLResponse:
        return HTMLResponse(f'<form id="f" method="post" action="{base}/ui/controls/reset">'
                            '<input name="confirm" value="yes"><input name="csrf" value="guess"></form>'
                            '<script>document.getElementById("f").submit()</script>')

    with ServerThread(Starlette(routes=[Route("/", evil)])) as other:
        page.goto(other.base_url + "/")
        page.wait_for_url(f"{base}/ui/controls/reset")
        assert "Error 403" in page.content() and "cross-site" in page.content()
    assert sim.freshsales.accounts.get("delta") is not None
    assert sim.freshsales.accounts.require("delta").segment_enabled is True


UNLABELLED = """() => Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.outerHTML)"""


def test_keyboard_and_screen_reader_basics_on_every_page(served: tuple[Simulator, str], page: Any) -> None:
    sim, base = served
    _setup(base, "acme", "web", "acme-api-key-1234")
    sim.freshsales.enable_segment("acme", source="web")
    lead = sim.freshsales.records.create("acme", "lead", {"last_name": "Lovelace", "email": "ada@example.com"})
    pages = ["/", "/ui/accounts/acme/integrations", "/ui/segment/send-data?account=acme", "/ui/accounts/acme/leads",
             f"/ui/accounts/acme/leads/{lead['id']}", "/ui/segment/sources", "/ui/segment/debugger",
             "/ui/segment/deliveries", "/ui/controls"]
    for path in pages:
        page.goto(base + path)
        assert page.locator("h1").count() == 1, path  # one page heading; sections have h2
        assert page.evaluate(UNLABELLED) == [], path  # every control has a label
        assert page.locator("html").get_attribute("lang") == "en"
        # Focus order starts with the skip link, which lands on the main content, then the navigation.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content", path
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('nav') !== null"), path
    # The toggle is reachable and usable by keyboard alone.
    page.goto(base + "/ui/accounts/acme/integrations")
    page.get_by_role("switch").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/ui/accounts/acme/integrations?note=**")
    assert page.locator("#segment-status").inner_text() == "Disabled"
