"""The two TinyDB storages behind :class:`fssim.store.Database`, alike to a transaction.

* :class:`AtomicJSONStorage` keeps the data in memory after one read and writes the whole file through a
  temporary file, ``fsync`` and ``os.replace``, so a crash leaves either the old file or the new one,
  never half of one. While held (inside a transaction) it only marks itself dirty and writes once, at
  the matching release. Its temporary files are named ``.<db name>.<random>.tmp`` beside the file: a
  process killed between ``mkstemp`` and ``os.replace`` leaves one behind, so opening and closing the
  storage remove every such file of *this* database (never another file's), see :func:`stale_temporaries`.
* :class:`HeldMemoryStorage` is TinyDB's memory storage with the same hold/release interface (no-ops:
  there is no file to defer), so a transaction never needs to ask which storage it has.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

from tinydb.storages import MemoryStorage, Storage

__all__ = ["AtomicJSONStorage", "HeldMemoryStorage", "Holding", "stale_temporaries"]

Data = dict[str, dict[str, Any]]


class Holding(Protocol):
    """What a transaction needs of a storage: defer writes until the outermost transaction ends."""

    def hold(self) -> None: ...

    def release(self) -> None: ...


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}."


def stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """The temporary files a write of the database at ``path`` left behind (a ``kill -9`` mid-write).

    Only names this storage makes for this very file match, so two databases in one folder never touch
    each other's files. Callers remove them only while they own the database (at open and at close);
    two processes on one ``--db`` file are not supported anyway (each would overwrite the other).
    """
    path = Path(path)
    # mkstemp's random part is 8 characters of [a-z0-9_]: anchoring on it keeps ``fssim.json``'s files
    # apart from those of a database called ``fssim.json.old`` in the same folder.
    name = re.compile(re.escape(_temporary_prefix(path)) + r"[a-z0-9_]{8}\.tmp")
    if not path.parent.is_dir():
        return []
    return sorted(entry for entry in path.parent.iterdir() if name.fullmatch(entry.name) and entry.is_file())


def _remove_stale_temporaries(path: Path) -> None:
    for stale in stale_temporaries(path):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


class AtomicJSONStorage(Storage):
    """A JSON file read once and rewritten atomically on every (coalesced) write."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._data: Data | None = None
        self._hold = 0
        self._dirty = False
        # A crash mid-write left at most a half-written copy; the file itself is whole (os.replace).
        _remove_stale_temporaries(self.path)
        if self.path.exists() and self.path.stat().st_size > 0:
            with self.path.open(encoding="utf-8") as handle:
                try:
                    self._data = json.load(handle)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{self.path} is not a fssim database (invalid JSON: {error})") from error
            if not isinstance(self._data, dict):
                raise ValueError(f"{self.path} is not a fssim database (top level is not an object)")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def read(self) -> Data | None:
        return self._data

    def write(self, data: Data) -> None:
        self._data = data
        if self._hold:
            self._dirty = True
        else:
            self._flush()

    def hold(self) -> None:
        """Defer file writes until the matching :meth:`release` (used by transactions)."""
        self._hold += 1

    def release(self) -> None:
        self._hold -= 1
        if self._hold == 0 and self._dirty:
            self._flush()

    def _flush(self) -> None:
        self._dirty = False
        directory = self.path.parent
        fd, temporary = tempfile.mkstemp(prefix=_temporary_prefix(self.path), suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._data or {}, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        # Make the rename itself durable.
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def close(self) -> None:
        if self._dirty:
            self._flush()
        _remove_stale_temporaries(self.path)


class HeldMemoryStorage(MemoryStorage):
    """TinyDB's memory storage, holdable like :class:`AtomicJSONStorage`: there is no file to defer."""

    def hold(self) -> None:
        pass

    def release(self) -> None:
        pass
