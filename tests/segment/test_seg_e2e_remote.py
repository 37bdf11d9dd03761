"""Delivery over real HTTP to a receiver at another base URL: the same code that delivers in process can
target a remote endpoint (here a second fssim on its own port), and real connection errors are retried.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from seg_world import World, segment_delivering_to_freshsales

from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

pytestmark = pytest.mark.e2e

KEY = "remote-key"


def serve(config: SimulatorConfig) -> tuple[Simulator, ServerThread]:
    sim = Simulator(config)
    return sim, ServerThread(sim.app).start()


@pytest.fixture
def segment_to() -> Iterator[tuple[World, World]]:
    """(fssim whose Segment delivers over HTTP to the other one, the other one as Freshsales)."""
    with segment_delivering_to_freshsales() as worlds:
        yield worlds


def test_messages_reach_a_receiver_on_another_base_url(segment_to: tuple[World, World]) -> None:
    segment, freshsales = segment_to
    freshsales.account("remote", KEY)
    freshsales.source("web", "unused")  # the toggle's hand-over needs a source on that side
    freshsales.enable_from_freshsales("remote", "web")
    segment.source("web", "web-key")
    segment.enable_from_segment("web", KEY, "remote")
    segment.send("web-key", {"type": "identify", "userId": "ada@example.com", "traits": {"lastName": "L"}},
                 {"type": "track", "userId": "ada@example.com", "event": "Remote"})
    segment.flush()
    assert [d["status"] for d in segment.deliveries()] == ["delivered", "delivered"]
    entity, lead = freshsales.one(KEY, "ada@example.com")
    events = [a["action_data"]["name"] for a in freshsales.timeline(KEY, entity, lead["id"])
              if a["action_type"] == "event"]
    assert events == ["Remote"]
    assert segment.ok(segment.http.get("/_sim/state"))["segment"]["delivery_base_url"] == freshsales.base_url


def test_a_receiver_that_refuses_connections_is_retried_as_econnrefused() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener now
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    sim, server = serve(SimulatorConfig(frozen_clock=True, delivery_base_url=f"http://127.0.0.1:{dead_port}"))
    world = World(server.base_url)
    try:
        world.source("web", "web-key")
        world.enable_from_segment("web", KEY, "remote")
        world.send("web-key", {"type": "identify", "userId": "ada@example.com"})
        world.flush()
        [delivery] = world.deliveries()
        assert (delivery["status"], delivery["code"]) == ("awaiting-retry", "errors.awaiting-retry.ECONNREFUSED")
        assert delivery["attempts"][0]["status_code"] is None
    finally:
        world.close()
        server.stop()
        sim.close()


def test_a_network_transport_works_from_every_event_loop_that_flushes(segment_to: tuple[World, World]) -> None:
    """Flush from the server's loop (HTTP), then from fresh loops (``asyncio.run``, a TestClient): pooled
    connections belong to one loop, so each loop must get its own."""
    import asyncio

    from starlette.testclient import TestClient

    _, freshsales = segment_to
    freshsales.account("remote", KEY)
    freshsales.source("web", "unused")
    freshsales.enable_from_freshsales("remote", "web")
    local = Simulator(SimulatorConfig(frozen_clock=True, delivery_base_url=freshsales.base_url))
    try:
        local.segment.add_source("web", "web-key")
        local.segment.add_destination("web", "freshsales", KEY, "remote")
        client = TestClient(local.app)
        auth = {"Authorization": "Basic d2ViLWtleTo="}  # base64("web-key:")
        for number in range(4):
            client.post("/v1/identify", json={"userId": f"u{number}@example.com", "traits": {"lastName": "L"}},
                        headers=auth)
            if number % 2:
                asyncio.run(local.segment.flush())
            else:
                assert client.post("/_sim/flush").status_code == 200
        statuses = [d["status"] for d in local.segment.delivery_log({})]
        assert statuses == ["delivered"] * 4
    finally:
        local.close()
