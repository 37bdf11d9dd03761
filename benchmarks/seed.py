"""Make a ``--db`` file that already holds N leads, each with its timeline: ``python -m benchmarks.seed
PATH N``.

The leads come through the whole pipeline (``/v1/batch`` of identify messages, then ``/_sim/flush``)
of an in-memory simulator served in this process, which is then written once as a TinyDB JSON
database -- the format ``--db`` opens (and writes on a graceful stop). Seeding through ``--db`` itself
would measure the very cost the benchmark compares. Run it with a revision's ``simulator/`` first on
``PYTHONPATH`` and the file is that revision's own.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

__all__ = ["seed"]

WRITE_KEY = "bench-write-key"
API_KEY = "bench-api-key"
BATCH = 500


def seed(path: Path, leads: int) -> None:
    # Through memory, then one write of the tables (below), where the store still exposes TinyDB's
    # storage; otherwise straight into ``--db`` (a store whose write cost does not grow with the
    # database seeds at about the same speed, and writes a TinyDB JSON snapshot on close).
    probe = Simulator(SimulatorConfig(rate_limits=False))
    through_memory = hasattr(probe.db, "_db")
    probe.close()
    # Written beside and renamed at the end: the cache never holds half a seed.
    temporary = path.with_name(f"{path.stem}.partial.json")
    temporary.unlink(missing_ok=True)
    sim = Simulator(SimulatorConfig(rate_limits=False, background_delivery=True,
                                    db_path=None if through_memory else str(temporary)))
    auth = {"Authorization": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()}
    try:
        with ServerThread(sim.app) as server, httpx.Client(base_url=server.base_url, timeout=600) as http:
            for step, body in (("/_sim/accounts", {"subdomain": "bench", "plan": "forest", "api_key": API_KEY}),
                               ("/_sim/sources", {"name": "bench", "write_key": WRITE_KEY}),
                               ("/_sim/accounts/bench/segment/enable", {"source": "bench"})):
                http.post(step, json=body).raise_for_status()
            for start in range(0, leads, BATCH):
                batch: list[dict[str, Any]] = [
                    {"type": "identify", "userId": f"seed{i}@bench.example", "messageId": f"seed-{i}",
                     "traits": {"firstName": "Seed", "lastName": f"Lead {i}", "title": "Tester"}}
                    for i in range(start, min(leads, start + BATCH))]
                http.post("/v1/batch", json={"batch": batch}, headers=auth).raise_for_status()
                http.post("/_sim/flush").raise_for_status()
            state = http.get("/_sim/state").json()
        counted = state["freshsales"]["accounts"][0]["records"]["leads"]
        if counted != leads:
            raise SystemExit(f"seeding made {counted} leads, not {leads}")
        if through_memory:
            # The one place that reads the store from outside: TinyDB's storage interface (read()) of
            # the in-memory database, whose tables are exactly what a TinyDB JSON file holds.
            tables = sim.db._db.storage.read() or {}
            temporary.write_text(json.dumps(tables), encoding="utf-8")
    finally:
        sim.close()
    temporary.replace(path)


if __name__ == "__main__":
    seed(Path(sys.argv[1]), int(sys.argv[2]))
