"""How long the event and delivery logs keep their entries: a window by count and/or by simulated age.

Segment's own debugger shows a short live window of recent events, not the whole history
(reference/segment.md says nothing about its size or about how long Event Delivery keeps entries).
Simulator policy, written down in docs/segment.md: each log keeps at most ``max_entries`` entries and
none older than ``max_age_seconds`` of *simulated* time; the oldest go first, and ``GET /_sim/state``
counts how many went. ``None`` turns a bound off.

A delivery that is still open (pending or awaiting a retry) is never dropped: its entry is what the
deliverer works from, so dropping it would lose the message. It is held past the window, does not count
towards ``max_entries``, and goes as soon as it finishes.

The window is kept in memory (ids in the order they were written, with their time), so pruning costs no
store read; it is rebuilt from the stored entries when a file is opened.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fssim.store import Collection

__all__ = ["DEFAULT_LOG_MAX_AGE_SECONDS", "DEFAULT_LOG_MAX_ENTRIES", "LogWindow", "Retention"]

# Enough for a test suite or a demo to read back everything it sent, small enough that a long replay's
# logs stay in the tens of MiB (an entry with its message is about 2-3 KiB in memory).
DEFAULT_LOG_MAX_ENTRIES = 10_000
# The same 24 h as Segment's messageId de-duplication (reference/segment.md §2.6).
DEFAULT_LOG_MAX_AGE_SECONDS = 24 * 3600.0
# Held open deliveries are looked at again after this many writes (or sooner, when others leave).
_RECHECK_HELD_EVERY = 64


@dataclass(frozen=True)
class LogWindow:
    """What each log keeps: at most ``max_entries`` entries, none older than ``max_age_seconds``."""

    max_entries: int | None = DEFAULT_LOG_MAX_ENTRIES
    max_age_seconds: float | None = DEFAULT_LOG_MAX_AGE_SECONDS

    def __post_init__(self) -> None:
        # A window that keeps nothing would hide every message from the user who sent it.
        if self.max_entries is not None and (isinstance(self.max_entries, bool) or self.max_entries < 1):
            raise ValueError(f"the log window must keep at least 1 entry, got max_entries={self.max_entries!r}")
        if self.max_age_seconds is not None and not (math.isfinite(self.max_age_seconds)
                                                     and self.max_age_seconds > 0):
            raise ValueError("the log window's max_age_seconds must be a positive number of seconds, "
                             f"got {self.max_age_seconds!r}")

    def describe(self) -> dict[str, Any]:
        return {"max_entries": self.max_entries, "max_age_seconds": self.max_age_seconds}


class Retention:
    """Keeps one log collection inside its :class:`LogWindow`.

    ``time_of`` reads an entry's simulated time (epoch seconds, ``None`` if it has none) when the window
    is rebuilt from stored entries; ``now`` is the simulated time; ``still_open`` tells, for a batch of
    ids, which ones must not be dropped yet.
    """

    def __init__(self, entries: Collection, window: LogWindow, time_of: Callable[[Mapping[str, Any]], float | None],
                 now: Callable[[], float], still_open: Callable[[Iterable[int]], set[int]] | None = None) -> None:
        self.entries = entries
        self.window = window
        self.dropped = 0
        self._time_of = time_of
        self._now = now
        self._still_open = still_open
        self._order: deque[tuple[int, float]] = deque()  # inside the window, oldest first
        self._held: dict[int, float] = {}  # past the window, kept because still open
        self._since_recheck = 0
        self.rebuild()

    def rebuild(self) -> None:
        """From what is stored (a file opened, or the store cleared); the dropped count starts over."""
        # An entry without a readable time (an old file, a hand-made entry) gets a whole window from now.
        now = self._now()
        self._order = deque((doc_id, _or(self._time_of(doc), now)) for doc_id, doc in self.entries.items())
        self._held = {}
        self.dropped = 0

    def added(self, entry_id: int, at: float) -> None:
        """A new entry was written at simulated time ``at``: note it, then drop what fell out."""
        order = self._order
        order.append((entry_id, at))
        # Nearly every write leaves the window as it is: only then is it pruned (the check is inline
        # because it runs for every log write, two per message).
        window, held = self.window, self._held
        if (held or (window.max_entries is not None and len(order) > window.max_entries)
                or (window.max_age_seconds is not None and order[0][1] < at - window.max_age_seconds)):
            self.prune(at)
        else:
            self._since_recheck += 1

    def prune(self, now: float) -> None:
        """Drop every entry outside the window at ``now`` that may go (never an open delivery)."""
        cutoff = None if self.window.max_age_seconds is None else now - self.window.max_age_seconds
        limit = self.window.max_entries
        leaving: list[tuple[int, float]] = []
        while self._order and ((limit is not None and len(self._order) > limit)
                               or (cutoff is not None and self._order[0][1] < cutoff)):
            leaving.append(self._order.popleft())
        self._since_recheck += 1
        if self._held and (leaving or self._since_recheck >= _RECHECK_HELD_EVERY):
            # Not at every write: asking which deliveries are open costs O(open ones), and an outage
            # can hold thousands of them.
            leaving.extend(self._held.items())
            self._held = {}
            self._since_recheck = 0
        if not leaving:
            return
        keep = self._still_open([doc_id for doc_id, _ in leaving]) if self._still_open is not None else set()
        for doc_id, at in leaving:
            if doc_id in keep:
                self._held[doc_id] = at
            elif self.entries.delete(doc_id) is not None:
                self.dropped += 1

    def finished(self, entry_id: int) -> None:
        """An entry is no longer open: if it was only held past the window for that, it goes now."""
        if self._held.pop(entry_id, None) is not None and self.entries.delete(entry_id) is not None:
            self.dropped += 1

    @property
    def held(self) -> int:
        """Open deliveries kept past the window."""
        return len(self._held)


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
