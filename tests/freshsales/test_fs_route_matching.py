"""Routing cost of a REST call (issue 12: speed). Starlette tries route regexes one by one; the app
used to try every control, tracking and receiver route before the REST mounts, and the REST router
then tried its ~85 routes twice (once to find a match, once more inside Starlette's ``Router``).
Counted here, not timed: the number of ``Route.matches`` calls per request."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from starlette.convertors import IntegerConvertor
from starlette.routing import Route, Router
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales.rest.routing import RestRouter

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


def test_a_rest_call_converts_its_id_without_a_converter_call(
        sim: Simulator, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """``{id:int}``'s converter is ``int(value)``: the router calls ``int`` itself (a method call fewer)."""
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    created = client.post("/api/leads", json={"lead": {"email": "ada@example.com"}}, headers=HEADERS)
    converted: list[str] = []
    original = IntegerConvertor.convert

    def counting(self: IntegerConvertor, value: str) -> int:
        converted.append(value)
        return original(self, value)

    monkeypatch.setattr(IntegerConvertor, "convert", counting)
    read = client.get(f"/api/leads/{created.json()['lead']['id']}", headers=HEADERS)
    assert read.status_code == 200 and read.json() == created.json()
    assert converted == []


def test_narrowed_routing_still_answers_404_and_405(client: TestClient) -> None:
    unknown = client.get("/api/no_such_thing", headers=HEADERS)
    assert unknown.status_code == 404 and unknown.json()["errors"]["code"] == 404
    wrong_method = client.patch("/api/leads", headers=HEADERS)
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]


_segments = st.sampled_from(["leads", "contacts", "view", "filters", "5", "12", "x", "convert", "upsert",
                             "sales_accounts", "deals", "tasks", "search", "lookup", "selector", "", "a/b",
                             "filters\n", "12\n", "007", "4.5"])


@given(parts=st.lists(_segments, min_size=1, max_size=5),
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]))
def test_the_narrowed_router_picks_what_starlettes_router_picks(parts: list[str], method: str) -> None:
    """Over the REST table, for any path of its words: the same route with the same path parameters (the
    same values, types and order), or the same 404/405 status, as
    Starlette's own ``Router`` trying every route in order (paths end without a slash, which the REST
    router strips and Starlette would redirect)."""
    sim = Simulator()
    reached: list[str] = []

    class Recorder:  # an ASGI app (a class instance), as the REST gates are
        def __init__(self, name: str) -> None:
            self.name = name

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            reached.append(f"{self.name} {list(scope.get('path_params', {}).items())}")
            await send({"type": "http.response.start", "status": 299, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    table = [Route(route.path, Recorder(route.name), methods=route.methods, name=route.name)
             for route in sim.freshsales.rest_app().routes if isinstance(route, Route)]
    path = "/" + "/".join(parts)
    assume(not path.endswith("/"))  # the REST router serves it as the path without it; Starlette would not
    answers = []
    statuses: list[int] = []

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    for router in (RestRouter(table), Router(routes=table, redirect_slashes=False)):
        reached.clear()
        statuses.clear()
        scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": [],
                 "query_string": b""}
        asyncio.run(router(scope, receive, send))
        answers.append((list(reached), list(statuses)))
    assert answers[0] == answers[1], path
