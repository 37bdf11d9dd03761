"""The control plane is not a public API (issue 10, defect 6): Host, Origin/Sec-Fetch-Site and JSON-only
checks on every path but the public APIs, keys masked in every answer, and no CORS for ``/_sim``."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig
from fssim.guard import SIMULATED_HOST_SUFFIXES, SIMULATED_HOSTS, is_public
from fssim.interception import DEFAULT_HOSTS
from fssim.masking import MaskKeysInAccessLog
from fssim.server import ServerThread

JSON = {"Content-Type": "application/json"}
WEB = {"Authorization": "Basic d2ViLWtleTo=", **JSON}  # web-key:


def _world(client: TestClient | httpx.Client) -> None:
    assert client.post("/_sim/accounts", json={"subdomain": "acme", "api_key": "acme-api-key"}).status_code == 201
    assert client.post("/_sim/sources", json={"name": "web", "write_key": "web-write-key"}).status_code == 201
    assert client.post("/_sim/accounts/acme/segment/enable", json={"source": "web"}).status_code == 200


def test_a_blind_cross_site_text_plain_post_to_reset_is_refused_and_changes_nothing(live: ServerThread) -> None:
    with httpx.Client(base_url=live.base_url) as http:
        _world(http)
        before = http.get("/_sim/state").json()
        # What a page on another site can send without a preflight: a "simple" text/plain POST.
        page = {"Content-Type": "text/plain", "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
        for path in ("/_sim/reset", "/_sim/accounts/acme/segment/disable", "/_sim/accounts"):
            answer = http.post(path, content=b'{"subdomain":"pwned"}', headers=page)
            assert answer.status_code == 403, (path, answer.text)
            assert "evil.example" in answer.json()["message"]
            assert "access-control-allow-origin" not in answer.headers
        # The same without Origin headers (an old browser, a form): still refused, for its content type.
        bare = http.post("/_sim/reset", content=b"x", headers={"Content-Type": "text/plain"})
        assert bare.status_code == 415 and "text/plain" in bare.json()["message"]
        # Sec-Fetch-Site alone is enough to tell a cross-site request.
        fetched = http.post("/_sim/reset", headers={"Sec-Fetch-Site": "same-site"})
        assert fetched.status_code == 403
        assert http.get("/_sim/state").json() == before


def test_a_rebinding_style_host_is_refused_on_every_control_path(live: ServerThread) -> None:
    with httpx.Client(base_url=live.base_url) as http:
        _world(http)
        for path in ("/_sim/state", "/_sim/accounts", "/_sim/sources", "/_sim/events", "/", "/ui/anything"):
            answer = http.get(path, headers={"Host": "evil.example"})
            assert answer.status_code == 403, path
            # JSON for programs on /_sim, an HTML page for people on the dashboard; both name the Host.
            assert "evil.example" in (answer.text if path.startswith(("/ui", "/")) and not path.startswith("/_sim")
                                      else answer.json()["message"])
        # The public APIs still answer any Host: real clients send acme.freshsales.io or api.segment.io.
        assert http.post("/v1/track", json={"userId": "u1", "event": "E"}, headers={**WEB, "Host": "api.segment.io"}
                         ).status_code == 200
        assert http.get("/api/leads/filters", headers={"Host": "acme.freshsales.io",
                                                       "Authorization": "Token token=acme-api-key"}).status_code == 200
        for host in ("localhost:9999", "127.0.0.1", f"127.0.0.1:{live.port}", "[::1]:8765", "LOCALHOST"):
            assert http.get("/_sim/health", headers={"Host": host}).status_code == 200, host


def test_same_origin_requests_and_tools_pass() -> None:
    sim = Simulator(SimulatorConfig(frozen_clock=True, allowed_hosts=("devbox.lan",)))
    client = TestClient(sim.app)
    same = {"Origin": "http://127.0.0.1:8765", "Host": "127.0.0.1:8765", "Sec-Fetch-Site": "same-origin", **JSON}
    assert client.post("/_sim/accounts", json={"subdomain": "acme"}, headers=same).status_code == 201
    assert client.post("/_sim/reset", headers={"Sec-Fetch-Site": "none"}).status_code == 200  # typed in the bar
    assert client.get("/_sim/state", headers={"Host": "devbox.lan:8765"}).status_code == 200  # serve --host
    assert client.post("/_sim/reset", headers={"Origin": "null"}).status_code == 403  # a sandboxed page
    sim.close()


def test_control_bodies_must_be_json() -> None:
    sim = Simulator(SimulatorConfig(frozen_clock=True))
    client = TestClient(sim.app)
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        answer = client.post("/_sim/accounts", content=b'{"subdomain":"acme"}', headers={"Content-Type": kind})
        assert answer.status_code == 415 and kind.split(";")[0] in answer.json()["message"]
    assert client.post("/_sim/accounts", content=b'{"subdomain":"acme"}').status_code == 415  # no type at all
    for kind in ("application/json; charset=utf-8", "application/merge-patch+json"):
        assert client.post("/_sim/accounts", content=b'{"subdomain":"a' + str(len(kind)).encode() + b'"}',
                           headers={"Content-Type": kind}).status_code == 201
    assert client.post("/_sim/flush").status_code == 200  # no body, no type needed
    sim.close()


def test_control_answers_never_carry_cors_even_for_an_allowed_browser_origin(client: TestClient) -> None:
    preflight = client.options("/_sim/reset", headers={"Origin": "http://localhost:3000",
                                                       "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in client.get("/_sim/state", headers={"Origin": "http://x"}).headers
    assert client.post("/v1/track", json={"userId": "u", "event": "E"},
                       headers={**WEB, "Origin": "http://localhost:3000"}).headers["access-control-allow-origin"]


def test_the_public_surfaces_are_exactly_the_four_apis() -> None:
    assert all(is_public(p) for p in ("/v1/batch", "/v1/t", "/api/leads/1", "/crm/sales/api/contacts",
                                      "/integrations/segment"))
    assert not any(is_public(p) for p in ("/_sim/state", "/", "/ui/leads", "/v1x", "/apiary", "/integrations/x"))


def _everything_keyed(client: TestClient) -> None:
    _world(client)
    assert client.post("/v1/identify", json={"userId": "ada@example.com", "writeKey": "web-write-key"},
                       headers=JSON).status_code == 200
    # A dropped event (unknown key) keeps what it was sent with in the event log.
    assert client.post("/v1/track", json={"userId": "u", "event": "E", "writeKey": "typo-write-key"},
                       headers=JSON).status_code == 200
    assert client.post("/_sim/flush").status_code == 200


FULL_KEYS = ("acme-api-key", "web-write-key", "typo-write-key")


def test_keys_are_masked_in_every_state_and_log_answer(client: TestClient) -> None:
    _everything_keyed(client)
    for path in ("/_sim/state", "/_sim/accounts", "/_sim/accounts/acme", "/_sim/sources", "/_sim/events",
                 "/_sim/deliveries"):
        text = client.get(path).text
        assert not any(key in text for key in FULL_KEYS), path
    assert client.get("/_sim/accounts/acme").json()["account"]["api_keys"] == ["****-key"]
    events = client.get("/_sim/events").json()["events"]
    [dropped] = [e for e in events if e["status"] == "dropped"]
    assert dropped["message"]["writeKey"] == "****-key" and "'****-key'" in dropped["reason"]
    # The explicit endpoints give one key in full, for tests.
    assert client.get("/_sim/accounts/acme/api-key").json() == {"api_key": "acme-api-key"}
    assert client.get("/_sim/sources/web/write-key").json() == {"write_key": "web-write-key"}
    assert client.get("/_sim/sources/nope/write-key").status_code == 404
    assert client.get("/_sim/accounts/nope/api-key").status_code == 404


def test_show_keys_shows_them_in_full() -> None:
    sim = Simulator(SimulatorConfig(frozen_clock=True, show_keys=True))
    client = TestClient(sim.app)
    _everything_keyed(client)
    assert "acme-api-key" in client.get("/_sim/state").text
    assert "web-write-key" in client.get("/_sim/sources").text
    sim.close()


@pytest.mark.parametrize("path", ["/_sim/accounts/{s}/api-key", "/_sim/sources/{s}/write-key"])
def test_the_key_endpoints_are_guarded_like_the_rest(client: TestClient, path: str) -> None:
    _world(client)
    answer = client.get(path.format(s="acme" if "accounts" in path else "web"), headers={"Host": "evil.example"})
    assert answer.status_code == 403


def test_the_simulated_hosts_the_guard_answers_are_the_ones_interception_serves() -> None:
    assert set(DEFAULT_HOSTS) == {*SIMULATED_HOSTS, *("*" + suffix for suffix in SIMULATED_HOST_SUFFIXES)}


def test_a_bug_is_a_json_500_and_is_not_disguised(sim: Simulator) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError("a bug")

    sim.freshsales.on_segment_enabled(broken)
    client = TestClient(sim.app, raise_server_exceptions=False)
    _world_without_toggle = client.post("/_sim/accounts", json={"subdomain": "acme"})
    assert _world_without_toggle.status_code == 201
    client.post("/_sim/sources", json={"name": "web", "write_key": "web-write-key"})
    answer = client.post("/_sim/accounts/acme/segment/enable", json={"source": "web"})
    assert answer.status_code == 500 and "RuntimeError" in answer.json()["message"]


def test_the_access_log_masks_the_write_key_in_the_settings_path() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/v1/projects/web-write-key/settings?x=1", "1.1", 200), None)
    assert MaskKeysInAccessLog().filter(record)
    assert "web-write-key" not in record.getMessage() and "/v1/projects/****-key/settings?x=1" in record.getMessage()
