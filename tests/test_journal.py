"""The ``--db`` file as a snapshot plus a journal: a write costs what it changes at any size, a crash
loses nothing that was written to the OS, and a graceful stop leaves a plain TinyDB JSON database."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from tinydb import TinyDB

from fssim.journal import JournaledStorage, journal_paths
from fssim.store import Database

WRITES = 50


def _filled(path: Path, size: int, **options: Any) -> Database:
    db = Database(path, **options)
    people = db.collection("people")
    with db.transaction():
        for n in range(size):
            people.insert({"name": f"person {n}", "email": f"p{n}@example.com", "tags": ["a", "b"]})
    return db


def _process_bytes_written() -> int:
    """Bytes this process handed to ``write`` so far (Linux ``/proc/self/io``): storage-independent."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/self/io")


def _bytes_per_write(path: Path, size: int) -> float:
    db = _filled(path, size)
    people = db.collection("people")
    before = _process_bytes_written()
    for n in range(WRITES):
        people.insert({"name": f"new {n}", "email": f"new{n}@example.com", "tags": ["a", "b"]})
    written = _process_bytes_written() - before
    db.close()
    return written / WRITES


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts bytes through Linux /proc/self/io")
def test_a_write_costs_the_same_bytes_at_1k_and_at_10k_documents(tmp_path: Path) -> None:
    """Issue 12's reproduction: each write rewrote the whole file (bytes per write grew with the data)."""
    small = _bytes_per_write(tmp_path / "small.json", 1_000)
    large = _bytes_per_write(tmp_path / "large.json", 10_000)
    assert large <= small * 1.2, (small, large)
    assert large < 1_000  # a line of one ~80-byte document, not a copy of the database


def test_counted_bytes_with_compactions_stay_per_write_at_any_size(tmp_path: Path) -> None:
    """Compaction included: the journal is folded in once it outgrows the snapshot, so its cost per write
    is bounded by a constant, whatever the size."""
    per_write = {}
    for size in (1_000, 10_000):
        db = _filled(tmp_path / f"db{size}.json", size, compact_at_least=0)
        journal = db.journal
        assert journal is not None
        journal.wait_for_compaction()
        start_appended, start_compacted = journal.stats.bytes_appended, journal.stats.bytes_compacted
        people = db.collection("people")
        writes = size  # enough for the journal to outgrow the snapshot at least once
        for n in range(writes):
            people.insert({"name": f"new {n}", "email": f"new{n}@example.com", "tags": ["a", "b"]})
        journal.wait_for_compaction()
        assert journal.stats.compactions >= 1
        appended = journal.stats.bytes_appended - start_appended
        compacted = journal.stats.bytes_compacted - start_compacted
        per_write[size] = (appended / writes, compacted / writes)
        db.close()
        assert len(Database(tmp_path / f"db{size}.json").collection("people")) == size + writes
    (small_line, small_compacted), (large_line, large_compacted) = per_write[1_000], per_write[10_000]
    assert large_line <= small_line * 1.1
    assert large_compacted <= max(small_compacted, small_line) * 2.5, per_write


def test_a_graceful_close_leaves_a_tinydb_database_and_no_journal(tmp_path: Path) -> None:
    path = tmp_path / "fssim.json"
    db = _filled(path, 3)
    db.collection("people").delete(2)
    db.close()
    assert not any(p.exists() for p in journal_paths(path))
    stock = TinyDB(path)
    assert sorted(doc["name"] for doc in stock.table("people").all()) == ["person 0", "person 2"]
    stock.close()


def test_a_file_of_the_old_format_opens_and_keeps_growing(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"people": {"1": {"name": "Ada"}, "7": {"name": "Bob"}}}))
    db = Database(path)
    people = db.collection("people")
    assert people.insert({"name": "Cy"}) == 8
    db.close()
    assert json.loads(path.read_text())["people"]["8"] == {"name": "Cy"}


def test_without_a_close_the_journal_holds_every_write(tmp_path: Path) -> None:
    """What a kill -9 leaves: the snapshot of the open, and the journal; opening replays it."""
    path = tmp_path / "fssim.json"
    db = _filled(path, 5)
    people = db.collection("people")
    people.replace(1, {"name": "changed"})
    people.delete(3)
    people.clear()
    people.insert({"name": "after the clear"})
    assert json.loads(path.read_text()) == {}  # never compacted: only the journal has the data
    again = Database(path).collection("people")  # no close of the first: a crash
    assert [doc["name"] for _, doc in again.items()] == ["after the clear"]


def test_a_torn_last_line_is_ignored_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "fssim.json"
    db = _filled(path, 2)
    journal, _ = journal_paths(path)
    with journal.open("ab") as handle:
        handle.write(b'{"d":{"people":{"9":{"name":"ha')  # an append cut short by a crash
    with caplog.at_level(logging.WARNING, logger="fssim.store"):
        again = Database(path)
    assert "torn last line" in caplog.text
    people = again.collection("people")
    assert [doc["name"] for _, doc in people.items()] == ["person 0", "person 1"]
    assert again.journal is not None and again.journal.stats.torn_lines_ignored == 1
    people.insert({"name": "later"})  # appends start on a clean journal
    again.close()
    assert len(Database(path).collection("people")) == 3
    del db


def test_a_bad_line_before_the_last_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "fssim.json"
    path.write_text("{}")
    journal, _ = journal_paths(path)
    journal.write_text('this is not json\n{"d": {}}\n')
    with pytest.raises(ValueError, match="not a fssim journal"):
        Database(path)


def test_a_failed_compaction_keeps_its_journal_and_loses_nothing(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "fssim.json"
    db = _filled(path, 10)
    on_disk = path.read_bytes()

    def crash(*args: Any, **kwargs: Any) -> int:
        raise OSError("simulated crash during the snapshot write")

    monkeypatch.setattr("fssim.journal.write_snapshot", crash)
    storage = db.journal
    assert isinstance(storage, JournaledStorage)
    storage._compact_at_least = 0  # the next write starts a compaction, which fails
    people = db.collection("people")
    people.insert({"name": "during"})
    storage.wait_for_compaction()
    assert isinstance(storage.compaction_error, OSError)
    people.insert({"name": "after"})
    storage.wait_for_compaction()
    monkeypatch.undo()
    assert path.read_bytes() == on_disk  # the snapshot is the old one, whole
    again = Database(path).collection("people")  # a crash now: both journals are replayed
    assert [doc["name"] for _, doc in again.items()][-2:] == ["during", "after"]
    assert len(again) == 12


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text('{"people": [1, 2]}')
    with pytest.raises(ValueError, match="not a fssim database"):
        Database(path)


def test_ids_never_repeat_after_a_restart_with_or_without_a_close(tmp_path: Path) -> None:
    from fssim.freshsales.ids import BLOCK, IdSequence

    path = tmp_path / "fssim.json"
    ids = IdSequence(Database(path))
    handed_out = [ids.next() for _ in range(BLOCK + 5)]  # across a block boundary
    assert handed_out == list(range(handed_out[0], handed_out[0] + BLOCK + 5))  # dense while running
    reopened = Database(path)  # the first was never closed: a kill -9
    resumed = IdSequence(reopened)
    after_crash = [resumed.next() for _ in range(3)]
    assert min(after_crash) > max(handed_out)
    reopened.close()  # a graceful stop
    assert IdSequence(Database(path)).next() > max(after_crash)


def test_closing_during_a_background_compaction_waits_for_it_and_keeps_everything(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from fssim import journal as journal_module

    real_write = journal_module.write_snapshot
    started = threading.Event()

    def slow_write(path: Path, data: Any) -> int:
        started.set()
        time.sleep(0.3)  # the compaction is still writing when close() comes
        return real_write(path, data)

    path = tmp_path / "fssim.json"
    db = _filled(path, 20, compact_at_least=0)
    assert db.journal is not None
    db.journal.wait_for_compaction()
    monkeypatch.setattr(journal_module, "write_snapshot", slow_write)
    people = db.collection("people")
    while not started.is_set():
        people.insert({"name": "more"})
    people.insert({"name": "last"})
    closer = threading.Thread(target=db.close, daemon=True)
    closer.start()
    closer.join(timeout=30)
    assert not closer.is_alive(), "close() deadlocked with the compaction thread"
    monkeypatch.undo()
    assert not any(p.exists() for p in journal_paths(path))
    stock = TinyDB(path)
    names = [doc["name"] for doc in stock.table("people").all()]
    stock.close()
    assert names[-1] == "last" and len(names) == len(Database(path).collection("people"))


def test_a_write_after_close_is_journaled_and_replayed(tmp_path: Path) -> None:
    path = tmp_path / "fssim.json"
    db = _filled(path, 2)
    db.close()
    db.collection("people").insert({"name": "late"})  # e.g. a background task finishing while fssim stops
    names = [doc["name"] for _, doc in Database(path).collection("people").items()]
    assert names == ["person 0", "person 1", "late"]


def test_a_reset_is_journaled_and_replayed(tmp_path: Path) -> None:
    path = tmp_path / "fssim.json"
    db = _filled(path, 3)
    db.clear()  # POST /_sim/reset: TinyDB's drop_tables, a whole-database line
    db.collection("people").insert({"name": "after the reset"})
    reopened = Database(path).collection("people")  # without a close: replayed from the journal
    assert [doc["name"] for _, doc in reopened.items()] == ["after the reset"]
