"""The dashboard's lead list with 1,000 and with 100,000 leads in the account, over real HTTP.

Target (issue 11): the list page at 100,000 leads costs at most 1.5x the same page at 1,000. Pages are
slices of a sorted index (``RecordListing``), so a page reads its 25 records and nothing else; the
first, a middle and the last page are timed, newest and oldest first. Records are created through the
service (not HTTP) to keep the set-up short; the pages are fetched from uvicorn on 127.0.0.1, bounded.
"""

from __future__ import annotations

import statistics
import time

import httpx

from benchmarks.report import ratio
from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

__all__ = ["main"]

SIZES = (1_000, 100_000)
REQUESTS = 150  # timed per batch
BATCHES = 5
WARM_UP = 20
TARGET = 1.5


def _paths(size: int) -> list[str]:
    last = -(-size // 25)
    return [f"/ui/accounts/bench/leads?page={page}&order={order}"
            for page in (1, last // 2, last) for order in ("desc", "asc")]


def _world(size: int) -> Simulator:
    sim = Simulator(SimulatorConfig(rate_limits=False, frozen_clock=True))
    sim.freshsales.accounts.create("bench", api_key="bench-key")
    for index in range(size):
        sim.freshsales.records.create("bench", "lead", {"email": f"lead{index}@example.com", "last_name": f"L{index}"})
        if index % 97 == 0:
            sim.clock.advance(1)  # updated times that differ, with ties
    return sim


def _batch(client: httpx.Client, paths: list[str], count: int) -> float:
    """Mean seconds per list page over ``count`` requests."""
    started = time.perf_counter()
    for index in range(count):
        answer = client.get(paths[index % len(paths)])
        if answer.status_code != 200 or "/ui/accounts/bench/leads/" not in answer.text:
            raise AssertionError(f"{paths[index % len(paths)]}: {answer.status_code}")
    return (time.perf_counter() - started) / count


def measure() -> dict[int, float]:
    """Median seconds per page for each size; batches alternate between the sizes, so a load spike on a
    shared machine hits both and the ratio stays honest."""
    sims = {size: _world(size) for size in SIZES}
    timings: dict[int, list[float]] = {size: [] for size in SIZES}
    servers = {size: ServerThread(sim.app).start() for size, sim in sims.items()}
    try:
        clients = {size: httpx.Client(base_url=server.base_url) for size, server in servers.items()}
        for size in SIZES:
            _batch(clients[size], _paths(size), WARM_UP)
        for _ in range(BATCHES):
            for size in SIZES:
                timings[size].append(_batch(clients[size], _paths(size), REQUESTS))
        for client in clients.values():
            client.close()
    finally:
        for size, server in servers.items():
            server.stop()
            sims[size].close()
    return {size: statistics.median(found) for size, found in timings.items()}


def main() -> None:
    results = measure()
    small, large = SIZES
    for size, seconds in results.items():
        print(f"  {size:>7,} leads: list page {seconds * 1e3:7.2f} ms")
    ratio(f"dashboard: lead list page at {large:,} / at {small:,} leads", results[large] / results[small],
          at_most=TARGET)
