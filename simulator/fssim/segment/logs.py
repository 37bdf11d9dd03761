"""The two logs a user reads to learn what became of a message.

* The **event log** (``GET /_sim/events``): one entry per message Segment received, with what happened
  at ingest: ``accepted`` (and routed to which destinations), ``discarded`` (a Spec discard code),
  ``duplicate`` (same ``messageId`` inside the window) or ``dropped`` (unknown write key, oversized batch).
* The **delivery log** (``GET /_sim/deliveries``): one entry per message and destination, shaped like
  Segment's Event Delivery view: status, Segment's code (``errors.discarded.403``,
  ``errors.awaiting-retry.429``, ...), the reason, and every attempt.

Both are store collections, so a file-backed simulator keeps them across restarts. Each keeps a window
(:mod:`fssim.segment.retention`): the oldest entries go, an open delivery never does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fssim.clock import Clock, parse_iso
from fssim.segment.retention import LogWindow, Retention
from fssim.segment.spec import MESSAGE_TYPES
from fssim.store import Database

__all__ = ["DELIVERY_STATUSES", "EVENT_STATUSES", "OPEN_STATUSES", "DeliveryLog", "EventLog", "LogFilter"]

# A delivery in one of these states still has an attempt ahead of it.
OPEN_STATUSES = ("pending", "awaiting-retry")
EVENT_STATUSES = ("accepted", "discarded", "duplicate", "dropped")
DELIVERY_STATUSES = (*OPEN_STATUSES, "delivered", "discarded", "failed", "filtered")

LogFilter = Mapping[str, str]


def _matches(entry: Mapping[str, Any], filters: LogFilter) -> bool:
    for key, wanted in filters.items():
        if not wanted:
            continue
        if key == "user":
            if wanted not in (entry.get("user_id"), entry.get("anonymous_id")):
                return False
        elif key == "destination":
            names = {str(entry.get(k, "")).lower() for k in ("destination", "destination_type", "destination_id",
                                                             "subdomain")}
            if wanted.lower() not in names:
                return False
        elif str(entry.get(key)) != wanted:
            return False
    return True


def _time_of(field: str) -> Callable[[Mapping[str, Any]], float | None]:
    def time_of(entry: Mapping[str, Any]) -> float | None:
        try:
            return parse_iso(str(entry[field])).timestamp()
        except (KeyError, ValueError):
            return None

    return time_of


def _entry(entry_id: int, doc: Mapping[str, Any]) -> dict[str, Any]:
    """A reader's own copy of an entry. The stored message is shared by the event entry and every
    delivery entry (one copy in memory), so a reader that changed it would change them all."""
    copied = _copy(dict(doc))
    return {"id": entry_id, **copied}


def _copy(value: Any) -> Any:
    """A deep copy of JSON data with a loop and its own stack, not recursion: a logged message may be
    nested deeper than Python's recursion limit (a poison message from before the depth bound)."""
    if not isinstance(value, (dict, list)):
        return value
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, into = stack.pop()
        pairs = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in pairs:
            copy: Any = item
            if isinstance(item, (dict, list)):
                copy = {} if isinstance(item, dict) else []
                stack.append((item, copy))
            if isinstance(into, dict):
                into[key] = copy
            else:
                into.append(copy)
    return root


class _Log:
    filter_keys: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    time_field = ""  # the entry's simulated time, read when the window is rebuilt from the store

    def _check(self, filters: LogFilter) -> None:
        """A misspelt filter or value is an error naming the allowed ones, not a silently empty log."""
        unknown = set(filters) - set(self.filter_keys)
        if unknown:
            raise ValueError(f"unknown filter {', '.join(sorted(unknown))}; use {', '.join(self.filter_keys)}")
        for key, allowed in (("status", self.statuses), ("type", MESSAGE_TYPES)):
            if filters.get(key) and filters[key] not in allowed:
                raise ValueError(f"unknown {key} {filters[key]!r}; use {', '.join(allowed)}")

    def __init__(self, db: Database, table: str, clock: Clock, window: LogWindow) -> None:
        self.db = db
        self.clock = clock
        self.entries = db.collection(table)
        # Ids by status, before the window: a delivery log's window asks which entries are open while it
        # rebuilds. Counting the log (``GET /_sim/state``, the dashboard) then reads no entry at all.
        statuses = self.statuses
        self._by_status = self.entries.index(lambda doc: status if (status := doc.get("status")) in statuses
                                             else None)
        self.retention = Retention(self.entries, window, _time_of(self.time_field), clock.timestamp,
                                   self._still_open)

    def _still_open(self, ids: Iterable[int]) -> set[int]:
        return set()

    def add(self, entry: Mapping[str, Any], at: float | None = None, doc_id: int | None = None) -> int:
        """Store a new entry; ``at`` is its simulated time (epoch seconds), read from the clock if not
        given. The pipeline passes the request's time, read once for all its messages' entries."""
        # The lock, not a transaction: the pipeline already writes each request in one transaction.
        with self.db.lock:
            entry_id = self.entries.insert(entry, doc_id)
            self.retention.added(entry_id, self.clock.timestamp() if at is None else at)
        return entry_id

    def forget(self) -> None:
        """After the database was cleared: the window starts empty and the dropped count at 0."""
        self.retention.rebuild()

    @property
    def dropped(self) -> int:
        """Entries dropped because they fell out of the window (since start or the last reset)."""
        return self.retention.dropped

    def get(self, entry_id: int) -> dict[str, Any] | None:
        doc = self.entries.get(entry_id)
        return None if doc is None else _entry(entry_id, doc)

    def query(self, filters: LogFilter, limit: int | None = None) -> list[dict[str, Any]]:
        """Matching entries, oldest first; ``limit`` keeps the newest ones."""
        self._check(filters)
        if limit is not None:
            # The newest few, read from the newest down: no copy of the whole log (60k entries took 1.4 s).
            newest = self.entries.newest(limit, lambda doc: _matches(doc, filters))
            return [_entry(doc_id, doc) for doc_id, doc in reversed(newest)]
        return [_entry(doc_id, doc) for doc_id, doc in self.entries.items() if _matches(doc, filters)]

    def counts(self) -> dict[str, int]:
        """How many entries have each status, the statuses in the order of their first entry."""
        with self.db.lock:
            found = [(self._by_status.first(status), status, self._by_status.count(status))
                     for status in self.statuses]
            present = sorted(item for item in found if item[2])
            if sum(count for _, _, count in present) == len(self.entries):
                return {status: count for _, status, count in present}
            # An entry whose status is none of the known ones (a hand-written file): count by reading.
            return dict(Counter(str(doc.get("status")) for _, doc in self.entries.items()))


class EventLog(_Log):
    filter_keys = ("source", "status", "user", "type", "message_id", "code", "event")
    statuses = EVENT_STATUSES
    time_field = "received_at"

    def __init__(self, db: Database, clock: Clock | None = None, window: LogWindow | None = None) -> None:
        self._next_id: int | None = None
        super().__init__(db, "segment_events", clock or Clock(), window or LogWindow())

    def next_id(self) -> int:
        """The id the next :meth:`add` gives its entry: the pipeline names an accepted message's event
        in its deliveries before it writes the event, whole, with their ids (so once, not twice)."""
        # Counted here, not checked against the collection each time (a look-up per message): this log
        # is the collection's only writer, and a reset or a file opened starts the count over from it.
        with self.db.lock:
            if self._next_id is None:
                self._next_id = max(self.entries.ids(), default=0) + 1
            return self._next_id

    def add(self, entry: Mapping[str, Any], at: float | None = None, doc_id: int | None = None) -> int:
        with self.db.lock:
            entry_id = super().add(entry, at, self.next_id() if doc_id is None else doc_id)
            if self._next_id is None or entry_id >= self._next_id:
                self._next_id = entry_id + 1
            return entry_id

    def forget(self) -> None:
        self._next_id = None
        super().forget()


class DeliveryLog(_Log):
    filter_keys = ("source", "destination", "status", "user", "type", "message_id", "code", "event")
    statuses = DELIVERY_STATUSES
    time_field = "created_at"

    def __init__(self, db: Database, clock: Clock | None = None, window: LogWindow | None = None) -> None:
        # The open deliveries' entries by id, as stored: the deliverer orders them and reads each one it
        # tries, and reading them from the store cost two look-ups per message. Every write of this log
        # keeps it (this log is its collection's only writer); it is rebuilt when the store is.
        self._open: dict[int, Mapping[str, Any]] = {}
        super().__init__(db, "segment_deliveries", clock or Clock(), window or LogWindow())
        self._read_open()

    def _read_open(self) -> None:
        with self.db.lock:
            self._open = {doc_id: doc for doc_id in sorted(self._open_ids())
                          if (doc := self.entries.peek(doc_id)) is not None}

    def add(self, entry: Mapping[str, Any], at: float | None = None, doc_id: int | None = None) -> int:
        with self.db.lock:
            entry_id = super().add(entry, at, doc_id)
            if entry.get("status") in OPEN_STATUSES:
                self._open[entry_id] = dict(entry)  # the caller's dict stays the caller's
            return entry_id

    def forget(self) -> None:
        super().forget()
        self._read_open()

    def _open_ids(self) -> set[int]:
        return self._by_status.ids("pending") | self._by_status.ids("awaiting-retry")

    def _still_open(self, ids: Iterable[int]) -> set[int]:
        # Never drop an open delivery: the deliverer works from its entry, and the message would be lost.
        return set(ids) & self._open_ids()

    def update(self, entry_id: int, entry: Mapping[str, Any]) -> bool:
        """Write a delivery's new state; whether it was written (not if a reset removed the entry while
        its attempt was in flight).

        ``entry`` is what :meth:`current` or :meth:`stored` gave, changed: its message is still the stored
        one, which the event entry shares (readers get their own copies), so it is written back without
        being read. ``entry`` is the log's once written (an open one is what :meth:`stored` gives next), so
        an entry without an id is not copied here: the deliverer builds each new state as a new dict."""
        if "id" in entry:
            entry = {key: value for key, value in entry.items() if key != "id"}
        # The lock, not a transaction: one write (a finished entry held past the window also goes).
        with self.db.lock:
            try:
                self.entries.replace(entry_id, entry)
            except KeyError:
                self._open.pop(entry_id, None)
                return False
            if entry.get("status") in OPEN_STATUSES:
                self._open[entry_id] = entry
            else:
                self._open.pop(entry_id, None)
                self.retention.finished(entry_id)
            return True

    def due(self, now: float) -> list[int]:
        """Ids of open deliveries whose next attempt is due, oldest first (so a user's calls keep order)."""
        with self.db.lock:
            due = []
            for doc_id in self._open_ids():
                doc = self.entries.get(doc_id)
                if doc is not None and float(doc["due"]) <= now:
                    due.append(doc_id)
        return sorted(due)

    def open_in_order(self) -> list[tuple[int, Mapping[str, Any]]]:
        """Every open delivery ``(id, entry)``, oldest first: the order a user's calls were made in.

        The entries as stored, uncopied and not read from the store (:meth:`stored`): the flush only reads
        a few fields of each to order them."""
        with self.db.lock:
            return sorted(self._open.items())

    def stored(self, entry_id: int) -> Mapping[str, Any] | None:
        """The entry as stored, uncopied and without its id: for the deliverer, which reads it and writes
        each new state as a new dict (:meth:`update`). It must never change it: the store replaces
        documents whole, so what it holds stays as it was read. Two copies per attempt (this read's and
        the old write's) were a tenth of the deliverer's own work. An open entry comes from the log's own
        map of them, without a store read."""
        found = self._open.get(entry_id)
        return found if found is not None else self.entries.peek(entry_id)

    def current(self, entry_id: int) -> dict[str, Any] | None:
        """The entry as stored, with its id, and its message not copied: for the deliverer, which only
        reads the message (to send it) and writes the entry back whole with :meth:`update`. A deep copy
        per attempt was a tenth of a delivery's cost; readers of the log still get :meth:`get`'s copies."""
        doc = self.entries.get(entry_id)  # the store's own shallow copy: the id joins it, no second copy
        if doc is not None:
            doc["id"] = entry_id
        return doc

    def open_count(self) -> int:
        return sum(self._by_status.count(status) for status in OPEN_STATUSES)

