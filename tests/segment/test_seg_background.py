"""``fssim serve`` delivers by itself: new messages and due retries go out with no /_sim/flush call."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from seg_world import World

from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

pytestmark = pytest.mark.e2e

KEY = "fs-key-acme"


@pytest.fixture
def serving() -> Iterator[World]:
    sim = Simulator(SimulatorConfig(frozen_clock=True, background_delivery=True))
    with ServerThread(sim.app) as server:
        world = World(server.base_url)
        yield world
        world.close()
    sim.close()


def eventually(check: Callable[[], Any], what: str) -> Any:
    """Poll until ``check()`` is truthy. The bound only stops a broken run; nothing here is timed."""
    for _ in range(600):
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def test_messages_are_delivered_and_retried_without_flush(serving: World) -> None:
    serving.source("web", "web-key")
    serving.account("acme", KEY)
    serving.enable_from_freshsales("acme", "web")
    serving.send("web-key", {"type": "identify", "userId": "ada@example.com", "traits": {"lastName": "L"}})
    eventually(lambda: serving.deliveries(status="delivered"), "the identify is delivered in the background")
    assert serving.one(KEY, "ada@example.com")[0] == "lead"

    serving.ok(serving.http.post("/_sim/accounts/acme/failures", json={"status": 503, "count": 1}))
    serving.send("web-key", {"type": "track", "userId": "ada@example.com", "event": "Later"})
    eventually(lambda: serving.deliveries(type="track", status="awaiting-retry"), "the 503 is recorded")
    serving.advance(3600)  # the retry is now due; the background loop picks it up by itself
    [track] = eventually(lambda: serving.deliveries(type="track", status="delivered"), "the retry succeeds")
    assert [a["status_code"] for a in track["attempts"]] == [503, 200]
