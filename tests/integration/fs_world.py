"""Test helpers for the integration rules: a world with one Freshsales account, and a Segment-like sender.

Kept out of conftest.py (which every test directory has) so tests can import them by a unique name.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig
from fssim.freshsales.crm_adapter import FreshsalesCRM, ProcessedMessages
from fssim.integration import Outcome, apply

SUBDOMAIN = "acme"
API_KEY = "acme-key-0001"
CUSTOM_FIELDS = (("cf_plan", "text"), ("cf_score", "number"), ("cf_vip", "checkbox"))


@dataclass
class World:
    """One simulator with one Freshsales account whose Segment toggle is on."""

    sim: Simulator
    processed: ProcessedMessages
    subdomain: str = SUBDOMAIN

    def apply(self, message: Any) -> Outcome:
        """The rules on one message, in one transaction, exactly as the receiver runs them: the adapter
        is bound to the account as read inside that transaction."""
        with self.sim.db.transaction():
            crm = FreshsalesCRM(self.sim.freshsales, self.sim.freshsales.accounts.require(self.subdomain),
                                self.processed)
            return apply(message, crm, received_at=self.sim.clock.now())

    def records(self) -> list[tuple[str, dict[str, Any]]]:
        fs = self.sim.freshsales
        return [(entity, record) for entity in ("lead", "contact") for record in fs.records.all(self.subdomain, entity)]

    def timeline(self, entity: str, record_id: int) -> list[dict[str, Any]]:
        return self.sim.freshsales.timeline.activities(self.subdomain, entity, record_id)

    def snapshot(self) -> dict[str, Any]:
        return snapshot(self.sim, self.subdomain)

    def create(self, entity: str, **fields: Any) -> dict[str, Any]:
        """A record made the way a salesperson would (REST/store), not through Segment."""
        return self.sim.freshsales.records.create(self.subdomain, entity, fields)


def snapshot(sim: Simulator, subdomain: str) -> dict[str, Any]:
    """Everything a Freshsales user could see of an account: every record and every timeline item."""
    fs = sim.freshsales
    return {
        f"{entity}:{record['id']}": {
            "record": record,
            "timeline": fs.timeline.activities(subdomain, entity, record["id"]),
        }
        for entity in ("lead", "contact")
        for record in fs.records.all(subdomain, entity)
    }


def build_world(product: str = "classic") -> World:
    sim = Simulator(SimulatorConfig(frozen_clock=True))
    fs = sim.freshsales
    fs.accounts.create(SUBDOMAIN, plan="garden", api_key=API_KEY, product=product)
    for entity in ("lead", "contact"):
        for name, type_ in CUSTOM_FIELDS:
            fs.accounts.define_custom_field(SUBDOMAIN, entity, name, type_)
    # Directly on the account: these tests are about the rules, not about the hand-over to Segment.
    fs.accounts.set_segment_toggle(SUBDOMAIN, True, source="web", via="test")
    return World(sim=sim, processed=ProcessedMessages(sim.db))


def basic_auth(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def settings_header(settings: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(settings).encode()).decode()


@dataclass
class Delivery:
    """Sends messages to the receiver over HTTP the way Segment's partner delivery does (§2.7)."""

    http: TestClient | httpx.Client
    api_key: str = API_KEY
    subdomain: str = SUBDOMAIN

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": basic_auth(self.api_key),
            "X-Segment-Settings": settings_header({"apiKey": self.api_key, "apiSecret": self.subdomain}),
            "User-Agent": "Segment.io/1.0",
        }

    def send(self, message: Any, **headers: str) -> httpx.Response:
        return self.http.post("/integrations/segment", json=message, headers={**self.headers(), **headers})
