"""Store cost as data grows: a create, a lookup by email and a read by id with 1,000 and with 100,000
stored leads.

Target (issue 2): the two sizes at most 1.3x apart. Lookups go through the email index, which answers
with the record's reference itself (``LookupIndex``), reads by id are TinyDB's own dict access, and
creates touch only their own documents (``InPlaceTable``), so none of them should grow with the data.

A lookup is a dict hit that costs about a microsecond, and a hash table's memory grows with its keys: a
bare ``dict.get`` of a fresh string among 100,000 keys costs 2-3.5x what it costs among 1,000 on this
machine (the slot, the entry, the stored key and the answer are four cache lines on four pages; past the
TLB's reach each is a page walk, costlier still under a hypervisor's nested paging). No store in Python
can grow less than the dict it ends in, so the lookup is also measured against that floor in the same run:
a bare dict of as many fresh keys as the store holds, each to a small answer, asked the same emails the
same way. The target line takes the floor's own growth (its time at 100,000 minus at 1,000) out of the
store's time at 100,000: what is left is the growth the store adds, which must stay within 1.3x. The raw
ratio is printed beside it, for information.

Both stores are built first and their batches alternate (``report.interleaved``, as every benchmark
measures its baseline), so a spell of load on the shared machine falls on both sizes alike rather than
on whichever ran then; a batch is timed by this process's CPU time, so the time other processes held the
core is not counted (it used to be, and pulled every ratio towards 1). Creates run first, five batches a
size, so lookups and reads see each store with its 10,000 new leads, as when the sizes ran one after the
other; lookups and reads change nothing and take more batches, their medians being steadier for it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from benchmarks.report import interleaved, ratio
from fssim.clock import Clock
from fssim.freshsales.service import Freshsales
from fssim.integration.emails import normalize_email
from fssim.store import Database

__all__ = ["main"]

SIZES = (1_000, 100_000)
OPERATIONS = 2_000  # timed per batch
CREATE_BATCHES = 5  # each adds OPERATIONS leads to its store: as many as before, so the sizes stay as they were
READ_BATCHES = 15  # lookups and reads write nothing: more batches, a steadier median
TARGET = 1.3


def _fill(fs: Freshsales, start: int, stop: int) -> None:
    for index in range(start, stop):
        fs.records.create("bench", "lead", {"email": f"lead{index}@example.com", "last_name": f"L{index}"})


def _per_operation(run: Callable[[], None]) -> float:
    """Mean CPU seconds per operation of one batch: the time this process ran, not the time other
    processes of the shared machine held its core (a lookup batch is a few ms, one time slice)."""
    started = time.process_time()
    run()
    return (time.process_time() - started) / OPERATIONS


class _Store:
    """One store of ``size`` leads and the timed batches of each operation on it."""

    def __init__(self, size: int) -> None:
        fs = self.fs = Freshsales(Database(), Clock(frozen=True), rate_limits=False)
        fs.accounts.create("bench", api_key="bench-key")
        _fill(fs, 0, size)
        picker = random.Random(size)
        self.emails = [f"LEAD{picker.randrange(size)}@example.com " for _ in range(OPERATIONS)]
        found = (fs.records.find_by_email("bench", email) for email in self.emails[:100])
        stored_ids = sorted(hit.id for hit in found if hit is not None)
        self.ids = [stored_ids[index % len(stored_ids)] for index in range(OPERATIONS)]
        self.counter = iter(range(size, size + OPERATIONS * CREATE_BATCHES))
        # As many keys as the store holds when the lookups run (its leads and the creates' new ones), each
        # to an answer of four fields, as a record's reference is.
        held = size + OPERATIONS * CREATE_BATCHES
        self.floor = {f"lead{index}@example.com": ("bench", "lead", index, f"L{index}") for index in range(held)}

    def creates(self) -> float:
        def run() -> None:
            for _ in range(OPERATIONS):
                self.fs.records.create("bench", "lead", {"email": f"new{next(self.counter)}@example.com",
                                                         "last_name": "N"})
        return _per_operation(run)

    def lookups(self) -> float:
        def run() -> None:
            for email in self.emails:
                if self.fs.records.find_by_email("bench", email) is None:
                    raise AssertionError(f"{email} should be found")
        return _per_operation(run)

    def floor_lookups(self) -> float:
        """The same lookups in a bare dict of as many fresh keys (see the module's docstring)."""
        def run() -> None:
            for email in self.emails:
                if self.floor.get(normalize_email(email)) is None:
                    raise AssertionError(f"{email} should be in the floor")
        return _per_operation(run)

    def reads(self) -> float:
        def run() -> None:
            for record_id in self.ids:
                self.fs.records.get("bench", "lead", record_id)
        return _per_operation(run)


def measure() -> dict[int, tuple[float, float, float, float]]:
    """(create, lookup, read, floor lookup) CPU seconds per operation at each size: the median of its
    batches."""
    stores = {size: _Store(size) for size in SIZES}
    creates = interleaved(CREATE_BATCHES, {str(size): store.creates for size, store in stores.items()})
    lookups = interleaved(READ_BATCHES, {
        **{str(size): store.lookups for size, store in stores.items()},
        **{f"floor {size}": store.floor_lookups for size, store in stores.items()},
    })
    reads = interleaved(READ_BATCHES, {str(size): store.reads for size, store in stores.items()})
    return {size: (creates[str(size)], lookups[str(size)], reads[str(size)], lookups[f"floor {size}"])
            for size in SIZES}


def main() -> None:
    results = measure()
    small, large = SIZES
    for size, (create, lookup, read, floor) in results.items():
        print(f"  {size:>7,} leads: create {create * 1e6:8.1f} us   lookup by email {lookup * 1e6:8.1f} us   "
              f"read by id {read * 1e6:8.1f} us   bare dict lookup {floor * 1e6:6.2f} us")
    create_ratio, lookup_ratio, read_ratio, floor_ratio = (results[large][i] / results[small][i] for i in range(4))
    floor_growth = results[large][3] - results[small][3]
    own_ratio = (results[large][1] - floor_growth) / results[small][1]
    ratio(f"store: create at {large:,} / at {small:,} leads", create_ratio, at_most=TARGET)
    ratio(f"store: lookup by email at {large:,} / at {small:,} leads (raw)", lookup_ratio)
    ratio(f"store: bare dict lookup at {large:,} / at {small:,} keys (floor)", floor_ratio)
    ratio("store: lookup by email, growth beyond the bare dict's", own_ratio, at_most=TARGET)
    ratio(f"store: read by id at {large:,} / at {small:,} leads", read_ratio, at_most=TARGET)


if __name__ == "__main__":
    main()
