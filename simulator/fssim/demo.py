"""The demo world ``make run`` starts with: one Freshsales account and two Segment sources, connected
the way the seed's enablement steps connect them (toggle switched on from Freshsales, R2).

It goes through the control API, the same surface a test in any language would use, so the demo can
never drift from what users can do themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from fssim.app import Simulator
from fssim.inprocess import InProcessClient

__all__ = ["DemoWorld", "seed_demo"]


@dataclass(frozen=True)
class DemoWorld:
    subdomain: str = "demo"
    api_key: str = "demo-api-key"
    plan: str = "garden"
    product: str = "classic"
    sources: tuple[tuple[str, str, str], ...] = (
        ("web", "demo-web-write-key", "web"),
        ("mobile", "demo-mobile-write-key", "mobile"),
        ("server", "demo-server-write-key", "server"),
    )


def seed_demo(sim: Simulator, world: DemoWorld | None = None) -> DemoWorld:
    world = world or DemoWorld()
    with InProcessClient(sim.app) as client:

        def post(path: str, body: dict[str, object]) -> None:
            response = client.request("POST", path, json=body)
            if response.status_code >= 300:
                raise RuntimeError(f"demo set-up failed at POST {path}: {response.status_code} {response.text}")

        if client.request("GET", f"/_sim/accounts/{world.subdomain}").status_code == 200:
            # A --db file that already holds the demo: keep it as it is (and its data).
            return world
        for name, write_key, kind in world.sources:
            post("/_sim/sources", {"name": name, "write_key": write_key, "kind": kind})
        post(
            "/_sim/accounts",
            {"subdomain": world.subdomain, "plan": world.plan, "api_key": world.api_key, "product": world.product},
        )
        for name, _, _ in world.sources:
            post(f"/_sim/accounts/{world.subdomain}/segment/enable", {"source": name})
    return world


def describe(world: DemoWorld, base_url: str) -> str:
    """What a user needs to point a client at the demo."""
    keys = "\n".join(f"    {name:<8} write key {key}   ({kind} source)" for name, key, kind in world.sources)
    first_key = world.sources[0][1]
    send_keys = " ".join(f"--write-key {name}={key}" for name, key, _ in world.sources)
    return f"""\
fssim is running at {base_url}

Freshsales (fake)  account '{world.subdomain}' · product {world.product} · plan {world.plan} · Segment toggle ON
    REST base URL   {base_url}/api   (also {base_url}/crm/sales/api)
    subdomain       {world.subdomain}
    API key         {world.api_key}   (header  Authorization: Token token={world.api_key})
    try             curl -H 'Authorization: Token token={world.api_key}' {base_url}/api/leads/filters

Segment (fake)     Tracking API at {base_url}/v1/...   (SDK host setting: {base_url})
{keys}
    Python SDK      import segment.analytics as analytics
                    analytics.write_key = '{first_key}'; analytics.host = '{base_url}'
                    analytics.identify('ada@example.com', {{'firstName': 'Ada'}}); analytics.flush()
    replay traffic  fssim generate --users 30 --seed 1 | fssim send - --host {base_url} {send_keys}

Watch what happens
    {base_url}/_sim/events       every message Segment received and what became of it
    {base_url}/_sim/deliveries   every delivery attempt to Freshsales, with Segment's codes
    {base_url}/_sim/state        accounts, toggles, sources and destinations"""
