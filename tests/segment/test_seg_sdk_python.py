"""The official Python SDK (segment-analytics-python), unchanged, with only ``host`` pointed at fssim:
background mode and sync_mode, gzip on and off. Results are read through the Freshsales REST API.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from seg_world import World
from segment.analytics.client import Client

pytestmark = pytest.mark.e2e

KEY = "fs-key-acme"


@pytest.fixture
def connected(world: World) -> World:
    world.source("backend", "py-write-key", "server")
    world.account("acme", KEY)
    world.enable_from_freshsales("acme", "backend")
    return world


@pytest.mark.parametrize("sync_mode", [False, True], ids=["background", "sync_mode"])
@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_python_sdk_messages_become_leads_contacts_and_timeline_entries(connected: World, sync_mode: bool,
                                                                         gzip: bool) -> None:
    errors: list[Any] = []
    client = Client("py-write-key", host=connected.base_url, sync_mode=sync_mode, gzip=gzip,
                    on_error=lambda error, batch: errors.append(error), upload_interval=0.05)
    client.identify("ada@example.com", {"firstName": "Ada", "lastName": "Lovelace", "title": "Countess"})
    client.identify("grace@example.com", {"lastName": "Hopper", "fs_contact": True})
    # Explicit call times a minute apart: the simulated clock is frozen, so the skew-corrected timestamps
    # (receivedAt - (sentAt - timestamp)) keep the calls' order only if their own times differ clearly.
    now = datetime.now(UTC)
    client.page("ada@example.com", name="Pricing", properties={"url": "https://example.com/pricing"},
                timestamp=now - timedelta(minutes=2))
    client.track("ada@example.com", "Trial Started", {"plan": "pro"}, timestamp=now - timedelta(minutes=1))
    client.track("grace@example.com", "Invoice Paid", {"amount": 99})
    client.screen("ada@example.com", name="Home")  # not for Freshsales (R9): filtered by Segment
    if not sync_mode:
        # shutdown() = flush the queue, then stop the consumer thread (sync_mode has no consumer).
        client.shutdown()
    assert errors == []

    connected.flush()
    entity, ada = connected.one(KEY, "ada@example.com")
    assert (entity, ada["first_name"], ada["job_title"]) == ("lead", "Ada", "Countess")
    ada_items = [(a["action_type"], a["action_data"]["name"]) for a in connected.timeline(KEY, "lead", ada["id"])
                 if a["action_type"] in ("page_view", "event")]
    assert ada_items == [("page_view", "Pricing"), ("event", "Trial Started")]
    entity, grace = connected.one(KEY, "grace@example.com")
    assert entity == "contact"
    grace_events = [a["action_data"]["name"] for a in connected.timeline(KEY, "contact", grace["id"])
                    if a["action_type"] == "event"]
    assert grace_events == ["Invoice Paid"]
    statuses = sorted((d["type"], d["status"]) for d in connected.deliveries())
    assert statuses == sorted([("identify", "delivered")] * 2 + [("page", "delivered")] +
                              [("track", "delivered")] * 2 + [("screen", "filtered")])
    library = connected.events()[0]["message"]["context"]["library"]
    assert library["name"] == "analytics-python"


def test_python_sdk_timestamps_are_kept_and_skew_corrected(connected: World) -> None:
    client = Client("py-write-key", host=connected.base_url, sync_mode=True)
    client.track("ada@example.com", "Clicked")
    [event] = connected.events()
    message = event["message"]
    assert message["originalTimestamp"]  # the SDK's own timestamp is kept
    assert message["sentAt"] and message["receivedAt"] and message["timestamp"]


def test_python_sdk_in_sync_mode_sees_strict_modes_401() -> None:
    """With --strict an unknown write key is refused; sync_mode raises it to the caller (no retries)."""
    from segment.analytics.request import APIError

    from fssim.app import Simulator, SimulatorConfig
    from fssim.server import ServerThread

    strict = Simulator(SimulatorConfig(strict=True, frozen_clock=True))
    try:
        with ServerThread(strict.app) as server:
            client = Client("nobody", host=server.base_url, sync_mode=True)
            with pytest.raises(APIError) as caught:
                client.identify("ada@example.com", {"lastName": "L"})
            assert caught.value.status == 401
            assert "Unknown write key" in caught.value.message
    finally:
        strict.close()
