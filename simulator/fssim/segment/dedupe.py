"""De-duplication by ``messageId`` over a window of simulated time (R10, reference/segment.md §2.6).

Segment dedupes on ``messageId`` alone, across every source of a workspace, for at least 24 hours.
Ids live in a TinyDB table so that a file-backed simulator still drops a repeat after a restart.
Expired ids are swept at most once an hour of simulated time, which keeps the per-message cost O(1).
"""

from __future__ import annotations

from fssim.store import Database

__all__ = ["DEDUPE_WINDOW_SECONDS", "Deduplicator"]

DEDUPE_WINDOW_SECONDS = 24 * 3600
_SWEEP_EVERY_SECONDS = 3600


class Deduplicator:
    def __init__(self, db: Database, window_seconds: float = DEDUPE_WINDOW_SECONDS) -> None:
        self.db = db
        self.window = window_seconds
        self.seen = db.collection("segment_message_ids")
        self._by_id = self.seen.index(lambda doc: doc.get("message_id"))
        self._last_sweep = 0.0

    def first_seen(self, message_id: str, now: float) -> float | None:
        """When ``message_id`` was first seen inside the window, or ``None`` (then it is recorded now)."""
        with self.db.transaction():
            self._sweep(now)
            doc_id = self._by_id.first(message_id)
            if doc_id is not None:
                doc = self.seen.get(doc_id)
                if doc is not None and now - float(doc["seen_at"]) < self.window:
                    return float(doc["seen_at"])
                self.seen.delete(doc_id)
            self.seen.insert({"message_id": message_id, "seen_at": now})
            return None

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < _SWEEP_EVERY_SECONDS:
            return
        self._last_sweep = now
        expired = [doc_id for doc_id, doc in self.seen.items() if now - float(doc["seen_at"]) >= self.window]
        for doc_id in expired:
            self.seen.delete(doc_id)

    def forget(self) -> None:
        """After the database was cleared: the next message sweeps again."""
        self._last_sweep = 0.0
