"""Store cost as data grows: a create, a lookup by email and a read by id with 1,000 and with 100,000
stored leads.

Target (issue 2): the two sizes at most 1.3x apart. Lookups go through the (account, email) index, reads
by id are TinyDB's own dict access, and creates touch only their own documents (``InPlaceTable``), so
none of them should grow with the data.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from benchmarks.report import ratio
from fssim.clock import Clock
from fssim.freshsales.service import Freshsales
from fssim.store import Database

__all__ = ["main"]

SIZES = (1_000, 100_000)
OPERATIONS = 2_000  # timed per batch
BATCHES = 5
TARGET = 1.3


def _fill(fs: Freshsales, start: int, stop: int) -> None:
    for index in range(start, stop):
        fs.records.create("bench", "lead", {"email": f"lead{index}@example.com", "last_name": f"L{index}"})


def _per_operation(run: Callable[[int], None]) -> float:
    """Median over batches of the mean seconds per operation (the median shrugs off one noisy batch)."""
    timings = []
    for batch in range(BATCHES):
        started = time.perf_counter()
        run(batch)
        timings.append((time.perf_counter() - started) / OPERATIONS)
    return statistics.median(timings)


def measure(size: int) -> tuple[float, float, float]:
    fs = Freshsales(Database(), Clock(frozen=True), rate_limits=False)
    fs.accounts.create("bench", api_key="bench-key")
    _fill(fs, 0, size)
    picker = random.Random(size)
    emails = [f"LEAD{picker.randrange(size)}@example.com " for _ in range(OPERATIONS)]
    found = (fs.records.find_by_email("bench", email) for email in emails[:100])
    stored_ids = sorted(hit.id for hit in found if hit is not None)
    ids = [stored_ids[index % len(stored_ids)] for index in range(OPERATIONS)]
    counter = iter(range(size, size + OPERATIONS * BATCHES))

    def creates(_: int) -> None:
        for _ in range(OPERATIONS):
            fs.records.create("bench", "lead", {"email": f"new{next(counter)}@example.com", "last_name": "N"})

    def lookups(_: int) -> None:
        for email in emails:
            if fs.records.find_by_email("bench", email) is None:
                raise AssertionError(f"{email} should be found")

    def reads(_: int) -> None:
        for record_id in ids:
            fs.records.get("bench", "lead", record_id)

    return _per_operation(creates), _per_operation(lookups), _per_operation(reads)


def main() -> None:
    results = {size: measure(size) for size in SIZES}
    small, large = SIZES
    for size, (create, lookup, read) in results.items():
        print(f"  {size:>7,} leads: create {create * 1e6:8.1f} us   lookup by email {lookup * 1e6:8.1f} us   "
              f"read by id {read * 1e6:8.1f} us")
    create_ratio, lookup_ratio, read_ratio = (results[large][i] / results[small][i] for i in range(3))
    for name, value in (("create", create_ratio), ("lookup by email", lookup_ratio), ("read by id", read_ratio)):
        ratio(f"store: {name} at {large:,} / at {small:,} leads", value, at_most=TARGET)


if __name__ == "__main__":
    main()
