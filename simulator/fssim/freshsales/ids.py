"""One simulator-wide id sequence for every Freshsales object (records, notes, activities, views).

Real Freshsales ids are large integers (5005390567, 70042006456 in reference §2.4); starting above
2**32 catches clients that keep ids in 32-bit integers, and one sequence for all accounts means an id
never names two things, so a record id sent to the wrong account is a clean 404.

The sequence counts in memory and writes its next value with the data (one document, replaced on
every id), so a restart on the same file never hands out an id twice and handing one out reads nothing.
"""

from __future__ import annotations

from fssim.store import Database

__all__ = ["FIRST_ID", "IdSequence"]

FIRST_ID = 16_000_000_001
_COLLECTION = "fs_sequence"
_DOC = 1


class IdSequence:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._sequence = db.collection(_COLLECTION)
        self._next: int | None = None  # read from the store on first use

    def next(self) -> int:
        with self._db.lock:
            if self._next is None:
                stored = self._sequence.get(_DOC)
                self._next = FIRST_ID if stored is None else int(stored["next"])
            value = self._next
            self._next = value + 1
            if _DOC in self._sequence:
                self._sequence.replace(_DOC, {"next": self._next})
            else:
                self._sequence.insert({"next": self._next}, doc_id=_DOC)
            return value

    def forget(self) -> None:
        """After the database was cleared: start again from what is stored (nothing: :data:`FIRST_ID`)."""
        with self._db.lock:
            self._next = None
