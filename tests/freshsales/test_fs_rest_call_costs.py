"""What one REST call makes on its way to the handler (issue 12: REST server CPU). Counted, not timed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales.rest import records as rest_records
from fssim.freshsales.rest.auth import Call, Gate

HEADERS = {"Authorization": "Token token=acme-key"}


def test_a_call_has_no_instance_dict(sim: Simulator) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    call = Call(sim.freshsales, sim.freshsales.accounts.get("acme"), {}, {}, b"")
    assert not hasattr(call, "__dict__")  # slots: no dict made per call


def test_the_handler_gets_the_path_parameters_the_router_made(sim: Simulator) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    seen: list[dict[str, Any]] = []

    def handler(call: Call) -> tuple[int, Any]:
        seen.append(call.path)
        return 200, True

    params = {"id": 7}
    scope = {"type": "http", "method": "GET", "path": "/api/leads/7", "query_string": b"", "path_params": params,
             "headers": [(b"host", b"127.0.0.1"), (b"authorization", b"Token token=acme-key")]}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(Gate(sim.freshsales, handler)(scope, receive, send))
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"true"
    assert seen[0] is params  # not a copy of them


@pytest.mark.parametrize(("query", "looked"), [("", 0), ("?include=notes", 1)])
def test_a_read_looks_for_side_loads_only_when_asked(sim: Simulator, client: TestClient,
                                                   monkeypatch: pytest.MonkeyPatch, query: str, looked: int) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    made = client.post("/api/leads", json={"lead": {"email": "ada@example.com"}}, headers=HEADERS).json()["lead"]
    calls: list[str] = []
    original = rest_records.side_loads

    def counted(call: Call, entity: str, found: Any) -> dict[str, Any]:
        calls.append(entity)
        return original(call, entity, found)

    monkeypatch.setattr(rest_records, "side_loads", counted)
    read = client.get(f"/api/leads/{made['id']}{query}", headers=HEADERS)
    assert read.status_code == 200
    shown = read.json()["lead"]
    assert shown == made if not query else shown["id"] == made["id"] and "note_ids" in shown
    assert len(calls) == looked


@pytest.mark.parametrize("enabled", [False, True])
def test_limits_off_cost_a_call_no_rate_limiter_call(sim: Simulator, client: TestClient,
                                                     monkeypatch: pytest.MonkeyPatch, enabled: bool) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    limiter = sim.freshsales.rate_limiter
    limiter.enabled = enabled
    checked: list[str] = []
    original = type(limiter).check

    def counted(self: Any, account: Any) -> Any:
        checked.append(account.subdomain)
        return original(self, account)

    monkeypatch.setattr(type(limiter), "check", counted)
    answer = client.post("/api/leads", json={"lead": {"email": "ada@example.com"}}, headers=HEADERS)
    assert answer.status_code == 201
    assert ("x-ratelimit-limit" in answer.headers) is enabled
    assert checked == (["acme"] if enabled else [])


def test_a_path_without_parameters_keeps_the_requests_own_parameters_dict(sim: Simulator) -> None:
    router = sim.freshsales.rest_app()
    own: dict[str, Any] = {}
    scope = {"type": "http", "method": "POST", "path": "/api/leads", "root_path": "/api", "path_params": own,
             "headers": []}
    routed, _ = router.route(scope)
    assert routed["path_params"] is own  # not a copy of it
    scope = {**scope, "method": "GET", "path": "/api/leads/7", "path_params": own}
    routed, _ = router.route(scope)
    assert routed["path_params"] == {"id": 7} and own == {}  # a parameter: a dict of its own
