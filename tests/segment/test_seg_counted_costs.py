"""Counted costs of Segment's own part of a delivered message (issue 12): what the pipeline and the
deliverer read and write per message, counted, never timed. Each bound failed before the cut it pins.

The world is the real one (the ``fssim`` fixture: Tracking API, pipeline, deliverer, the receiver's core,
the rules and the store); the counters only watch, they change nothing.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fssim import Fssim
from fssim.segment import delivery, routing, tracking
from fssim.store import Collection

MESSAGES = 40  # half identify, half track, new users: the shape of bench_e2e's traffic


def _batch() -> list[dict[str, Any]]:
    batch = []
    for i in range(MESSAGES // 2):
        user = f"user{i}@example.com"
        batch.append({"type": "identify", "userId": user, "messageId": f"{user}-id",
                      "traits": {"firstName": "Ada", "title": "Tester"}})
        batch.append({"type": "track", "userId": user, "event": "Trial Started", "messageId": f"{user}-tr",
                      "properties": {"plan": "pro"}})
    return batch


class Counts:
    """Calls made from Segment's modules (``fssim.segment.*``), by what was called."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def watch(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            if _called_from_segment():
                self.calls[label] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)

    def per_message(self, label: str) -> float:
        return self.calls[label] / MESSAGES

    def reads_per_message(self, log: str) -> float:
        return (self.calls[f"{log} copies"] + self.calls[f"{log} peeks"]) / MESSAGES


def _called_from_segment() -> bool:
    """Whether the nearest caller outside the thing counted (the clock, the store, json) is Segment's."""
    for frame in _callers():
        module = frame.f_globals.get("__name__", "")
        if module.startswith("fssim.segment."):
            return True
        if module not in ("fssim.clock", "fssim.store", "fssim.segment.retention", "fssim.expiry", "json", __name__):
            return False
    return False


def _callers() -> Iterator[Any]:
    frame = sys._getframe(2)
    while frame is not None:
        yield frame
        frame = frame.f_back


@pytest.fixture
def counted(fssim: Fssim, monkeypatch: pytest.MonkeyPatch) -> Counts:
    fssim.connect()
    counts = Counts()
    segment = fssim.sim.segment
    counts.watch(monkeypatch, fssim.sim.clock, "now", "clock reads")
    counts.watch(monkeypatch, json.JSONEncoder, "encode", "JSON encodings")
    counts.watch(monkeypatch, tracking, "_COMPACT", "size-check encodings")
    for collection, label in ((segment.events.entries, "event log"), (segment.deliveries.entries, "delivery log")):
        counts.watch(monkeypatch, collection, "get", f"{label} copies")  # a read that copies the entry
        counts.watch(monkeypatch, collection, "peek", f"{label} peeks")  # a read of the stored entry itself
        for write in ("insert", "replace"):
            counts.watch(monkeypatch, collection, write, f"{label} writes")
    counts.watch(monkeypatch, segment.dedupe.seen, "insert", "messageId writes")
    counts.watch(monkeypatch, Collection, "__contains__", "membership checks")
    for read in ("get", "peek"):
        counts.watch(monkeypatch, segment.workspace.destinations, read, "destination reads")
    counts.watch(monkeypatch, routing, "_switched_off", "verdicts worked out")  # one per destination routed
    counts.watch(monkeypatch, segment.dedupe._expiry, "sweep", "dedupe window sweeps")
    for log in (segment.events, segment.deliveries):
        counts.watch(monkeypatch, log.retention, "prune", "window prunes")
    return counts


def _deliver(fssim: Fssim) -> None:
    fssim.send(*_batch())
    fssim.flush()
    fssim.assert_delivery(count=MESSAGES, status="delivered")


def test_the_clock_is_read_once_per_request_and_once_per_attempt(fssim: Fssim, counted: Counts,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # No pause for other work in the middle of this flush (there is none to do): a pause comes after a
    # few milliseconds, so how many there are depends on the machine's speed, not on what is counted.
    monkeypatch.setattr(delivery, "YIELD_EVERY_SECONDS", 3600.0)
    _deliver(fssim)
    # One read per request at ingest (its entries, the dedupe and the log windows share it), one per
    # flush, and one per attempt: its finish, which is also the start of the attempt after it (a flush
    # tries them one after the other; after a pause for other work the next one reads its own start).
    # It was 4 per message and more (every log entry read the clock for its window), then 2 (an
    # attempt's start and its finish).
    assert counted.per_message("clock reads") <= 1 + 3 / MESSAGES


def test_a_delivered_message_reads_its_log_entries_once(fssim: Fssim, counted: Counts) -> None:
    _deliver(fssim)
    # The flush reads each open delivery to order them, and the attempt reads it once more, fresh under
    # its claim. It was 4 reads of the delivery and 1 of the event entry: the event entry was read back
    # to note its routes, the delivery read again by every write of it and again to ask whether it was
    # still open.
    assert counted.reads_per_message("event log") == 0
    assert counted.reads_per_message("delivery log") <= 2


def test_a_delivered_message_copies_no_log_entry(fssim: Fssim, counted: Counts) -> None:
    _deliver(fssim)
    # The flush orders the open deliveries by a few fields of each, and the attempt sends the stored
    # message and builds its new state as one new dict: both read the open entries as the log keeps
    # them, without a store read. Each read was a copy (2 per message), then a store read of the stored
    # entry itself, and the write copied the new state once more before storing it.
    assert counted.per_message("delivery log copies") == 0
    assert counted.per_message("delivery log peeks") == 0


def test_the_edge_encodes_no_message_to_check_its_size(fssim: Fssim, counted: Counts) -> None:
    _deliver(fssim)
    # The edge's 32 KB check encodes nothing when the body's own length bounds its messages' (a batch
    # of 40 is about 6 KB); it encoded every message of a batch by itself. Segment's only other JSON
    # encoding is the destination's settings header, once.
    assert counted.calls["size-check encodings"] == 0
    assert counted.calls["JSON encodings"] <= 1


def test_an_accepted_message_writes_its_event_once(fssim: Fssim, counted: Counts) -> None:
    _deliver(fssim)
    # Written once, after its deliveries, with their ids; it was written, then written again with them.
    assert counted.per_message("event log writes") == 1
    assert counted.per_message("delivery log writes") == 2  # pending, then delivered


def test_a_request_remembers_its_message_ids_in_one_write(fssim: Fssim, counted: Counts) -> None:
    _deliver(fssim)
    assert counted.calls["messageId writes"] == 1  # it was one per message


def test_counting_the_logs_reads_no_entry_and_keeps_the_order_of_first_entries(
        fssim: Fssim, monkeypatch: pytest.MonkeyPatch) -> None:
    fssim.connect()
    fssim.fail(status=403, count=3)  # some deliveries discarded, the rest delivered
    fssim.send(*_batch())
    fssim.flush()
    fssim.send({"type": "track", "userId": "late@example.com", "event": "Pending"},  # still pending
               {"type": "screen", "userId": "late@example.com", "name": "Home"},  # filtered
               {"type": "track", "event": "Nobody"})  # discarded at ingest
    segment = fssim.sim.segment
    by_scan = {}
    for log in (segment.events, segment.deliveries):
        by_scan[log] = list(Counter(str(entry["status"]) for entry in log.query({})).items())
    assert len(by_scan[segment.deliveries]) >= 4 and len(by_scan[segment.events]) == 2
    counts = Counts()
    for log in (segment.events, segment.deliveries):
        for method in ("get", "items"):
            counts.watch(monkeypatch, log.entries, method, "log reads")
    for log in (segment.events, segment.deliveries):
        assert list(log.counts().items()) == by_scan[log]  # the same counts, keys in the same order
    # GET /_sim/state counts both logs: it copied every entry of both (10,000 each by default) to do so.
    assert counts.calls["log reads"] == 0


def test_an_event_id_is_counted_not_looked_up(fssim: Fssim, counted: Counts) -> None:
    _deliver(fssim)
    # The event log is its collection's only writer, so the id an accepted message's event will get is
    # counted; each was checked against the stored entries first (one look-up per message).
    assert counted.calls["membership checks"] == 0


def test_a_log_write_inside_the_window_prunes_nothing(fssim: Fssim, counted: Counts) -> None:
    _deliver(fssim)
    # Far inside both logs' windows nothing can leave, and no delivery is held past it: the window is
    # not walked at all. It was walked after every write of either log (two per message).
    assert counted.calls["window prunes"] == 0


def test_an_attempt_reads_no_destination_from_the_store(fssim: Fssim, counted: Counts) -> None:
    _deliver(fssim)
    # The request's routing reads its source's destinations once, and the deliverer keeps the one it
    # looked up until the destinations change: every attempt read it from the store (41 reads here).
    assert counted.calls["destination reads"] <= 2


def test_a_request_routes_each_type_of_message_once(fssim: Fssim, counted: Counts) -> None:
    _deliver(fssim)
    # A message without an integrations object is routed by its type alone: one routing per type and
    # request (an identify, a track), shared by the request's messages. It was one per message.
    assert counted.calls["verdicts worked out"] == 2


def test_a_request_sweeps_the_dedupe_window_once(fssim: Fssim, counted: Counts) -> None:
    _deliver(fssim)
    # Every message of a request is seen at the request's time, so the expired messageIds are swept once
    # when it starts; each message swept again (40 here).
    assert counted.calls["dedupe window sweeps"] == 1
