"""What a browser needs from the Tracking API, checked without a browser: CORS headers one by one,
analytics.js's short paths, its metrics path and the CDN settings document (docs/segment.md §2.1).

A failure here names the header or field that broke; tests/segment/test_seg_browser.py shows the same
through analytics.js in Chromium.
"""

from __future__ import annotations

import base64
import json
import logging

import httpx
import pytest
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig
from fssim.segment.browser import SHORT_PATHS, web_sources_banner

PAGE = "http://127.0.0.1:5500"
LONG_AND_SHORT = ["/v1/track", "/v1/batch", *(f"/v1/{short}" for short in SHORT_PATHS)]


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def preflight(client: TestClient, path: str, origin: str = PAGE, headers: str = "authorization,content-type",
              ) -> httpx.Response:
    return client.options(path, headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                         "Access-Control-Request-Headers": headers})


@pytest.fixture
def web(sim: Simulator, client: TestClient) -> TestClient:
    sim.segment.add_source("web", "web-key", "web")
    return client


@pytest.mark.parametrize("path", LONG_AND_SHORT)
def test_a_preflight_is_answered_2xx_with_the_origin_and_post(web: TestClient, path: str) -> None:
    answer = preflight(web, path)
    assert answer.status_code == 204, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == PAGE
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("header", ["Authorization", "Content-Type", "X-Retry-Count", "Content-Encoding"])
def test_a_preflight_names_each_header_analytics_js_sends(web: TestClient, header: str) -> None:
    # Asked for nothing in particular, the answer still lists them by name: "*" never covers Authorization.
    allowed = preflight(web, "/v1/t", headers="").headers["Access-Control-Allow-Headers"]
    assert header.lower() in [name.strip().lower() for name in allowed.split(",")]
    assert "*" not in allowed


def test_a_preflight_allows_extra_headers_a_page_asks_for_and_is_cached(web: TestClient) -> None:
    answer = preflight(web, "/v1/b", headers="authorization,x-my-header")
    assert "x-my-header" in answer.headers["Access-Control-Allow-Headers"].lower()
    assert int(answer.headers["Access-Control-Max-Age"]) >= 600


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("POST", "/v1/t", {"userId": "u1", "event": "Clicked"}, 200),
    ("POST", "/v1/t", "{not json", 400),
    ("POST", "/v1/b", {"batch": "not a list"}, 400),
    ("POST", "/v1/nothing-here", {}, 404),
    ("GET", "/v1/projects/web-key/settings", None, 200),
    ("GET", "/v1/projects/unknown-key/settings", None, 404),
    ("POST", "/v1/m", {"series": []}, 200),
])
def test_every_v1_answer_carries_the_origin_errors_included(web: TestClient, method: str, path: str,
                                                            body: object, status: int) -> None:
    content = body if isinstance(body, str) else json.dumps(body) if body is not None else None
    answer = web.request(method, path, content=content,
                         headers={"Origin": PAGE, "Content-Type": "text/plain", **basic("web-key")})
    assert answer.status_code == status, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == PAGE
    assert "Retry-After" in answer.headers["Access-Control-Expose-Headers"]


def test_without_an_origin_the_answer_allows_any(web: TestClient) -> None:
    answer = web.post("/v1/t", json={"userId": "u1", "event": "Clicked"}, headers=basic("web-key"))
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_nothing_outside_the_tracking_api_is_opened_to_other_origins(web: TestClient) -> None:
    assert "Access-Control-Allow-Origin" not in web.get("/_sim/health", headers={"Origin": PAGE}).headers
    answer = preflight(web, "/_sim/reset")
    assert answer.status_code >= 400
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Access-Control-Allow-Origin" not in preflight(web, "/api/leads/filters").headers


def test_cors_origin_list_allows_those_origins_only() -> None:
    sim = Simulator(SimulatorConfig(frozen_clock=True, cors_origins=("http://localhost:3000",)))
    try:
        client = TestClient(sim.app)
        assert preflight(client, "/v1/t", origin="http://localhost:3000").status_code == 204
        refused = preflight(client, "/v1/t", origin="http://evil.example")
        assert refused.status_code == 403
        assert "--cors-origin" in refused.json()["message"]
        assert "Access-Control-Allow-Origin" not in refused.headers
        post = client.post("/v1/t", json={"userId": "u", "event": "E", "writeKey": "k"},
                           headers={"Origin": "http://evil.example"})
        assert "Access-Control-Allow-Origin" not in post.headers
    finally:
        sim.close()


@pytest.mark.parametrize(("short", "call"), [(s, c) for s, c in SHORT_PATHS.items() if c != "batch"])
def test_short_paths_are_the_single_calls_with_text_plain_bodies(sim: Simulator, web: TestClient, short: str,
                                                                  call: str) -> None:
    message = {"userId": "ada@example.com", "event": "Clicked", "groupId": "g1", "previousId": "old"}
    answer = web.post(f"/v1/{short}", content=json.dumps(message),
                      headers={"Content-Type": "text/plain", **basic("web-key")})
    assert answer.json() == {"success": True}
    [event] = sim.segment.event_log({})
    assert (event["path"], event["type"], event["status"]) == (f"/v1/{short}", call, "accepted")


def test_the_batch_short_path_is_a_batch_with_its_limits(sim: Simulator, web: TestClient) -> None:
    batch = {"writeKey": "web-key", "batch": [{"type": "track", "userId": "u1", "event": "A"},
                                              {"type": "page", "anonymousId": "a1", "name": "Home"}]}
    assert web.post("/v1/b", content=json.dumps(batch), headers={"Content-Type": "text/plain"}).status_code == 200
    assert [(e["path"], e["type"]) for e in sim.segment.event_log({})] == [("/v1/b", "track"), ("/v1/b", "page")]
    big = {"writeKey": "web-key", "userId": "u1", "event": "Big", "properties": {"x": "y" * 40_000}}
    too_big = web.post("/v1/t", content=json.dumps(big))
    assert (too_big.status_code, too_big.json()["code"]) == (400, "payload_too_large")
    assert web.post("/v1/t", content=json.dumps({"userId": "u1", "event": "E"})).json()["code"] == "invalid_write_key"


def test_metrics_are_answered_and_never_logged_as_events(sim: Simulator, web: TestClient) -> None:
    series = {"series": [{"type": "Counter", "metric": "analytics_js.invoke", "value": 1, "tags": {}}]}
    answer = web.post("/v1/m", content=json.dumps(series), headers={"Content-Type": "text/plain"})
    assert answer.json() == {"success": True}
    assert sim.segment.event_log({}) == []


def test_settings_point_analytics_js_back_at_this_fssim(web: TestClient) -> None:
    settings = web.get("/v1/projects/web-key/settings").json()
    segment_io = settings["integrations"]["Segment.io"]
    assert (segment_io["apiKey"], segment_io["apiHost"], segment_io["protocol"]) == ("web-key", "testserver/v1",
                                                                                     "http")
    assert list(settings["integrations"]) == ["Segment.io"]
    assert segment_io["unbundledIntegrations"] == []
    assert settings["metrics"]["sampleRate"] == 0


def test_settings_list_freshsales_once_it_is_connected(sim: Simulator, web: TestClient) -> None:
    sim.segment.add_destination("web", "freshsales", "fs-key", "acme")
    settings = web.get("/v1/projects/web-key/settings").json()
    assert settings["integrations"]["Segment.io"]["unbundledIntegrations"] == ["Freshsales"]


def test_settings_for_an_unknown_write_key_are_a_404_that_says_why(web: TestClient,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="fssim.segment"):
        answer = web.get("/v1/projects/typo-key/settings")
    assert answer.status_code == 404
    assert "typo-key" in answer.json()["message"]
    assert "****-key" in caplog.text and "typo-key" not in caplog.text  # the log masks keys


def test_the_banner_shows_how_to_point_each_web_source_at_fssim() -> None:
    banner = web_sources_banner("http://127.0.0.1:8765", [
        {"name": "web", "write_key": "wk", "kind": "web"}, {"name": "srv", "write_key": "sk", "kind": "server"}])
    assert "AnalyticsBrowser.load({ writeKey: 'wk', cdnURL: 'http://127.0.0.1:8765' })" in banner
    assert "analytics._cdn = 'http://127.0.0.1:8765'" in banner
    assert "sk" not in banner
