"""The gate in front of every REST call: API key, Host/subdomain, Sprout, plan limits (R12)."""

from __future__ import annotations

import pytest
from fs_helpers import errors_of, make_account, token
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig

UNAUTHORIZED = {"login": "failed", "message": "Incorrect or expired API key"}


@pytest.mark.parametrize("header", [None, "Token token=wrong", "Bearer acme-key", "acme-key", "Token"])
def test_missing_or_wrong_key_gets_the_real_401(client: TestClient, header: str | None) -> None:
    make_account(client, "acme")
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/leads/filters", headers=headers)
    assert response.status_code == 401 and response.json() == UNAUTHORIZED


def test_quoted_token_and_extra_keys_work(client: TestClient) -> None:
    make_account(client, "acme")
    assert client.get("/api/leads/filters", headers={"Authorization": 'Token token="acme-key"'}).status_code == 200
    client.post("/_sim/accounts/acme/api_keys", json={"api_key": "second-key"})
    assert client.get("/api/leads/filters", headers=token("second-key")).status_code == 200


@pytest.mark.parametrize(("host", "status"), [
    ("acme.freshsales.io", 200), ("acme.myfreshworks.com", 200), ("ACME.freshsales.io:443", 200),
    ("127.0.0.1:8000", 200), ("localhost", 200), ("globex.freshsales.io", 401), ("globex.myfreshworks.com", 401),
])
def test_host_subdomain_must_match_the_keys_account(client: TestClient, host: str, status: int) -> None:
    acme = make_account(client, "acme")
    make_account(client, "globex")
    response = client.get("/api/leads/filters", headers={**acme, "Host": host})
    assert response.status_code == status
    if status == 401:
        assert response.json() == UNAUTHORIZED


def test_sprout_has_no_rest_access_but_a_clear_403(client: TestClient) -> None:
    sprout = make_account(client, "tiny", plan="sprout")
    response = client.get("/api/leads/filters", headers=sprout)
    assert response.status_code == 403
    assert "Sprout plan has no REST API access" in errors_of(response)[0]
    client.post("/_sim/accounts/tiny/plan", json={"plan": "blossom"})
    assert client.get("/api/leads/filters", headers=sprout).status_code == 200


def test_minute_limit_then_retry_after_on_the_simulated_clock(client: TestClient, sim: Simulator) -> None:
    acme = make_account(client, "acme")
    sim.clock.advance(60 - sim.clock.timestamp() % 60)  # start of a minute, so the window is whole
    for _ in range(400):
        response = client.get("/api/leads/filters", headers=acme)
        assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "1000"
    assert response.headers["X-RateLimit-Remaining"] == "600"
    refused = client.get("/api/leads/filters", headers=acme)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    message = errors_of(refused)[0]
    assert "400 per minute" in message
    assert "POST /_sim/accounts/acme/rate_limits" in message and "--no-rate-limits" in message
    other = make_account(client, "globex")  # limits are per account
    assert client.get("/api/leads/filters", headers=other).status_code == 200
    sim.clock.advance(60)
    assert client.get("/api/leads/filters", headers=acme).status_code == 200


def test_hourly_limit_per_plan(client: TestClient, sim: Simulator) -> None:
    acme = make_account(client, "acme", plan="blossom")
    sim.clock.advance(3600 - sim.clock.timestamp() % 3600)
    statuses = []
    for minute in range(3):
        statuses += [client.get("/api/leads/filters", headers=acme).status_code for _ in range(350)]
        sim.clock.advance(60 if minute < 2 else 0)
    assert statuses.count(200) == 1000 and statuses[-1] == 429
    refused = client.get("/api/leads/filters", headers=acme)
    assert "1000 per hour" in errors_of(refused)[0]
    assert int(refused.headers["Retry-After"]) == 3600 - 120
    sim.clock.advance(3600)
    assert client.get("/api/leads/filters", headers=acme).status_code == 200


def test_per_account_switch_turns_limits_off(client: TestClient, sim: Simulator) -> None:
    acme = make_account(client, "acme")
    switched = client.post("/_sim/accounts/acme/rate_limits", json={"enabled": False})
    assert switched.json()["account"]["rate_limits"] is False
    assert all(client.get("/api/leads/filters", headers=acme).status_code == 200 for _ in range(450))
    assert "X-RateLimit-Limit" not in client.get("/api/leads/filters", headers=acme).headers


def test_simulator_wide_switch_turns_limits_off() -> None:
    sim = Simulator(SimulatorConfig(frozen_clock=True, rate_limits=False))  # what --no-rate-limits sets
    client = TestClient(sim.app)
    acme = make_account(client, "acme")
    assert all(client.get("/api/leads/filters", headers=acme).status_code == 200 for _ in range(450))
    assert sim.state()["freshsales"]["rate_limits"] is False
