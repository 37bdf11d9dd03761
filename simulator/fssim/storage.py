"""The two TinyDB storages behind :class:`fssim.store.Database`, alike to a transaction.

* :class:`AtomicJSONStorage` keeps the data in memory after one read and writes the whole file through a
  temporary file, ``fsync`` and ``os.replace``, so a crash leaves either the old file or the new one,
  never half of one. While held (inside a transaction) it only marks itself dirty and writes once, at
  the matching release.
* :class:`HeldMemoryStorage` is TinyDB's memory storage with the same hold/release interface (no-ops:
  there is no file to defer), so a transaction never needs to ask which storage it has.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from tinydb.storages import MemoryStorage, Storage

__all__ = ["AtomicJSONStorage", "HeldMemoryStorage", "Holding"]

Data = dict[str, dict[str, Any]]


class Holding(Protocol):
    """What a transaction needs of a storage: defer writes until the outermost transaction ends."""

    def hold(self) -> None: ...

    def release(self) -> None: ...


class AtomicJSONStorage(Storage):
    """A JSON file read once and rewritten atomically on every (coalesced) write."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._data: Data | None = None
        self._hold = 0
        self._dirty = False
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
        fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
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


class HeldMemoryStorage(MemoryStorage):
    """TinyDB's memory storage, holdable like :class:`AtomicJSONStorage`: there is no file to defer."""

    def hold(self) -> None:
        pass

    def release(self) -> None:
        pass
