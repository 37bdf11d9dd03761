"""A test's view of a live fssim over real HTTP (control API, Tracking API, Freshsales REST API).

A module with its own name rather than part of conftest.py: test files import it, and ``conftest`` is a
name every test folder uses.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["World", "segment_delivering_to_freshsales"]


class World:
    """A test's view of a live fssim over real HTTP: control API, Tracking API and Freshsales REST API."""

    def __init__(self, base_url: str) -> None:
        import httpx

        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def ok(self, response: Any) -> Any:
        assert response.status_code < 300, f"{response.request.method} {response.request.url}: " \
                                           f"{response.status_code} {response.text}"
        return response.json()

    def source(self, name: str, write_key: str, kind: str = "web") -> None:
        self.ok(self.http.post("/_sim/sources", json={"name": name, "write_key": write_key, "kind": kind}))

    def account(self, subdomain: str, api_key: str, plan: str = "garden") -> None:
        self.ok(self.http.post("/_sim/accounts", json={"subdomain": subdomain, "api_key": api_key, "plan": plan}))

    def enable_from_freshsales(self, subdomain: str, source: str) -> Any:
        return self.ok(self.http.post(f"/_sim/accounts/{subdomain}/segment/enable", json={"source": source}))

    def enable_from_segment(self, source: str, api_key: str, subdomain: str) -> Any:
        return self.ok(self.http.post(f"/_sim/sources/{source}/destinations",
                                      json={"type": "freshsales", "api_key": api_key, "subdomain": subdomain}))

    def send(self, write_key: str, *messages: dict[str, Any], **batch: Any) -> None:
        import base64

        auth = {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}
        answer = self.http.post("/v1/batch", json={"batch": list(messages), **batch}, headers=auth)
        assert answer.json() == {"success": True}, answer.text

    def flush(self) -> Any:
        return self.ok(self.http.post("/_sim/flush"))

    def advance(self, seconds: float) -> None:
        self.ok(self.http.post("/_sim/clock/advance", json={"seconds": seconds}))

    def drain(self, step: float = 900, rounds: int = 100) -> None:
        """Flush, and move simulated time on while deliveries wait for a retry (bounded)."""
        for _ in range(rounds):
            if self.flush()["open"] == 0:
                return
            self.advance(step)
        raise AssertionError("deliveries still waiting after the retry window")

    def deliveries(self, **filters: str) -> list[dict[str, Any]]:
        return list(self.ok(self.http.get("/_sim/deliveries", params=filters))["deliveries"])

    def events(self, **filters: str) -> list[dict[str, Any]]:
        return list(self.ok(self.http.get("/_sim/events", params=filters))["events"])

    # --- Freshsales REST API (what a user of the CRM sees) ---------------------------------------------

    def lookup(self, api_key: str, email: str) -> dict[str, list[dict[str, Any]]]:
        """Leads and contacts with this email, through GET /api/lookup."""
        body = self.ok(self.http.get("/api/lookup", params={"q": email, "f": "email", "entities": "lead,contact"},
                                     headers={"Authorization": f"Token token={api_key}"}))
        return {"leads": body.get("leads", {}).get("leads", []),
                "contacts": body.get("contacts", {}).get("contacts", [])}

    def one(self, api_key: str, email: str) -> tuple[str, dict[str, Any]]:
        """The single lead or contact with this email: ``("lead"|"contact", record)``."""
        found = self.lookup(api_key, email)
        records = [("lead", r) for r in found["leads"]] + [("contact", r) for r in found["contacts"]]
        assert len(records) == 1, f"expected one record for {email}, found {records}"
        return records[0]

    def timeline(self, api_key: str, entity: str, record_id: int) -> list[dict[str, Any]]:
        body = self.ok(self.http.get(f"/api/{entity}s/{record_id}/activities",
                                     headers={"Authorization": f"Token token={api_key}"}))
        return list(body["activities"])

    def close(self) -> None:
        self.http.close()


@contextlib.contextmanager
def segment_delivering_to_freshsales() -> Iterator[tuple[World, World]]:
    """Two fssim servers under uvicorn: ``(segment, freshsales)``, the first delivering over real HTTP to
    the second (``delivery_base_url``), both on frozen clocks; everything is closed on the way out."""
    from fssim.app import Simulator, SimulatorConfig
    from fssim.server import ServerThread

    freshsales_sim = Simulator(SimulatorConfig(frozen_clock=True))
    freshsales_server = ServerThread(freshsales_sim.app).start()
    segment_sim = Simulator(SimulatorConfig(frozen_clock=True, delivery_base_url=freshsales_server.base_url))
    segment_server = ServerThread(segment_sim.app).start()
    worlds = World(segment_server.base_url), World(freshsales_server.base_url)
    try:
        yield worlds
    finally:
        for world in worlds:
            world.close()
        for server, sim in ((segment_server, segment_sim), (freshsales_server, freshsales_sim)):
            server.stop()
            sim.close()
