"""Documents that expire after a window of simulated time, found without scanning the collection.

Segment's messageId de-duplication (``segment/dedupe.py``) and the receiver's exactly-once memory
(``freshsales/crm_adapter.py``) both forget what is older than 24 h. Times only grow (the clock never
goes back), so documents written in time order expire in that order: a queue of ``(time, id)`` hands
out the expired ones from its front, and a sweep costs what it removes, not the size of the collection
(the scan it replaces copied every document once an hour of simulated time: 1M of them in a replay).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from fssim.store import Collection

__all__ = ["ExpiryQueue"]


class ExpiryQueue:
    """The ids of one collection's documents by the simulated time they were written."""

    def __init__(self, documents: Collection, time_of: Callable[[Mapping[str, Any]], float]) -> None:
        self._documents = documents
        self._time_of = time_of
        self._queue: deque[tuple[float, int]] = deque()
        self.rebuild()

    def rebuild(self) -> None:
        """From the stored documents (a file opened, or the store cleared)."""
        self._queue = deque(sorted((self._time_of(doc), doc_id) for doc_id, doc in self._documents.items()))

    def added(self, doc_id: int, at: float) -> None:
        self._queue.append((at, doc_id))

    def sweep(self, before: float) -> int:
        """Delete every document written before ``before``; how many went."""
        removed = 0
        while self._queue and self._queue[0][0] < before:
            _, doc_id = self._queue.popleft()
            # It may be gone (replaced, deleted by hand), or its id reused by a newer document after a
            # reset cleared the store: only a document that is itself expired goes.
            doc = self._documents.get(doc_id)
            if doc is not None and self._time_of(doc) < before:
                self._documents.delete(doc_id)
                removed += 1
        return removed
