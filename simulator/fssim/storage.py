"""What the two TinyDB storages of :class:`fssim.store.Database` share: the interface a transaction
needs, the in-memory storage, and the atomic snapshot write of a ``--db`` file.

* :class:`Holding` is what a transaction and :class:`~fssim.tables.InPlaceTable` need of a storage:
  defer writes until the outermost transaction ends, and hear which documents changed, so a file
  storage can write only those (:class:`fssim.journal.JournaledStorage`).
* :class:`HeldMemoryStorage` is TinyDB's memory storage with that interface (no-ops: there is no file).
* :func:`write_snapshot` writes a whole TinyDB JSON database through a temporary file, ``fsync`` and
  ``os.replace``, so a crash leaves either the old file or the new one, never half of one. Its temporary
  files are named ``.<db name>.<random>.tmp`` beside the file: a process killed between ``mkstemp`` and
  ``os.replace`` leaves one behind, so opening and closing a database remove every such file of *this*
  database (never another file's), see :func:`stale_temporaries`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from tinydb.storages import MemoryStorage

__all__ = ["HeldMemoryStorage", "Holding", "remove_stale_temporaries", "stale_temporaries", "write_snapshot"]

Data = dict[str, dict[str, Any]]

# Documents serialized per call while a snapshot is written: each ``json.dumps`` holds the GIL from
# start to end, so a background compaction in chunks lets request threads run in between.
_CHUNK = 500


class Holding(Protocol):
    """What a transaction and a table need of a storage (both storages implement it)."""

    # Whether hold, release and changed do anything (a --db file's journal): the memory storage's do
    # nothing, so a transaction and a table write do not call them (three calls per record written).
    journals: bool

    def hold(self) -> None: ...

    def release(self) -> None: ...

    def changed(self, table: str, keys: Iterable[str], *, cleared: bool = False) -> None: ...


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}."


def stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """The temporary files a write of the database at ``path`` left behind (a ``kill -9`` mid-write).

    Only names this module makes for this very file match, so two databases in one folder never touch
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


def remove_stale_temporaries(path: Path) -> None:
    for stale in stale_temporaries(path):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def _chunks(data: Mapping[str, Mapping[str, Any]]) -> Iterable[str]:
    """``data`` as TinyDB JSON text, a few hundred documents per piece."""
    yield "{"
    for table_number, (name, documents) in enumerate(data.items()):
        yield ("," if table_number else "") + json.dumps(name) + ":{"
        keys = list(documents)
        for start in range(0, len(keys), _CHUNK):
            piece = {key: documents[key] for key in keys[start:start + _CHUNK]}
            yield ("," if start else "") + json.dumps(piece, separators=(",", ":"))[1:-1]
        yield "}"
    yield "}"


def write_snapshot(path: Path, data: Mapping[str, Mapping[str, Any]]) -> int:
    """Replace the file at ``path`` by ``data`` atomically and durably; returns the bytes written."""
    directory = path.parent
    fd, temporary = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=directory)
    written = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in _chunks(data):
                encoded = piece.encode("utf-8")
                handle.write(encoded)
                written += len(encoded)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
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
    return written


class HeldMemoryStorage(MemoryStorage):
    """TinyDB's memory storage, holdable like the journaled file storage: there is nothing to defer."""

    journals = False

    def hold(self) -> None:
        pass

    def release(self) -> None:
        pass

    def changed(self, table: str, keys: Iterable[str], *, cleared: bool = False) -> None:
        pass
