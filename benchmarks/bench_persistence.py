"""``--db FILE`` against memory, as the database grows: one pipeline message and one REST create at
1,000, 10,000 and 50,000 stored leads, each as a ratio to the same operation in memory in the same run.

Issue 12 measured, before the journal: a pipeline message 112 ms at 1k leads and 968 ms at 10k (0.6 ms
in memory); a REST create 57 / 485 / 2,260 ms at 1k / 10k / 50k. Target: a ``--db`` pipeline message at
50k leads at most 2x its in-memory cost.

Everything runs in process (``httpx.ASGITransport``), so the figures are the store's and not the
network's. Times are this process's CPU time (``time.process_time``: every thread, system time of the
journal's writes included), because wall-clock time on a machine shared with other work measures the
other work; the journal does not ``fsync`` per line, so no time is spent waiting on the disk. Rounds
interleave memory and file, alternating which goes first, and the median is kept. The journal's background
compaction is rare at these counts (the journal must outgrow the snapshot first), so its cost is shown
apart, amortized over the bytes a message appends: one snapshot write per snapshot-size of journal.
The seeded worlds are frozen out of the garbage collector (``gc.freeze``) for both stores alike, so a
full collection of 50k seeded leads does not land at random in one store's rounds.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from fssim.app import Simulator, SimulatorConfig
from fssim.storage import write_snapshot

__all__ = ["main"]

SIZES = (1_000, 10_000, 50_000)
MESSAGES = 100  # per round: half identify (a new lead), half track
CREATES = 100  # per round
ROUNDS = 5
TARGET = 2.0
WRITE_KEY = "bench-write-key"
API_KEY = "bench-api-key"
TRACKING = {"Authorization": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()}
REST = {"Authorization": f"Token token={API_KEY}"}


def _world(size: int, db_path: Path | None) -> Simulator:
    sim = Simulator(SimulatorConfig(rate_limits=False, db_path=None if db_path is None else str(db_path)))
    sim.segment.add_source("bench", WRITE_KEY, "server")
    sim.freshsales.accounts.create("bench", plan="forest", api_key=API_KEY)
    sim.freshsales.enable_segment("bench", source="bench", via="freshsales")
    with sim.db.transaction():
        for n in range(size):
            sim.freshsales.records.create("bench", "lead", {"email": f"seed{n}@bench.example", "last_name": "S"})
    return sim


def _batch(tag: str) -> bytes:
    batch: list[dict[str, Any]] = []
    for i in range(MESSAGES // 2):
        email = f"{tag}-{i}@bench.example"
        batch.append({"type": "identify", "userId": email, "messageId": f"{tag}-{i}-id",
                      "traits": {"firstName": "Bench", "lastName": f"User {i}", "title": "Tester"}})
        batch.append({"type": "track", "userId": email, "event": "Trial Started", "messageId": f"{tag}-{i}-tr",
                      "properties": {"plan": "pro", "seats": i}})
    return json.dumps({"batch": batch}).encode()


async def _per_message(client: httpx.AsyncClient, tag: str) -> float:
    body = _batch(tag)
    started = time.process_time()
    (await client.post("/v1/batch", content=body, headers=TRACKING)).raise_for_status()
    (await client.post("/_sim/flush")).raise_for_status()
    return (time.process_time() - started) / MESSAGES


async def _per_create(client: httpx.AsyncClient, tag: str) -> float:
    started = time.process_time()
    for i in range(CREATES):
        answer = await client.post("/api/leads", headers=REST, json={"lead": {"email": f"{tag}-c{i}@bench.example"}})
        if answer.status_code != 201:
            raise SystemExit(f"REST create answered {answer.status_code}: {answer.text}")
    return (time.process_time() - started) / CREATES


async def _measure(sim: Simulator, tag: str) -> tuple[float, float]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        return await _per_message(client, tag), await _per_create(client, tag)


def _compaction_share(sim: Simulator, appended_per_message: float) -> tuple[int, float]:
    """The snapshot's size and one snapshot write's seconds spread over the messages that fill a journal
    as large as the snapshot (when a background compaction starts)."""
    with sim.db.lock:
        data = sim.db._db.storage.read()
        copy = {name: dict(documents) for name, documents in data.items()}
    with tempfile.TemporaryDirectory() as folder:
        started = time.process_time()
        size = write_snapshot(Path(folder) / "probe.json", copy)
        seconds = time.process_time() - started
    journal = sim.db.journal
    bound = max(size, journal._compact_at_least if journal is not None else size)
    return size, seconds * appended_per_message / bound


def main() -> None:
    print(f"in process; per round {MESSAGES} pipeline messages and {CREATES} REST creates; "
          f"median of {ROUNDS} interleaved rounds")
    worst = 0.0
    for size in SIZES:
        with tempfile.TemporaryDirectory() as folder:
            memory = _world(size, None)
            persisted = _world(size, Path(folder) / "fssim.json")
            journal = persisted.db.journal
            assert journal is not None
            journal.wait_for_compaction()  # the seeding's own, which is not a write being measured
            # The seeded worlds stay out of the collector's way, as they would for either store alike.
            gc.collect()
            gc.freeze()
            timings: dict[str, list[tuple[float, float]]] = {"memory": [], "db": []}
            appended_before = journal.stats.bytes_appended
            for round_number in range(ROUNDS):
                order = [("memory", memory), ("db", persisted)]
                for name, sim in order if round_number % 2 else reversed(order):
                    timings[name].append(asyncio.run(_measure(sim, f"r{round_number}")))
            appended = (journal.stats.bytes_appended - appended_before) / (ROUNDS * (MESSAGES + CREATES))
            snapshot_bytes, compaction = _compaction_share(persisted, appended)
            message = {name: statistics.median(t[0] for t in rounds) for name, rounds in timings.items()}
            create = {name: statistics.median(t[1] for t in rounds) for name, rounds in timings.items()}
            message_ratio = message["db"] / message["memory"]
            with_compaction = (message["db"] + compaction) / message["memory"]
            worst = max(worst, with_compaction) if size == SIZES[-1] else worst
            print(f"  {size:>6,} leads: pipeline message memory {message['memory'] * 1e3:6.2f} ms, "
                  f"--db {message['db'] * 1e3:6.2f} ms (ratio {message_ratio:.2f}x, "
                  f"{with_compaction:.2f}x with compaction amortized)")
            print(f"  {'':>13} REST create      memory {create['memory'] * 1e3:6.2f} ms, "
                  f"--db {create['db'] * 1e3:6.2f} ms (ratio {create['db'] / create['memory']:.2f}x)")
            print(f"  {'':>13} journal {appended:,.0f} bytes per write; snapshot {snapshot_bytes / 1e6:.1f} MB, "
                  f"its write amortized {compaction * 1e3:.3f} ms per write")
            memory.close()
            persisted.close()
            gc.unfreeze()
    verdict = "within" if worst <= TARGET else "OVER"
    print(f"  --db pipeline message at {SIZES[-1]:,} leads: {worst:.2f}x in memory, compaction included "
          f"(target <= {TARGET}x: {verdict})")


if __name__ == "__main__":
    main()
