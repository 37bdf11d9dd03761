"""De-duplication by ``messageId`` over a window of simulated time (R10, reference/segment.md §2.6).

Segment dedupes on ``messageId`` alone, across every source of a workspace, for at least 24 hours.
Ids live in a TinyDB table so that a file-backed simulator still drops a repeat after a restart.
Expired ids go in the order they came (:class:`fssim.expiry.ExpiryQueue`), so memory holds one window
of ids, never the whole history, and each message costs O(1).

The ids first seen in one request are stored together, in one document with the request's time
(``{"message_ids": [...], "seen_at": t}``), written when the request ends (:meth:`Deduplicator.request`):
they share their time, so they expire together, and a batch of 100 messages costs one write, not 100.
A lone call outside a request stores its id by itself; a document of an older fssim holds one
``message_id`` and is read the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from fssim.expiry import ExpiryQueue
from fssim.store import Database

__all__ = ["DEDUPE_WINDOW_SECONDS", "Deduplicator"]

DEDUPE_WINDOW_SECONDS = 24 * 3600


def _ids_of(doc: Mapping[str, Any]) -> list[Any]:
    ids = doc.get("message_ids")
    return list(ids) if isinstance(ids, list) else [doc.get("message_id")]


class Deduplicator:
    def __init__(self, db: Database, window_seconds: float = DEDUPE_WINDOW_SECONDS) -> None:
        self.db = db
        self.window = window_seconds
        self.seen = db.collection("segment_message_ids")
        self._by_id = self.seen.multi_index(_ids_of)
        self._expiry = ExpiryQueue(self.seen, lambda doc: float(doc["seen_at"]))
        # The ids first seen in the request under way, in order, and its time (None outside a request).
        self._pending: tuple[dict[str, None], float] | None = None

    @contextlib.contextmanager
    def request(self, now: float) -> Iterator[None]:
        """Around one request's messages, all seen at ``now``: the ids it sees first are stored at its end,
        in one document. The caller holds the store's transaction, so that write joins the request's."""
        with self.db.lock:
            assert self._pending is None, "requests do not nest"
            # Every message of the request is seen at ``now``: the window is swept once, here, not per message.
            self._expiry.sweep(now - self.window)
            pending: dict[str, None] = {}
            self._pending = (pending, now)
            try:
                yield
            finally:
                self._pending = None
                if pending:
                    self._remember(list(pending), now)

    def first_seen(self, message_id: str, now: float) -> float | None:
        """When ``message_id`` was first seen inside the window, or ``None`` (then it is recorded now)."""
        # The lock, not a transaction: the pipeline holds one around each request already, and a
        # transaction's context manager per message cost more than the look-up.
        with self.db.lock:
            pending = self._pending
            if pending is None or pending[1] != now:  # a request swept at its start (see request)
                self._expiry.sweep(now - self.window)
            if pending is not None and message_id in pending[0]:
                return pending[1]
            doc_id = self._by_id.first(message_id)
            if doc_id is not None:
                doc = self.seen.get(doc_id)
                if doc is not None and now - float(doc["seen_at"]) < self.window:
                    return float(doc["seen_at"])
                self.seen.delete(doc_id)  # its ids were all seen at that time: all expired
            if pending is not None and pending[1] == now:
                pending[0][message_id] = None
            else:
                self._remember([message_id], now)
            return None

    def _remember(self, message_ids: list[str], now: float) -> None:
        self._expiry.added(self.seen.insert({"message_ids": message_ids, "seen_at": now}), now)

    def __len__(self) -> int:
        """How many messageIds are remembered (one window's worth)."""
        with self.db.lock:
            return sum(len(_ids_of(doc)) for _, doc in self.seen.items())

    def forget(self) -> None:
        """After the database was cleared: nothing is remembered any more."""
        self._expiry.rebuild()
