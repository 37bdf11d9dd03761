"""REST handlers run in the event loop: their work is in memory, so a hop to a worker thread per request
(issue 12, point 5) bought nothing but its cost. Shown by making any hop to a thread fail."""

from __future__ import annotations

from typing import Any, NoReturn

import anyio.to_thread
import httpx
import pytest
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.server import ServerThread

HEADERS = {"Authorization": "Token token=acme-key"}


def _no_thread(*args: Any, **kwargs: Any) -> NoReturn:
    raise AssertionError("a REST request hopped to a worker thread")


def _create_and_read(base: Any) -> None:
    created = base.post("/api/leads", json={"lead": {"email": "ada@example.com", "first_name": "Ada"}},
                        headers=HEADERS)
    assert created.status_code == 201, created.text
    lead_id = created.json()["lead"]["id"]
    read = base.get(f"/crm/sales/api/leads/{lead_id}", headers=HEADERS)
    assert read.status_code == 200 and read.json()["lead"]["first_name"] == "Ada"
    assert base.get("/api/leads/filters", headers=HEADERS).status_code == 200
    assert base.get("/api/leads/999999", headers=HEADERS).status_code == 404  # errors too


def test_rest_requests_never_hop_to_a_thread(sim: Simulator, client: TestClient,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    monkeypatch.setattr(anyio.to_thread, "run_sync", _no_thread)
    _create_and_read(client)


def test_over_a_socket_neither(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    with ServerThread(sim.app) as server, httpx.Client(base_url=server.base_url) as http:
        monkeypatch.setattr(anyio.to_thread, "run_sync", _no_thread)
        _create_and_read(http)
