"""Routing cost of a REST call (issue 12: speed). Starlette tries route regexes one by one; the app
used to try every control, tracking and receiver route before the REST mounts, and the REST router
then tried its ~85 routes twice (once to find a match, once more inside Starlette's ``Router``).
Counted here, not timed: the number of ``Route.matches`` calls per request."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from fssim.app import Simulator

HEADERS = {"Authorization": "Token token=acme-key"}
# A REST call tries only the routes that share its first path segment (``leads``: about ten), never
# the whole table; the bound leaves room for a few more lead endpoints.
MOST_MATCHES_PER_CALL = 16


class _Counted:
    def __init__(self) -> None:
        self.calls = 0


@pytest.fixture
def matches(monkeypatch: pytest.MonkeyPatch) -> _Counted:
    counted = _Counted()
    original = Route.matches

    def counting(self: Route, scope: Any) -> Any:
        counted.calls += 1
        return original(self, scope)

    monkeypatch.setattr(Route, "matches", counting)
    return counted


def test_a_rest_call_tries_few_routes(sim: Simulator, client: TestClient, matches: _Counted) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    rest_routes = len(sim.freshsales.rest_app().routes)
    for prefix in ("/api", "/crm/sales/api"):
        matches.calls = 0
        created = client.post(f"{prefix}/leads", json={"lead": {"email": f"ada{len(prefix)}@example.com"}},
                              headers=HEADERS)
        assert created.status_code == 201, created.text
        assert matches.calls <= MOST_MATCHES_PER_CALL < rest_routes, matches.calls
        matches.calls = 0
        read = client.get(f"{prefix}/leads/{created.json()['lead']['id']}", headers=HEADERS)
        assert read.status_code == 200, read.text
        assert matches.calls <= MOST_MATCHES_PER_CALL, matches.calls


def test_narrowed_routing_still_answers_404_and_405(client: TestClient) -> None:
    unknown = client.get("/api/no_such_thing", headers=HEADERS)
    assert unknown.status_code == 404 and unknown.json()["errors"]["code"] == 404
    wrong_method = client.patch("/api/leads", headers=HEADERS)
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]
