"""The Segment toggle (R1, R2): the control endpoints, the hand-over seam, the history in the state, and
the documented failure end to end over real HTTP (uvicorn on 127.0.0.1)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fs_world import API_KEY, SUBDOMAIN, Delivery
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.segment.workspace import WorkspaceError
from fssim.server import ServerThread


def identify(message_id: str, email: str = "ada@example.com") -> dict[str, Any]:
    return {"type": "identify", "userId": email, "messageId": message_id, "traits": {"lastName": "Lovelace"}}


def test_R2_enabling_hands_the_key_and_subdomain_to_segment(acme: Simulator, client: TestClient) -> None:
    handed: list[dict[str, Any]] = []
    acme.freshsales.on_segment_enabled(lambda **kwargs: handed.append(kwargs))
    assert client.post("/_sim/sources", json={"name": "web", "write_key": "wk-web"}).status_code == 201
    response = client.post(f"/_sim/accounts/{SUBDOMAIN}/segment/enable", json={"source": "web"})
    assert response.status_code == 200
    assert response.json()["segment"]["enabled"] is True
    assert handed == [{"source": "web", "api_key": API_KEY, "subdomain": SUBDOMAIN}]
    assert response.json()["handed_over"] == handed[0]


def test_R2_enable_needs_a_source_that_segment_has(acme: Simulator, client: TestClient) -> None:
    missing = client.post(f"/_sim/accounts/{SUBDOMAIN}/segment/enable", json={})
    assert (missing.status_code, missing.json()["message"]) == (400, "'source' is required")
    unknown = client.post(f"/_sim/accounts/{SUBDOMAIN}/segment/enable", json={"source": "nowhere"})
    assert unknown.status_code == 404
    assert "nowhere" in unknown.json()["message"] and "stays off" in unknown.json()["message"]
    account = acme.freshsales.accounts.require(SUBDOMAIN)
    assert account.segment_enabled is False
    no_account = client.post("/_sim/accounts/globex/segment/enable", json={"source": "web"})
    assert no_account.status_code == 404


def test_R2_a_hand_over_that_breaks_puts_the_toggle_back_and_is_not_disguised(
    acme: Simulator, client: TestClient
) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("a bug in the hand-over")

    acme.freshsales.on_segment_enabled(broken)
    client.post("/_sim/sources", json={"name": "web", "write_key": "wk-web"})
    with pytest.raises(RuntimeError, match="a bug in the hand-over"):
        client.post(f"/_sim/accounts/{SUBDOMAIN}/segment/enable", json={"source": "web"})
    account = acme.freshsales.accounts.require(SUBDOMAIN)
    assert account.segment_enabled is False
    assert account.segment_history[-1]["via"] == "freshsales (hand-over to Segment failed)"


def test_R2_enable_segment_from_python_rolls_back_a_failed_hand_over(acme: Simulator) -> None:
    """The rollback lives in the service: a Python caller gets it too, not only the control endpoint."""
    def broken(**_: Any) -> None:
        raise RuntimeError("a bug in the hand-over")

    acme.segment.add_source("web", "wk-web")  # Segment takes the hand-over; the next callback breaks
    acme.freshsales.on_segment_enabled(broken)
    with pytest.raises(RuntimeError, match="a bug in the hand-over"):
        acme.freshsales.enable_segment(SUBDOMAIN, source="web")
    account = acme.freshsales.accounts.require(SUBDOMAIN)
    assert account.segment_enabled is False
    assert [(h["enabled"], h["source"], h["via"]) for h in account.segment_history] == [
        (True, "web", "freshsales"), (False, "web", "freshsales (hand-over to Segment failed)")]


def test_R2_a_refused_hand_over_leaves_an_enabled_toggle_on(acme: Simulator) -> None:
    acme.segment.add_source("web", "wk-web")
    acme.freshsales.enable_segment(SUBDOMAIN, source="web")
    with pytest.raises(WorkspaceError) as refused:  # Segment has no such source
        acme.freshsales.enable_segment(SUBDOMAIN, source="nowhere")
    assert refused.value.status_code == 404
    account = acme.freshsales.accounts.require(SUBDOMAIN)
    assert account.segment_enabled is True
    assert account.segment_history[-1]["via"] == "freshsales (hand-over to Segment failed)"


def test_R1_toggle_state_and_history_show_in_state_and_on_the_account(acme: Simulator, client: TestClient) -> None:
    client.post("/_sim/sources", json={"name": "web", "write_key": "wk-web"})
    client.post(f"/_sim/accounts/{SUBDOMAIN}/segment/enable", json={"source": "web"})
    client.post("/_sim/clock/advance", json={"seconds": 60})
    off = client.post(f"/_sim/accounts/{SUBDOMAIN}/segment/disable")
    assert off.status_code == 200 and off.json()["segment"]["enabled"] is False
    (state_account,) = client.get("/_sim/state").json()["freshsales"]["accounts"]
    account = client.get(f"/_sim/accounts/{SUBDOMAIN}").json()
    account = account.get("account", account)
    for seen in (state_account["segment"], account["segment"]):
        assert seen["enabled"] is False
        assert [(h["enabled"], h["source"], h["via"]) for h in seen["history"]] == [
            (True, "web", "freshsales"), (False, None, "freshsales")]
        assert seen["history"][0]["at"] < seen["history"][1]["at"]
    assert Delivery(client).send(identify("m1")).status_code == 403


def test_the_documented_failure_end_to_end_over_real_http(sim: Simulator) -> None:
    """Freshsales enabled only from Segment's catalog → 403 discarded; switched on in Freshsales → data lands."""
    with ServerThread(sim.app) as server, httpx.Client(base_url=server.base_url, timeout=10) as http:
        assert http.post("/_sim/accounts", json={"subdomain": SUBDOMAIN, "plan": "garden",
                                                 "api_key": API_KEY}).status_code in (200, 201)
        assert http.post("/_sim/sources", json={"name": "web", "write_key": "wk-web"}).status_code == 201
        catalog = {"type": "freshsales", "api_key": API_KEY, "subdomain": SUBDOMAIN}
        assert http.post("/_sim/sources/web/destinations", json=catalog).status_code in (200, 201)

        def send_and_flush(email: str) -> dict[str, Any]:
            sent = http.post("/v1/identify", json={"writeKey": "wk-web", "userId": email,
                                                   "traits": {"lastName": "Lovelace"}})
            assert sent.status_code == 200
            assert http.post("/_sim/flush").status_code == 200
            (delivery,) = http.get("/_sim/deliveries", params={"user": email}).json()["deliveries"]
            return dict(delivery)

        refused = send_and_flush("ada@example.com")
        assert refused["code"] == "errors.discarded.403", refused
        assert "toggle is off" in str(refused)
        assert lookup_leads(http, "ada@example.com") == []

        assert http.post(f"/_sim/accounts/{SUBDOMAIN}/segment/enable", json={"source": "web"}).status_code == 200
        landed = send_and_flush("grace@example.com")
        assert landed["code"] == "success.200", landed
        assert lookup_leads(http, "grace@example.com") == ["grace@example.com"]


def lookup_leads(http: httpx.Client, email: str) -> list[str]:
    """What any Freshsales client sees: the lookup endpoint (ref §2.5, double-nested)."""
    lookup = http.get("/api/lookup", params={"q": email, "f": "email", "entities": "lead"},
                      headers={"Authorization": f"Token token={API_KEY}"})
    assert lookup.status_code == 200
    return [lead["email"] for lead in lookup.json()["leads"]["leads"]]
