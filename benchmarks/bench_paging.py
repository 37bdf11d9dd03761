"""What one page costs as the account grows: a list-view page (default sort, 25 per page) with 1,000 and
with 50,000 stored leads, and ``GET /_sim/deliveries?limit=10``'s read of the newest entries with 1,000
and with 60,000 in the delivery log.

Target (issue 10): the two sizes at most 1.5x apart. A page is a slice of the (account, entity) index kept
in created_at order; the newest log entries are read from the highest id down. Before, a page sorted every
record of the account (0.4 s at 50k) and the log query copied the whole log (1.4 s at 60k).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from benchmarks.report import ratio
from fssim.clock import Clock
from fssim.freshsales.service import Freshsales
from fssim.segment.logs import DeliveryLog
from fssim.segment.retention import LogWindow
from fssim.store import Database

__all__ = ["main"]

LEADS = (1_000, 50_000)
ENTRIES = (1_000, 60_000)
CALLS = 200
BATCHES = 5
TARGET = 1.5


def _per_call(run: Callable[[], None]) -> float:
    """Median over batches of the mean seconds per call."""
    timings = []
    for _ in range(BATCHES):
        started = time.perf_counter()
        for _ in range(CALLS):
            run()
        timings.append((time.perf_counter() - started) / CALLS)
    return statistics.median(timings)


def page_cost(size: int) -> float:
    clock = Clock(frozen=True)
    fs = Freshsales(Database(), clock, rate_limits=False)
    fs.accounts.create("bench", api_key="bench-key")
    for index in range(size):
        fs.records.create("bench", "lead", {"email": f"lead{index}@example.com", "last_name": f"L{index}"})
        if index % 100 == 0:
            clock.advance(1)
    pages = iter(range(10**9))
    # First pages and deep pages alike: page n is a slice wherever it lies.
    return _per_call(lambda: fs.records.list("bench", "lead", page=next(pages) % 40 + 1, per_page=25))


def newest_entries_cost(size: int) -> float:
    # No window: this measures a long log (a window would keep only its newest entries).
    log = DeliveryLog(Database(), window=LogWindow(max_entries=None, max_age_seconds=None))
    for index in range(size):
        log.add({"status": "delivered", "user_id": f"u{index}", "type": "track", "source": "web"})
    return _per_call(lambda: log.query({}, limit=10))


def main() -> None:
    page = {size: page_cost(size) for size in LEADS}
    newest = {size: newest_entries_cost(size) for size in ENTRIES}
    for size, seconds in page.items():
        print(f"  {size:>7,} leads: one list page {seconds * 1e6:9.1f} us")
    for size, seconds in newest.items():
        print(f"  {size:>7,} log entries: newest 10 {seconds * 1e6:9.1f} us")
    page_ratio = page[LEADS[1]] / page[LEADS[0]]
    log_ratio = newest[ENTRIES[1]] / newest[ENTRIES[0]]
    ratio(f"paging: list page at {LEADS[1]:,} / at {LEADS[0]:,} leads", page_ratio, at_most=TARGET)
    ratio(f"paging: newest 10 log entries of {ENTRIES[1]:,} / of {ENTRIES[0]:,}", log_ratio, at_most=TARGET)


if __name__ == "__main__":
    main()
