"""The messageIds a request sees first are remembered in one document written at its end: a repeat
inside the same batch, in a later batch, or after the ``--db`` file was opened again is still dropped,
and a file of an older fssim (one id per document) is read the same way."""

from __future__ import annotations

from pathlib import Path

from fssim.app import SimulatorConfig
from fssim.harness import Fssim, open_fssim


def _statuses(fssim: Fssim) -> list[tuple[str, str]]:
    return [(event["message_id"], event["status"]) for event in fssim.events()]


def _ingest(fssim: Fssim, *message_ids: str) -> None:
    [source] = fssim.sim.segment.sources()
    batch = [{"type": "track", "userId": "ada@example.com", "event": "Clicked", "messageId": message_id}
             for message_id in message_ids]
    fssim.sim.segment.ingest("/v1/batch", batch, {}, source["write_key"])


def test_repeats_in_the_same_batch_and_after_a_reopen_are_dropped(tmp_path: Path) -> None:
    config = SimulatorConfig(db_path=str(tmp_path / "fssim.json"), frozen_clock=True)
    with open_fssim(config) as fssim:
        fssim.connect()
        _ingest(fssim, "a", "b", "a")
        assert _statuses(fssim) == [("a", "accepted"), ("b", "accepted"), ("a", "duplicate")]
        assert len(fssim.sim.segment.dedupe) == 2
    with open_fssim(config) as fssim:
        _ingest(fssim, "b", "c")
        assert _statuses(fssim)[-2:] == [("b", "duplicate"), ("c", "accepted")]
        assert len(fssim.sim.segment.dedupe) == 3


def test_an_older_file_with_one_id_per_document_is_read_the_same_way() -> None:
    with open_fssim(SimulatorConfig(frozen_clock=True)) as fssim:
        fssim.connect()
        seen_at = fssim.sim.clock.timestamp()
        fssim.sim.segment.dedupe.seen.insert({"message_id": "old", "seen_at": seen_at})
        _ingest(fssim, "old", "new")
        assert _statuses(fssim) == [("old", "duplicate"), ("new", "accepted")]
        assert len(fssim.sim.segment.dedupe) == 2
