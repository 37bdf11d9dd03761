"""analytics.js (@segment/analytics-next), unchanged, in Chromium, in a page of another origin, against fssim.

Four ways of loading it, each checked by reading Freshsales through its REST API: settings fetched
from fssim (``cdnURL``), settings inline (``cdnSettings``), batching delivery (``/v1/b``) and the
snippet with the standalone build, whose page is the README's "Point a web app at fssim" example as it
is written there. The page is served from its own port, so every call is cross-origin and CORS applies.

Needs Chromium (``/usr/bin/chromium``; ``apt-get install chromium``), Playwright for Python (dev extras;
its own browser download is never used) and npm, which installs analytics.js from the committed lockfile
in tests/segment/browser once per lockfile into a cache folder. Without them the tests are skipped, saying
what is missing. ``pytest -s`` prints the requests the browser made and their answers for each way.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import launched_chromium
from seg_world import World

from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

pytestmark = pytest.mark.e2e

Traffic = list[tuple[str, str, int | None]]

REPO = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).parent / "browser"
UMD = "node_modules/@segment/analytics-next/dist/umd"
KEY = "fs-key-acme"
WRITE_KEY = "web-write-key"
TRAITS = {"firstName": "Ada", "lastName": "Lovelace", "title": "Analyst"}
README_URL = "http://127.0.0.1:8765"
README_WRITE_KEY = "demo-web-write-key"


def _npm_cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fssim" / "npm"


@pytest.fixture(scope="session")
def analytics_js_root() -> Path:
    """A folder whose node_modules holds analytics.js, installed by npm ci from the committed lockfile.

    Keyed by the lockfile's hash: a new lockfile gets a new folder, an unchanged one is installed once
    per machine. Installed into a temporary folder and renamed, so two xdist workers never see half of it.
    """
    lock = (PACKAGE_DIR / "package-lock.json").read_bytes()
    root = _npm_cache_root() / ("analytics-next-" + hashlib.sha256(lock).hexdigest()[:16])
    if (root / UMD / "standalone.js").exists():
        return root
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is needed to install analytics.js for the browser tests (install Node.js >= 20)")
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=root.parent))
    for name in ("package.json", "package-lock.json"):
        shutil.copy(PACKAGE_DIR / name, staging / name)
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=staging, capture_output=True, text=True,
                          timeout=300)
    if not (staging / UMD / "standalone.js").exists():
        shutil.rmtree(staging, ignore_errors=True)
        pytest.fail(f"npm ci failed for {PACKAGE_DIR}:\n{done.stdout}\n{done.stderr}")
    try:
        staging.rename(root)
    except OSError:  # another worker finished first: use its copy
        shutil.rmtree(staging, ignore_errors=True)
    return root


class PageServer:
    """The web app's own origin: pages set by the test, and files (analytics.js) from ``root``."""

    def __init__(self, root: Path) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                page = pages.get(self.path.split("?")[0])
                if page is None:
                    super().do_GET()
                    return
                body = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                       functools.partial(Handler, directory=str(root)))
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium("the analytics.js browser tests")


class SeenByFssim:
    """ASGI wrapper that notes each browser request fssim answered (method, path, status), preflights
    included: Playwright reports only the requests the page itself made, never the CORS preflights."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: Traffic = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not any(name == b"origin" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return

        async def noting(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.requests.append((scope["method"], scope["path"], message["status"]))
            await send(message)

        await self.app(scope, receive, noting)


@pytest.fixture(scope="module")
def fssim_live() -> Iterator[tuple[ServerThread, SeenByFssim]]:
    """One fssim per module, reset before each test."""
    sim = Simulator(SimulatorConfig(frozen_clock=True))
    seen = SeenByFssim(sim.app)
    with ServerThread(seen) as server:
        yield server, seen
    sim.close()


@pytest.fixture(scope="module")
def pages(analytics_js_root: Path) -> Iterator[PageServer]:
    server = PageServer(analytics_js_root)
    yield server
    server.close()


@pytest.fixture
def shop(fssim_live: tuple[ServerThread, SeenByFssim]) -> Iterator[World]:
    """A reset fssim with a web source and a Freshsales account (each test connects them its way)."""
    server, seen = fssim_live
    seen.requests.clear()
    world = World(server.base_url)
    world.ok(world.http.post("/_sim/reset"))
    world.source("web", WRITE_KEY, "web")
    world.account("acme", KEY)
    yield world
    world.close()


@pytest.fixture
def seen(fssim_live: tuple[ServerThread, SeenByFssim]) -> Traffic:
    """What fssim answered the browser in this test (``shop`` clears it)."""
    return fssim_live[1].requests


def visit(browser: Any, pages: PageServer, html: str, world: World, seen: Traffic, expected_events: int,
          name: str) -> Traffic:
    """Open ``html`` in a fresh browser context; return what the browser sent (method, path, status)."""
    pages.pages["/index.html"] = html
    traffic: Traffic = []
    console: list[str] = []
    context = browser.new_context()
    page = context.new_page()
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("requestfinished", lambda request: traffic.append(
        (request.method, _short(request.url, world, pages), request.response().status if request.response() else None)))
    page.on("requestfailed", lambda request: traffic.append(
        (request.method, _short(request.url, world, pages), None)))
    try:
        page.goto(pages.base_url + "/index.html")
        _wait(page, lambda: len(world.events()) >= expected_events,
              f"{expected_events} events at fssim; browser console: {console}; requests: {traffic}")
        # Wait for the last answers too, so the printed traffic is whole.
        page.wait_for_timeout(300)
    finally:
        context.close()
    print(f"\n== {name}: the browser's requests and their answers")
    for method, where, status in traffic:
        print(f"   {method:<7} {where:<70} {status if status is not None else 'FAILED'}")
    print("   fssim's side, preflights included:")
    for method, where, status in seen:
        print(f"   {method:<7} [fssim]{where:<63} {status}")
    return traffic


def _short(url: str, world: World, pages: PageServer) -> str:
    return url.replace(world.base_url, "[fssim]").replace(pages.base_url, "[page]")


def _wait(page: Any, condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


def check_freshsales(world: World, email: str) -> None:
    """What the page's calls must have become in Freshsales, read through its REST API."""
    world.flush()
    entity, lead = world.one(KEY, email)
    assert (entity, lead["first_name"], lead["last_name"], lead["job_title"]) == ("lead", "Ada", "Lovelace",
                                                                                 "Analyst")
    timeline = world.timeline(KEY, "lead", lead["id"])
    [view] = [a["action_data"] for a in timeline if a["action_type"] == "page_view"]
    # analytics.js fills url, path and title from the page by itself.
    assert view["url"].endswith("/index.html") and view["path"] == "/index.html"
    assert view["title"] == "Pricing"
    [event] = [a["action_data"] for a in timeline if a["action_type"] == "event"]
    assert (event["name"], event["properties"]) == ("Signed Up", {"plan": "trial", "seats": 3})
    anonymous = [d for d in world.deliveries(type="page") if d["user_id"] is None]
    assert [(d["status"], d["code"]) for d in anonymous] == [("delivered", "success.202")]  # R8
    identify = world.events(type="identify")[0]["message"]
    assert identify["context"]["library"]["name"] == "analytics.js"
    # The settings listed Freshsales as a cloud-mode destination; analytics.js says so in every event.
    assert identify["_metadata"]["unbundled"] == ["Freshsales"]


def npm_page(load: str, email: str) -> str:
    """A page using AnalyticsBrowser from the package's browser build, as a bundled app would."""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Pricing</title></head><body>
<script src="/{UMD}/index.js"></script>
<script>
  (async () => {{
    const analytics = AnalyticsNext.AnalyticsBrowser.load({load});
    await analytics.page();                                   // an anonymous visitor (R8: 202)
    await analytics.identify({json.dumps(email)}, {json.dumps(TRAITS)});
    await Promise.all([analytics.page(), analytics.track("Signed Up", {{plan: "trial", seats: 3}})]);
  }})();
</script></body></html>"""


def _posted(traffic: Traffic, path: str) -> list[tuple[str, str, int | None]]:
    return [t for t in traffic if t[1].startswith("[fssim]") and t[1].endswith(path)]


def test_settings_fetched_from_fssim(browser: Any, pages: PageServer, shop: World, seen: Traffic) -> None:
    shop.enable_from_freshsales("acme", "web")
    load = json.dumps({"writeKey": WRITE_KEY, "cdnURL": shop.base_url})
    traffic = visit(browser, pages, npm_page(load, "ada@example.com"), shop, seen, 4,
                    "1. settings from fssim (cdnURL)")
    assert ("GET", f"[fssim]/v1/projects/{WRITE_KEY}/settings", 200) in traffic
    assert {t[2] for t in _posted(traffic, "/v1/p") + _posted(traffic, "/v1/i") + _posted(traffic, "/v1/t")} == {200}
    # analytics.js's Authorization header makes the browser ask first; a 2xx lets each POST through.
    assert {("OPTIONS", f"/v1/{short}", 204) for short in "pit"} <= set(seen)
    check_freshsales(shop, "ada@example.com")


def _inline_settings(world: World) -> str:
    settings = world.ok(world.http.get(f"/v1/projects/{WRITE_KEY}/settings"))
    return json.dumps(settings)


def test_settings_inline(browser: Any, pages: PageServer, shop: World, seen: Traffic) -> None:
    shop.enable_from_freshsales("acme", "web")
    load = f'{{writeKey: "{WRITE_KEY}", cdnSettings: {_inline_settings(shop)}}}'
    traffic = visit(browser, pages, npm_page(load, "ada@example.com"), shop, seen, 4,
                    "2. settings inline (cdnSettings)")
    assert not [t for t in traffic if "/settings" in t[1]]
    assert {t[2] for t in _posted(traffic, "/v1/i")} == {200}
    assert ("OPTIONS", "/v1/i", 204) in seen
    check_freshsales(shop, "ada@example.com")


def test_batching_delivery(browser: Any, pages: PageServer, shop: World, seen: Traffic) -> None:
    shop.enable_from_freshsales("acme", "web")
    batching = {"strategy": "batching", "config": {"size": 10, "timeout": 200}}
    load = (json.dumps({"writeKey": WRITE_KEY, "cdnURL": shop.base_url}) + ", "
            + json.dumps({"integrations": {"Segment.io": {"deliveryStrategy": batching}}}))
    traffic = visit(browser, pages, npm_page(load, "ada@example.com"), shop, seen, 4,
                    "3. batching delivery (/v1/b)")
    batches = _posted(traffic, "/v1/b")
    assert batches and {t[2] for t in batches} == {200}
    assert not _posted(traffic, "/v1/i")
    assert {e["path"] for e in shop.events()} == {"/v1/b"}
    assert ("OPTIONS", "/v1/b", 204) in seen
    check_freshsales(shop, "ada@example.com")


def readme_page() -> str:
    """The README's example page, exactly as written there (a user copies it as it is)."""
    section = (REPO / "README.md").read_text(encoding="utf-8").split("## Point a web app at fssim", 1)[1]
    found = re.search(r"```html\n(.*?)```", section, re.S)
    assert found, "README.md's 'Point a web app at fssim' section has no ```html page"
    return found.group(1)


def test_snippet_with_the_standalone_build_is_the_readme_page(browser: Any, pages: PageServer, shop: World,
                                                              seen: Traffic) -> None:
    shop.enable_from_freshsales("acme", "web")
    html = readme_page()
    assert README_URL in html and README_WRITE_KEY in html and f"{UMD}/standalone.js" in html
    # The only change: this fssim's port and write key instead of `make run`'s.
    html = html.replace(README_URL, shop.base_url).replace(README_WRITE_KEY, WRITE_KEY)
    traffic = visit(browser, pages, html, shop, seen, 4, "4. snippet + standalone build (the README page)")
    assert ("GET", f"[page]/{UMD}/standalone.js", 200) in traffic
    assert ("GET", f"[fssim]/v1/projects/{WRITE_KEY}/settings", 200) in traffic
    check_freshsales(shop, "ada@example.com")


def test_with_the_toggle_off_the_pages_events_are_discarded_403(browser: Any, pages: PageServer, shop: World,
                                                                 seen: Traffic) -> None:
    shop.enable_from_segment("web", KEY, "acme")  # Segment's catalog only: the Freshsales toggle stays off (R2)
    load = json.dumps({"writeKey": WRITE_KEY, "cdnURL": shop.base_url})
    traffic = visit(browser, pages, npm_page(load, "ada@example.com"), shop, seen, 4, "negative: toggle off")
    assert {t[2] for t in _posted(traffic, "/v1/i")} == {200}  # the page sees success, as with the real Segment
    shop.flush()
    codes = {(d["type"], d["code"]) for d in shop.deliveries()}
    assert codes == {("identify", "errors.discarded.403"), ("page", "errors.discarded.403"),
                     ("track", "errors.discarded.403")}
    assert shop.lookup(KEY, "ada@example.com") == {"leads": [], "contacts": []}


def test_the_readme_installs_the_analytics_js_these_tests_run() -> None:
    version = json.loads((PACKAGE_DIR / "package.json").read_text())["dependencies"]["@segment/analytics-next"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"npm install @segment/analytics-next@{version}" in readme
