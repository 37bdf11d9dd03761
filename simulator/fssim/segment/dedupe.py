"""De-duplication by ``messageId`` over a window of simulated time (R10, reference/segment.md §2.6).

Segment dedupes on ``messageId`` alone, across every source of a workspace, for at least 24 hours.
Ids live in a TinyDB table so that a file-backed simulator still drops a repeat after a restart.
Expired ids go in the order they came (:class:`fssim.expiry.ExpiryQueue`), so memory holds one window
of ids, never the whole history, and each message costs O(1).
"""

from __future__ import annotations

from fssim.expiry import ExpiryQueue
from fssim.store import Database

__all__ = ["DEDUPE_WINDOW_SECONDS", "Deduplicator"]

DEDUPE_WINDOW_SECONDS = 24 * 3600


class Deduplicator:
    def __init__(self, db: Database, window_seconds: float = DEDUPE_WINDOW_SECONDS) -> None:
        self.db = db
        self.window = window_seconds
        self.seen = db.collection("segment_message_ids")
        self._by_id = self.seen.index(lambda doc: doc.get("message_id"))
        self._expiry = ExpiryQueue(self.seen, lambda doc: float(doc["seen_at"]))

    def first_seen(self, message_id: str, now: float) -> float | None:
        """When ``message_id`` was first seen inside the window, or ``None`` (then it is recorded now)."""
        # The lock, not a transaction: the pipeline holds one around each request already, and a
        # transaction's context manager per message cost more than the look-up.
        with self.db.lock:
            self._expiry.sweep(now - self.window)
            doc_id = self._by_id.first(message_id)
            if doc_id is not None:
                doc = self.seen.get(doc_id)
                if doc is not None and now - float(doc["seen_at"]) < self.window:
                    return float(doc["seen_at"])
                self.seen.delete(doc_id)
            self._expiry.added(self.seen.insert({"message_id": message_id, "seen_at": now}), now)
            return None

    def __len__(self) -> int:
        """How many messageIds are remembered (one window's worth)."""
        return len(self.seen)

    def forget(self) -> None:
        """After the database was cleared: nothing is remembered any more."""
        self._expiry.rebuild()
