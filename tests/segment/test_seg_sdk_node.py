"""The official Segment Node SDK (@segment/analytics-node), unchanged, with only ``host`` pointed at fssim.

The SDK lives in tests/segment/node (package.json and lockfile committed); the test installs it with
``npm ci`` when node_modules is missing and is skipped, with the reason, only when node or npm is absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from seg_world import World

pytestmark = pytest.mark.e2e

NODE_DIR = Path(__file__).parent / "node"
SDK = NODE_DIR / "node_modules" / "@segment" / "analytics-node" / "package.json"
KEY = "fs-key-acme"


def _install() -> None:
    if SDK.exists():
        return
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.skip("node and npm are needed to run the Segment Node SDK (install Node.js >= 20)")
    # npm ci installs exactly the committed lockfile; two xdist workers may race, so retry once.
    for _ in range(2):
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, capture_output=True,
                              text=True, timeout=300)
        if SDK.exists():
            return
    pytest.fail(f"npm ci failed in {NODE_DIR}:\n{done.stdout}\n{done.stderr}")


def test_node_sdk_messages_become_a_lead_with_its_timeline(world: World) -> None:
    _install()
    world.source("node", "node-write-key", "server")
    world.account("acme", KEY)
    world.enable_from_freshsales("acme", "node")
    run = subprocess.run(
        [shutil.which("node") or "node", "send.mjs"], cwd=NODE_DIR, capture_output=True, text=True, timeout=60,
        env={**os.environ, "FSSIM_HOST": world.base_url, "FSSIM_WRITE_KEY": "node-write-key",
             "FSSIM_EMAIL": "grace@example.com"},
    )
    assert run.returncode == 0, f"node SDK run failed:\n{run.stdout}\n{run.stderr}"

    world.flush()
    entity, lead = world.one(KEY, "grace@example.com")
    assert (entity, lead["first_name"], lead["last_name"], lead["job_title"]) == ("lead", "Grace", "Hopper", "Admiral")
    items = [(a["action_type"], a["action_data"]["name"]) for a in world.timeline(KEY, "lead", lead["id"])
             if a["action_type"] in ("page_view", "event")]
    assert items == [("page_view", "Pricing"), ("event", "Trial Started")]
    library = world.events(type="identify")[0]["message"]["context"]["library"]
    assert library["name"] == "@segment/analytics-node"
    assert [(d["type"], d["status"]) for d in world.deliveries(status="filtered")] == [("screen", "filtered")]
