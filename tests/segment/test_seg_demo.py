"""The ``make run`` demo (issue 4): a Freshsales account with the toggle on, web, mobile and server sources,
and a banner with the write keys, the SDK settings and where to watch. Driven as a user would: the banner's
keys with the official Python SDK, the result read through the Freshsales REST API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from seg_world import World
from segment.analytics.client import Client

from fssim.app import Simulator, SimulatorConfig
from fssim.demo import DemoWorld, describe, seed_demo
from fssim.server import ServerThread

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo() -> Iterator[tuple[World, str]]:
    sim = Simulator(SimulatorConfig(frozen_clock=True))
    with ServerThread(sim.app) as server:
        banner = describe(seed_demo(sim), server.base_url)
        world = World(server.base_url)
        yield world, banner
        world.close()
    sim.close()


def test_the_banner_names_the_keys_the_sdk_host_and_where_to_watch(demo: tuple[World, str]) -> None:
    world, banner = demo
    for name, write_key, _ in DemoWorld().sources:
        assert re.search(rf"{name}\s+write key {write_key}", banner)
    assert f"analytics.host = '{world.base_url}'" in banner
    assert "Token token=demo-api-key" in banner
    for path in ("/_sim/events", "/_sim/deliveries", "/_sim/state"):
        assert world.base_url + path in banner
    account = world.ok(world.http.get("/_sim/accounts/demo"))["account"]
    assert account["segment"]["enabled"] is True
    sources = world.ok(world.http.get("/_sim/sources"))["sources"]
    assert {(s["name"], s["kind"]) for s in sources} >= {("web", "web"), ("server", "server")}
    assert all([d["created_by"] for d in s["destinations"]] == ["freshsales"] for s in sources)


def test_the_banners_keys_take_sdk_calls_to_freshsales(demo: tuple[World, str]) -> None:
    world, _ = demo
    for write_key, email in (("demo-web-write-key", "web@example.com"), ("demo-server-write-key", "srv@example.com")):
        client = Client(write_key, host=world.base_url, sync_mode=True)
        client.identify(email, {"firstName": "Demo"})
        client.track(email, "Trial Started")
    world.flush()
    for email in ("web@example.com", "srv@example.com"):
        entity, lead = world.one("demo-api-key", email)
        assert (entity, lead["first_name"]) == ("lead", "Demo")
        names = [a["action_data"]["name"] for a in world.timeline("demo-api-key", entity, lead["id"])
                 if a["action_type"] == "event"]
        assert names == ["Trial Started"]
