"""Memory: per stored lead with its timeline, and the RSS of a process that replays generated messages.

Three figures (issue 12, bounded memory):

* **per lead**: bytes Python holds per lead created with its "created" timeline item (tracemalloc over
  a few thousand creates, indexes included), and per lead with one more event on its timeline (what an
  identify then a track leave), against the target of 3 KiB.
* **empty RSS**: a fresh process with one simulator, an account and a source.
* **RSS after replaying N messages**: generated messages (Faker journeys, ``fssim.generator``) through the
  whole pipeline in process (ingest, delivery, rules, store), in a process of its own. The pool of
  generated journeys is replayed with fresh users and messageIds each round, so N can be large without
  Faker's cost; the simulated clock moves ``FSSIM_BENCH_RATE`` messages per simulated second (default 1:
  86,400 messages per 24 h window), which is what the 24 h windows (dedupe, R10, logs) see.

Environment: ``FSSIM_BENCH_MESSAGES`` (default 10,000), ``FSSIM_BENCH_RATE`` (default 1.0),
``FSSIM_BENCH_SECONDS`` (stop the replay after this many real seconds; default: no bound).
Run alone: ``python -m benchmarks.bench_memory`` (or ``--replay N`` for the child process itself).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from benchmarks.report import ratio
from fssim.app import Simulator, SimulatorConfig

__all__ = ["main"]

KIB = 1024
MIB = 1024 * 1024
TARGET_BYTES_PER_LEAD = 3 * KIB
TARGET_RSS = 1024 * MIB
LEADS = 3000
WRITE_KEY = "replay-write-key"
BATCH = 100
POOL_USERS = 400


def _world() -> Simulator:
    sim = Simulator(SimulatorConfig(rate_limits=False, frozen_clock=True))
    sim.segment.add_source("replay", WRITE_KEY, "server")
    sim.freshsales.accounts.create("bench", plan="forest", api_key="bench-api-key")
    sim.freshsales.enable_segment("bench", source="replay", via="freshsales")
    return sim


def per_lead(with_event: bool) -> float:
    """Bytes held per lead (and its timeline) once created; garbage collected before and after."""
    sim = _world()
    records = sim.freshsales.records

    def create(start: int, count: int) -> None:
        for n in range(start, start + count):
            target = records.create_ref("bench", "lead", {"email": f"lead{n}@example.com", "first_name": "Ada",
                                                          "last_name": f"Lovelace {n}", "job_title": "Engineer"})
            if with_event:
                records.add_activity("bench", "lead", target.id, {"action_type": "event", "action_data": {
                    "name": "Trial Started", "properties": {"plan": "pro", "seats": n % 10}}})

    create(0, 300)  # warm: first-use allocations (index tables, caches) are not per-lead costs
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    create(300, LEADS)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / LEADS


def _rss() -> tuple[int, int]:
    """(current, peak) resident set size of this process, from /proc."""
    status = Path("/proc/self/status").read_text()
    current = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    peak = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert current and peak, "no VmRSS/VmHWM in /proc/self/status"
    return int(current.group(1)) * KIB, int(peak.group(1)) * KIB


def _pool() -> str:
    from fssim.generator import generate

    # Screen (and alias, group) never reach Freshsales; they still go through Segment's half.
    return json.dumps(generate(POOL_USERS, seed=12))


def _round(pool: str, number: int) -> list[dict[str, Any]]:
    """The pool as new people: every email, database id and messageId made unique to this round."""
    text = (pool.replace('"messageId": "', f'"messageId": "r{number}-').replace("@", f".r{number}@")
            .replace('"usr_', f'"usr_r{number}_'))
    messages: list[dict[str, Any]] = json.loads(text)
    return messages


async def _replay(sim: Simulator, total: int, rate: float, seconds: float | None) -> int:
    pool = _pool()
    sent = 0
    started = time.monotonic()
    next_report = 100_000
    number = 0
    while sent < total:
        messages = _round(pool, number)
        number += 1
        for start in range(0, len(messages), BATCH):
            batch = messages[start:start + BATCH][: total - sent]
            if not batch:
                break
            sim.segment.ingest("/v1/batch", batch, {}, WRITE_KEY)
            await sim.segment.flush()
            sim.clock.advance(len(batch) / rate)
            sent += len(batch)
            if sent >= next_report:
                next_report += 100_000
                print(f"progress {sent} {_rss()[0]} {time.monotonic() - started:.0f}", flush=True)
            if seconds is not None and time.monotonic() - started > seconds:
                return sent
    return sent


def child(total: int, rate: float, seconds: float | None) -> None:
    """The replaying process: prints ``empty RSS``, then ``after SENT RSS PEAK ELAPSED`` and a summary."""
    sim = _world()
    gc.collect()
    print(f"empty {_rss()[0]}", flush=True)
    started = time.monotonic()
    sent = asyncio.run(_replay(sim, total, rate, seconds))
    elapsed = time.monotonic() - started
    gc.collect()
    current, peak = _rss()
    state = sim.segment.state()
    leads = sim.freshsales.records.count("bench", "lead")
    contacts = sim.freshsales.records.count("bench", "contact")
    print(f"after {sent} {current} {peak} {elapsed:.1f}", flush=True)
    print("summary " + json.dumps({"leads": leads, "contacts": contacts, "events": state["events"],
                                   "dropped": state["dropped"], "open": state["open_deliveries"],
                                   "dedupe_ids": len(sim.segment.dedupe)}), flush=True)


def replay_in_subprocess(total: int, rate: float, seconds: float | None) -> dict[str, Any]:
    args = [sys.executable, "-m", "benchmarks.bench_memory", "--replay", str(total), str(rate),
            str(seconds if seconds is not None else "")]
    result: dict[str, Any] = {}
    with subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1]) as child_:
        assert child_.stdout is not None
        for line in child_.stdout:
            word, *rest = line.split(" ", 1)
            if word == "empty":
                result["empty"] = int(rest[0])
            elif word == "progress":
                sent, rss, elapsed = rest[0].split()
                print(f"  ... {int(sent):>9,} messages: RSS {int(rss) / MIB:7.1f} MiB after {elapsed} s", flush=True)
            elif word == "after":
                sent, rss, peak, elapsed = rest[0].split()
                result.update(sent=int(sent), rss=int(rss), peak=int(peak), elapsed=float(elapsed))
            elif word == "summary":
                result["summary"] = json.loads(rest[0])
    if child_.returncode != 0 or "rss" not in result:
        raise SystemExit(f"the replay process failed (exit {child_.returncode})")
    return result


def main() -> None:
    total = int(os.environ.get("FSSIM_BENCH_MESSAGES", "10000"))
    rate = float(os.environ.get("FSSIM_BENCH_RATE", "1.0"))
    bound = os.environ.get("FSSIM_BENCH_SECONDS")
    seconds = float(bound) if bound else None
    lead = per_lead(with_event=False)
    lead_and_event = per_lead(with_event=True)
    print(f"  per stored lead with its 'created' timeline item: {lead / KIB:5.2f} KiB "
          f"(ratio to the 3 KiB target: {lead / TARGET_BYTES_PER_LEAD:.2f})")
    print(f"  ... with one more event on its timeline:          {lead_and_event / KIB:5.2f} KiB "
          f"(ratio: {lead_and_event / TARGET_BYTES_PER_LEAD:.2f})")
    replay = replay_in_subprocess(total, rate, seconds)
    print(f"  empty process RSS: {replay['empty'] / MIB:7.1f} MiB")
    print(f"  after replaying {replay['sent']:,} generated messages ({rate:g}/simulated s, "
          f"{replay['elapsed']:.0f} s): RSS {replay['rss'] / MIB:7.1f} MiB, peak {replay['peak'] / MIB:7.1f} MiB "
          f"(ratio to 1 GiB: {replay['peak'] / TARGET_RSS:.2f}); "
          f"{(replay['rss'] - replay['empty']) / max(replay['sent'], 1):,.0f} bytes per message")
    print(f"  state after the replay: {json.dumps(replay['summary'])}")
    ratio("memory: per stored lead + its timeline item / 3 KiB", lead / TARGET_BYTES_PER_LEAD, at_most=1)
    # The 1 GiB bound is the for a replay of 1M messages; a smaller replay's ratio is information.
    ratio(f"memory: peak RSS after {replay['sent']:,} messages / 1 GiB", replay["peak"] / TARGET_RSS,
          at_most=1 if replay["sent"] >= 1_000_000 else None)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--replay":
        child(int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 1.0,
              float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else None)
    else:
        main()
