"""The ``--db FILE`` storage: a TinyDB JSON snapshot plus an append-only journal of changes.

Rewriting a whole JSON file for every write made a write cost grow with the database (968 ms per
pipeline message at 10k leads, issue 12). Here a write costs what it changes:

* **Journal** (``FILE.journal``, beside the snapshot): one line of JSON per committed transaction (or
  per lone write outside one), holding the new value of every document it changed (``null`` for a
  removed one), the tables it cleared, or, for TinyDB's own whole-database writes (``drop_tables``),
  the whole data. A line is appended and flushed to the OS in one ``write`` at the end of the outermost
  transaction, so a ``kill -9`` loses nothing that was acknowledged. Simulator policy: no ``fsync`` per
  line (a power cut may lose the last lines; the snapshot is always fsynced); ``fsync_journal=True``
  makes every line durable at the price of a disk flush per transaction.
* **Snapshot** (``FILE``): a plain TinyDB JSON database, written atomically
  (:func:`fssim.storage.write_snapshot`). Compaction folds the journal into it: in the background once
  the journal outgrows both :data:`COMPACT_AT_LEAST` and the snapshot itself (so the bytes written per
  change, compaction included, stay the same at any size), and in the foreground when the database is
  opened or closed. After a graceful stop there is no journal and ``TinyDB(FILE)`` opens the file.
* **Compaction without holding the lock for the write**: under the database lock the tables are copied
  (shallow: documents are replaced, never changed in place, by :class:`fssim.store.Collection`) and
  the journal is renamed to ``FILE.journal.compacting``; a thread writes the snapshot and then deletes
  that file. A crash in between leaves both journals: opening replays the old one, then the new one.
  Replaying a line that the snapshot already holds changes nothing (every line carries whole values).
* **Opening**: the snapshot (an old fssim's file, which has no journal, opens as it is), then the
  journals. A torn last line (a crash or a full disk mid-append) is ignored with a warning; a bad line
  anywhere else means the file is not a fssim journal (``ValueError``, before any banner).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tinydb.storages import Storage

from fssim.storage import Data, remove_stale_temporaries, write_snapshot

__all__ = ["COMPACT_AT_LEAST", "JournalStats", "JournaledStorage", "journal_paths"]

COMPACT_AT_LEAST = 4 * 1024 * 1024  # bytes of journal before a background compaction is worth it
_log = logging.getLogger("fssim.store")


def journal_paths(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The journal of the database at ``path``, and the one a running compaction is folding in."""
    path = Path(path)
    return path.with_name(path.name + ".journal"), path.with_name(path.name + ".journal.compacting")


@dataclass
class JournalStats:
    """Bytes and writes since the database was opened: the counted cost of persistence."""

    appends: int = 0
    bytes_appended: int = 0
    compactions: int = 0
    bytes_compacted: int = 0
    torn_lines_ignored: int = 0


def _load_snapshot(path: Path) -> Data:
    if not path.exists() or path.stat().st_size == 0:
        return {}
    with path.open(encoding="utf-8") as handle:
        try:
            data = json.load(handle)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"{path} is not a fssim database (invalid JSON: {error})") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a fssim database (top level is not an object)")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ValueError(f"{path} is not a fssim database (table {name!r} is not an object)")
    return data


def _apply(data: Data, line: dict[str, Any]) -> None:
    if "all" in line:
        data.clear()
        data.update(line["all"])
        return
    for name in line.get("c", ()):
        data[name] = {}
    for name, changes in line.get("d", {}).items():
        table = data.setdefault(name, {})
        for key, document in changes.items():
            if document is None:
                table.pop(key, None)
            else:
                table[key] = document


def _valid(line: object) -> bool:
    if not isinstance(line, dict):
        return False
    if "all" in line:
        return isinstance(line["all"], dict) and all(isinstance(t, dict) for t in line["all"].values())
    return (isinstance(line.get("c", []), list) and isinstance(line.get("d", {}), dict)
            and all(isinstance(changes, dict) for changes in line.get("d", {}).values()))


def _replay(journal: Path, data: Data, stats: JournalStats) -> bool:
    """Apply ``journal``'s lines to ``data``; whether it held anything. Ignores a torn last line."""
    if not journal.exists():
        return False
    raw = journal.read_bytes()
    lines = raw.split(b"\n")
    # Complete lines end with "\n": the last piece is empty unless the last append was cut short.
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        last = number == len(lines)
        try:
            line = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError):
            line = None
        if line is None or not _valid(line):
            if last or (number == len(lines) - 1 and not lines[-1]):
                _log.warning("%s: ignoring a torn last line (%d bytes) of an append a crash cut short",
                             journal, len(text))
                stats.torn_lines_ignored += 1
                continue
            raise ValueError(f"{journal} is not a fssim journal (line {number} is not a change record)")
        _apply(data, line)
    return bool(raw.strip())


class JournaledStorage(Storage):
    """A TinyDB storage over a snapshot file and its journal (see the module docstring)."""

    journals = True  # hold, release and changed keep the journal (storage.Holding)

    def __init__(self, path: str | os.PathLike[str], *, lock: threading.RLock | None = None,
                 compact_at_least: int = COMPACT_AT_LEAST, fsync_journal: bool = False) -> None:
        self.path = Path(path)
        self.journal_path, self.compacting_path = journal_paths(self.path)
        self.stats = JournalStats()
        self._lock = lock if lock is not None else threading.RLock()
        self._compact_at_least = compact_at_least
        self._fsync = fsync_journal
        self._hold = 0
        self._pending: dict[str, set[str]] = {}
        self._cleared: set[str] = set()
        self._whole = False
        self._compaction: threading.Thread | None = None
        self._closed = False
        self.compaction_error: BaseException | None = None
        # A crash mid-snapshot left at most a half-written temporary; the file itself is whole.
        remove_stale_temporaries(self.path)
        self._data: Data = _load_snapshot(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        replayed = _replay(self.compacting_path, self._data, self.stats)
        replayed = _replay(self.journal_path, self._data, self.stats) or replayed
        if replayed or not self.path.exists():
            # Fold what a crash left into the snapshot now, so appends never follow a torn line.
            self._snapshot_size = write_snapshot(self.path, self._data)
        else:
            self._snapshot_size = self.path.stat().st_size
        for journal in (self.compacting_path, self.journal_path):
            with contextlib.suppress(FileNotFoundError):
                journal.unlink()
        self._journal: IO[bytes] = self.journal_path.open("ab")
        self._journal_size = 0

    # -- TinyDB's storage interface --------------------------------------------------------------------

    def read(self) -> Data:
        return self._data

    def write(self, data: Data) -> None:
        """A whole-database write (TinyDB's ``drop_tables``): journaled as the whole data."""
        with self._lock:
            self._data = data
            self._whole = True
            self._commit_unless_held()

    def close(self) -> None:
        """Fold everything into the snapshot: after this the file is a plain TinyDB JSON database."""
        if self._closed:
            return
        while True:
            self.wait_for_compaction()
            with self._lock:
                if self._compaction is None:
                    self._close_under_lock()
                    break
        remove_stale_temporaries(self.path)

    def _close_under_lock(self) -> None:
        with self._lock:
            self._closed = True
            self._commit()
            self._journal.close()
            self.stats.bytes_compacted += write_snapshot(self.path, self._data)
            self.stats.compactions += 1
            for journal in (self.compacting_path, self.journal_path):
                with contextlib.suppress(FileNotFoundError):
                    journal.unlink()

    # -- what tables and transactions tell us ---------------------------------------------------------

    def changed(self, table: str, keys: Iterable[str], *, cleared: bool = False) -> None:
        with self._lock:
            if cleared:
                self._cleared.add(table)
                self._pending[table] = set()
            self._pending.setdefault(table, set()).update(keys)
            self._commit_unless_held()

    def hold(self) -> None:
        """Defer the journal line until the matching :meth:`release` (used by transactions)."""
        self._hold += 1

    def release(self) -> None:
        self._hold -= 1
        self._commit_unless_held()

    # -- the journal ----------------------------------------------------------------------------------

    def _commit_unless_held(self) -> None:
        if self._hold == 0:
            self._commit()

    def _line(self) -> dict[str, Any] | None:
        if self._whole:
            return {"all": self._data}
        changes = {}
        for name, keys in self._pending.items():
            if keys:
                table = self._data.get(name, {})
                changes[name] = {key: table.get(key) for key in keys}
        if not changes and not self._cleared:
            return None
        line: dict[str, Any] = {"d": changes}
        if self._cleared:
            line["c"] = sorted(self._cleared)
        return line

    def _commit(self) -> None:
        line = self._line()
        if line is None:
            return
        encoded = (json.dumps(line, separators=(",", ":")) + "\n").encode("utf-8")
        if self._journal.closed:
            # A write after close (a late background task while fssim stops): journal it all the same;
            # the next open replays it.
            self._journal = self.journal_path.open("ab")
            self._journal_size = self.journal_path.stat().st_size
        try:
            self._journal.write(encoded)
            self._journal.flush()  # to the OS: what a kill -9 cannot take back
            if self._fsync:
                os.fsync(self._journal.fileno())
        except BaseException:
            # Never leave half a line for the next append to follow: cut the journal back.
            with contextlib.suppress(OSError):
                self._journal.truncate(self._journal_size)
            raise
        self._pending.clear()
        self._cleared.clear()
        self._whole = False
        self._journal_size += len(encoded)
        self.stats.appends += 1
        self.stats.bytes_appended += len(encoded)
        if self._journal_size > max(self._compact_at_least, self._snapshot_size) and self._compaction is None:
            self._start_compaction()

    # -- compaction -----------------------------------------------------------------------------------

    def _start_compaction(self) -> None:
        """Under the lock: copy the tables and set the journal aside; a thread writes the snapshot."""
        copy = {name: dict(documents) for name, documents in self._data.items()}
        self._journal.close()
        if self.compacting_path.exists():
            # A compaction that failed earlier left its journal: keep its lines, then ours, in order.
            with self.compacting_path.open("ab") as older:
                older.write(self.journal_path.read_bytes())
                older.flush()
            self.journal_path.unlink()
        else:
            os.replace(self.journal_path, self.compacting_path)
        self._journal = self.journal_path.open("ab")
        self._journal_size = 0
        self._compaction = threading.Thread(target=self._compact, args=(copy,), name="fssim-compaction",
                                            daemon=True)
        self._compaction.start()

    def _compact(self, copy: Data) -> None:
        try:
            written = write_snapshot(self.path, copy)
            self.compacting_path.unlink()
        except BaseException as error:  # the journals still hold everything; the next compaction retries
            _log.warning("compacting %s failed (%s); its journal is kept", self.path, error)
            with self._lock:
                self.compaction_error = error
                self._compaction = None
            return
        with self._lock:
            self._snapshot_size = written
            self.stats.compactions += 1
            self.stats.bytes_compacted += written
            self._compaction = None

    def wait_for_compaction(self) -> None:
        """Return once no background compaction is running (tests; and :meth:`close`)."""
        with self._lock:
            running = self._compaction
        if running is not None:
            running.join()
