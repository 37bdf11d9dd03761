"""Store cost as data grows: a create and a lookup by email with 1,000 and with 100,000 stored leads.

Target (issue 2): the two sizes at most 1.3x apart. Lookups go through the (account, email) index and
creates touch only their own documents (``InPlaceTable``), so neither should grow with the data.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from simulator.clock import Clock
from simulator.freshsales.service import Freshsales
from simulator.store import Database

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


def measure(size: int) -> tuple[float, float]:
    fs = Freshsales(Database(), Clock(frozen=True), rate_limits=False)
    fs.accounts.create("bench", api_key="bench-key")
    _fill(fs, 0, size)
    picker = random.Random(size)
    emails = [f"LEAD{picker.randrange(size)}@example.com " for _ in range(OPERATIONS)]
    counter = iter(range(size, size + OPERATIONS * BATCHES))

    def creates(_: int) -> None:
        for _ in range(OPERATIONS):
            fs.records.create("bench", "lead", {"email": f"new{next(counter)}@example.com", "last_name": "N"})

    def lookups(_: int) -> None:
        for email in emails:
            if fs.records.find_by_email("bench", email) is None:
                raise AssertionError(f"{email} should be found")

    return _per_operation(creates), _per_operation(lookups)


def main() -> None:
    results = {size: measure(size) for size in SIZES}
    small, large = SIZES
    for size, (create, lookup) in results.items():
        print(f"  {size:>7,} leads: create {create * 1e6:8.1f} us   lookup by email {lookup * 1e6:8.1f} us")
    create_ratio = results[large][0] / results[small][0]
    lookup_ratio = results[large][1] / results[small][1]
    verdict = "within" if max(create_ratio, lookup_ratio) <= TARGET else "OVER"
    print(f"  ratio {large:,} / {small:,} leads: create {create_ratio:.2f}x, lookup {lookup_ratio:.2f}x "
          f"(target <= {TARGET}x: {verdict})")


if __name__ == "__main__":
    main()
