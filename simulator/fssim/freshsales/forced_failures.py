"""Forced failures of the Segment receiver: "answer 429 to the next 3 deliveries", "be down for 10 minutes".

Tests and scenarios use this to prove Segment's retries (429 and 5xx are retried for 4 h of simulated
time, other 4xx are not). One rule per account, kept in the store; a new rule replaces the old one.

* ``count``: the next N deliveries to the account fail, then the rule is gone.
* ``seconds``: every delivery fails until N seconds of *simulated* time have passed.
* both: it fails while both hold (whichever runs out first ends it).

A 429 (and a 503) carries ``Retry-After``: the given ``retry_after``, else the seconds left of a timed
rule (rounded up), else 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from fssim.clock import Clock, isoformat, later
from fssim.store import Database

__all__ = ["ForcedFailure", "ForcedFailures"]

_COLLECTION = "fs_forced_failures"


@dataclass(frozen=True)
class ForcedFailure:
    """One forced answer: status, body message and the ``Retry-After`` to send (if any)."""

    status: int
    message: str
    retry_after: int | None


class ForcedFailures:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._rules = db.collection(_COLLECTION)
        self._index = self._rules.index(lambda doc: doc["account"])

    def set(
        self,
        account: str,
        status: int,
        *,
        count: int | None = None,
        seconds: float | None = None,
        retry_after: int | None = None,
    ) -> dict[str, Any]:
        """Install the account's rule (replacing any); ``ValueError`` naming a bad argument."""
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"'status' must be an HTTP error status from 400 to 599, got {status!r}")
        if count is None and seconds is None:
            raise ValueError("give 'count' (the next N deliveries fail) or 'seconds' (fail for N simulated seconds)")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            raise ValueError(f"'count' must be a whole number >= 1, got {count!r}")
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, int | float)
            or not math.isfinite(seconds) or seconds <= 0
        ):
            raise ValueError(f"'seconds' must be a number > 0, got {seconds!r}")
        if retry_after is not None and (
            isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
        ):
            raise ValueError(f"'retry_after' must be a whole number of seconds >= 0, got {retry_after!r}")
        now = self._clock.now()
        until = later(now, seconds) if seconds is not None else None
        doc = {
            "account": account,
            "status": status,
            "remaining": count,
            "until": until.timestamp() if until else None,
            "until_iso": isoformat(until) if until else None,
            "retry_after": retry_after,
            "answered": 0,
        }
        with self._db.transaction():
            self.clear(account)
            self._rules.insert(doc)
        return self._public(doc)

    def clear(self, account: str) -> bool:
        """Remove the account's rule; True if there was one."""
        with self._db.transaction():
            ids = self._index.ids(account)
            for doc_id in ids:
                self._rules.delete(doc_id)
            return bool(ids)

    def get(self, account: str) -> dict[str, Any] | None:
        """The account's active rule, or ``None`` (an expired rule is dropped on the way)."""
        with self._db.transaction():
            doc = self._active(account)
            return self._public(doc) if doc else None

    def take(self, account: str) -> ForcedFailure | None:
        """The forced answer for one delivery to ``account`` (using one up), or ``None``: deliver normally."""
        with self._db.lock:
            if self._index.first(account) is None:
                return None  # the usual case, answered without a transaction
        with self._db.transaction():
            doc = self._active(account)
            if doc is None:
                return None
            doc_id = self._index.first(account)
            assert doc_id is not None
            updated = dict(doc)
            updated["answered"] = doc["answered"] + 1
            if doc["remaining"] is not None:
                updated["remaining"] = doc["remaining"] - 1
            if updated["remaining"] == 0:
                self._rules.delete(doc_id)
            else:
                self._rules.replace(doc_id, updated)
            return ForcedFailure(doc["status"], self._message(updated), self._retry_after(doc))

    def _active(self, account: str) -> dict[str, Any] | None:
        doc_id = self._index.first(account)
        if doc_id is None:
            return None
        doc = self._rules.get(doc_id)
        if doc is None:
            return None
        if doc["until"] is not None and self._clock.timestamp() >= doc["until"]:
            self._rules.delete(doc_id)
            return None
        return doc

    def _retry_after(self, doc: dict[str, Any]) -> int | None:
        if doc["status"] not in (429, 503):
            return None
        if doc["retry_after"] is not None:
            return int(doc["retry_after"])
        if doc["until"] is not None:
            return max(1, math.ceil(doc["until"] - self._clock.timestamp()))
        return 1

    def _message(self, doc: dict[str, Any]) -> str:
        parts = []
        if doc["remaining"] is not None:
            parts.append(f"{doc['remaining']} more forced answer(s) after this one")
        if doc["until_iso"] is not None:
            parts.append(f"until {doc['until_iso']} simulated time")
        return (
            f"Freshsales is failing on purpose (simulator forced failure, status {doc['status']}: "
            f"{', '.join(parts)}); clear it with DELETE /_sim/accounts/{doc['account']}/failures"
        )

    def _public(self, doc: dict[str, Any]) -> dict[str, Any]:
        return {
            "account": doc["account"],
            "status": doc["status"],
            "remaining": doc["remaining"],
            "until": doc["until_iso"],
            "retry_after": doc["retry_after"],
            "answered": doc["answered"],
        }
