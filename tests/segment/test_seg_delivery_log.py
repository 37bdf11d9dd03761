"""The delivery log's writes as the deliverer makes them: an entry's new state is written without reading
it first, so a write for an entry a reset removed while its attempt was in flight must change nothing."""

from __future__ import annotations

from pathlib import Path

from fssim.segment.logs import DeliveryLog
from fssim.store import Database


def _pending(log: DeliveryLog) -> int:
    return log.add({"status": "pending", "user_id": "u1", "created_at": "2026-01-01T00:00:00.000Z",
                    "attempts": [], "message": {"type": "track", "event": "Signed Up"}})


def test_a_write_for_an_entry_a_reset_removed_changes_nothing() -> None:
    db = Database()
    log = DeliveryLog(db)
    delivery = log.current(_pending(log))
    assert delivery is not None
    db.clear()
    log.forget()  # what Segment.reset does after the store was cleared
    assert log.update(delivery["id"], {**delivery, "status": "delivered", "code": "success.200"}) is False
    assert log.query({}) == [] and log.counts() == {} and log.open_count() == 0


def test_a_write_keeps_the_key_order_and_counts_follow_the_status() -> None:
    log = DeliveryLog(Database())
    first, second = _pending(log), _pending(log)
    delivery = log.current(first)
    assert delivery is not None
    assert log.update(first, {**delivery, "status": "delivered", "code": "success.200", "finished_at": "x"})
    [written, pending] = log.query({})
    assert list(written) == ["id", "status", "user_id", "created_at", "attempts", "message", "code",
                             "finished_at"]
    assert (written["id"], written["status"], pending["id"]) == (first, "delivered", second)
    assert log.counts() == {"delivered": 1, "pending": 1} and log.open_count() == 1
    assert list(log.counts()) == ["delivered", "pending"]  # in the order of their first entries


def test_the_open_entries_the_deliverer_reads_follow_every_write_and_a_reopened_file(tmp_path: Path) -> None:
    path = tmp_path / "log.fssim.json"
    db = Database(path)
    log = DeliveryLog(db)
    first, second, third = _pending(log), _pending(log), _pending(log)
    for delivery_id, state in ((first, {"status": "awaiting-retry", "due": 5.0}), (second, {"status": "delivered"})):
        entry = log.stored(delivery_id)
        assert entry is not None
        assert log.update(delivery_id, {**entry, **state})
    # The deliverer's view (kept by the log, not read from the store) is what the store holds.
    expected = [(doc_id, {k: v for k, v in doc.items() if k != "id"}) for doc_id, doc in
                ((d["id"], d) for d in log.query({})) if doc["status"] in ("pending", "awaiting-retry")]
    assert [(doc_id, dict(entry)) for doc_id, entry in log.open_in_order()] == expected
    assert [doc_id for doc_id, _ in expected] == [first, third]
    db.close()

    db = Database(path)
    log = DeliveryLog(db)  # a file opened again: its open entries are read back from the store
    assert [(doc_id, dict(entry)) for doc_id, entry in log.open_in_order()] == expected
    stored_second = log.stored(second)
    assert stored_second is not None and stored_second["status"] == "delivered"
    db.close()
