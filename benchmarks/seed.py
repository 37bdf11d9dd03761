"""Make a ``--db`` file that already holds N leads, each with its timeline: ``python -m benchmarks.seed
PATH N``.

Only public surfaces: ``fssim serve --db`` in its own process, the control API to set up an account and
a server source, the whole pipeline (``/v1/batch`` of identify messages, then ``/_sim/flush``) to make
the leads, and a graceful stop (SIGTERM), after which the file is the TinyDB JSON snapshot ``--db``
opens. The store's write cost does not grow with the database, so seeding through ``--db`` itself is
about as fast as seeding in memory; the file is written beside ``PATH`` and renamed at the end, so a
cache never holds half a seed.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

import httpx

from benchmarks.servers import WRITE_KEY, Revision, fssim_serve, setup_pipeline_world

__all__ = ["seed"]

BATCH = 500
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()}


def seed(path: Path, leads: int, revision: Revision | None = None) -> None:
    temporary = path.with_name(f"{path.stem}.partial.json")
    for leftover in (temporary, temporary.with_name(temporary.name + ".journal")):
        leftover.unlink(missing_ok=True)
    with fssim_serve(revision or Revision("now"), "--db", str(temporary)) as server, \
            httpx.Client(base_url=server.base_url, timeout=600) as http:
        setup_pipeline_world(http)
        for start in range(0, leads, BATCH):
            batch: list[dict[str, Any]] = [
                {"type": "identify", "userId": f"seed{i}@bench.example", "messageId": f"seed-{i}",
                 "traits": {"firstName": "Seed", "lastName": f"Lead {i}", "title": "Tester"}}
                for i in range(start, min(leads, start + BATCH))]
            http.post("/v1/batch", json={"batch": batch}, headers=AUTH).raise_for_status()
            http.post("/_sim/flush").raise_for_status()
        counted = http.get("/_sim/state").json()["freshsales"]["accounts"][0]["records"]["leads"]
        if counted != leads:
            raise SystemExit(f"seeding made {counted} leads, not {leads}")
    # Leaving the block stopped the server gracefully: the journal is folded into the snapshot.
    temporary.replace(path)


if __name__ == "__main__":
    seed(Path(sys.argv[1]), int(sys.argv[2]))
