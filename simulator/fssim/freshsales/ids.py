"""One simulator-wide id sequence for every Freshsales object (records, notes, activities, views).

Real Freshsales ids are large integers (5005390567, 70042006456 in reference §2.4); starting above
2**32 catches clients that keep ids in 32-bit integers, and one sequence for all accounts means an id
never names two things, so a record id sent to the wrong account is a clean 404.
The next id lives in the database, so a restart on the same file never hands out an id twice.
"""

from __future__ import annotations

from fssim.store import Database

__all__ = ["FIRST_ID", "IdSequence"]

FIRST_ID = 16_000_000_001
_TABLE = "fs_sequence"
_DOC = 1


class IdSequence:
    def __init__(self, db: Database) -> None:
        self._db = db

    def next(self) -> int:
        with self._db.transaction():
            table = self._db.table(_TABLE)
            current = table.get(doc_id=_DOC)
            value = FIRST_ID if current is None else int(current["next"])
            if current is None:
                self._db.insert(table, {"next": value + 1}, doc_id=_DOC)
            else:
                table.update({"next": value + 1}, doc_ids=[_DOC])
            return value
