"""Real or simulated time.

Everything in fssim that depends on time (rate-limit windows, retry back-off, de-duplication windows,
record timestamps) asks a :class:`Clock`, never ``datetime.now()``, so that a test can move time forward
by hours in a microsecond with :meth:`Clock.advance` instead of sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta

__all__ = ["LATEST", "Clock", "isoformat", "later", "parse_iso"]


class Clock:
    """Wall-clock time plus an offset that only ever grows.

    ``frozen=True`` stops the wall clock: time then moves only through :meth:`advance`, which makes
    tests fully deterministic. The default keeps ticking so that ``fssim serve`` shows real times.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._start = (start or datetime.now(UTC)).astimezone(UTC)
        self._started_monotonic = time.monotonic()
        self._frozen = frozen
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def frozen(self) -> bool:
        return self._frozen

    def now(self) -> datetime:
        # _elapsed spelled out: now is read on every write, and a call costs as much as the sum.
        elapsed = (0.0 if self._frozen else time.monotonic() - self._started_monotonic) + self._offset
        return self._start + timedelta(seconds=elapsed)

    def timestamp(self) -> float:
        """Seconds since the epoch on this clock (for windows and due times)."""
        return self.now().timestamp()

    def _elapsed(self) -> float:
        # Reading one float needs no lock (the GIL makes it atomic); only the read-add-write of advance does.
        return (0.0 if self._frozen else time.monotonic() - self._started_monotonic) + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move simulated time forward; returns the new time. Time never goes backwards."""
        if not math.isfinite(seconds) or seconds < 0:
            # NaN would slip past "< 0" and poison every later time.
            raise ValueError(f"the clock only moves forward by a finite amount: seconds must be >= 0, got {seconds}")
        later(self.now(), seconds)  # refuse a step past the end of the calendar before taking it
        with self._lock:
            self._offset += seconds
        return self.now()


# Far enough that no test meets it, early enough that due times computed after it (retries, rate-limit
# windows) still fit in a datetime, whose calendar ends at year 9999.
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def later(moment: datetime, seconds: float) -> datetime:
    """``moment`` plus ``seconds``, or a ValueError a user can act on when that leaves the calendar."""
    try:
        result = moment + timedelta(seconds=seconds)
    except OverflowError:
        result = None
    if result is None or result >= LATEST:
        raise ValueError(f"{seconds:g} seconds from {isoformat(moment)} is past {LATEST.year}: "
                         "give a smaller number of seconds")
    return result


# The last UTC second printed: its fields (second first, the one that changes most) and its text.
_printed: tuple[tuple[int, int, int, int, int, int], str] = ((-1, -1, -1, -1, -1, -1), "")


def isoformat(moment: datetime) -> str:
    """ISO-8601 with an explicit offset and whole seconds, as Freshsales prints times."""
    # ``timespec="seconds"`` cuts the fraction as ``replace(microsecond=0)`` did, without making a second
    # datetime first (the printing of every record's and timeline item's time: half its cost).
    global _printed
    if moment.tzinfo is UTC:  # the clock's own times: no conversion to make
        # Printing a datetime costs about five times reading its six fields (issue 12: a tenth of a REST
        # create), and the writes of one second all print the same text: it is made once per second.
        # One tuple, read and replaced whole, so a thread never sees one second's fields with another's text.
        second = (moment.second, moment.minute, moment.hour, moment.day, moment.month, moment.year)
        last = _printed
        if last[0] == second:
            return last[1]
        text = moment.isoformat(timespec="seconds")
        _printed = (second, text)
        return text
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    """Parse an ISO-8601 string (``Z`` or an offset); naive times are taken as UTC."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
