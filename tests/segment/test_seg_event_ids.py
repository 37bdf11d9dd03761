"""An accepted message's event entry and its deliveries name each other by id, whatever happened to the
log before: a reset, entries that fell out of the window, a ``--db`` file opened again. (The event entry
is written after its deliveries, which name it by the id it is about to get.)"""

from __future__ import annotations

from pathlib import Path

from fssim.app import SimulatorConfig
from fssim.harness import Fssim, open_fssim


def _send(fssim: Fssim, *users: str) -> None:
    for user in users:
        fssim.identify(user, {"firstName": "Ada"})
    fssim.flush()


def _linked_event_ids(fssim: Fssim) -> list[int]:
    deliveries = {delivery["id"]: delivery for delivery in fssim.deliveries()}
    for event in fssim.events(status="accepted"):
        [routed] = event["destinations"]
        assert deliveries[routed["delivery_id"]]["event_id"] == event["id"]
        assert deliveries[routed["delivery_id"]]["message_id"] == event["message_id"]
    return [event["id"] for event in fssim.events()]


def test_events_and_deliveries_name_each_other_across_the_window_and_a_reset() -> None:
    with open_fssim(SimulatorConfig(frozen_clock=True, log_max_entries=3)) as fssim:
        fssim.connect()
        _send(fssim, "a@example.com", "b@example.com", "c@example.com", "d@example.com")
        assert _linked_event_ids(fssim) == [2, 3, 4]  # the window keeps the newest three
        fssim.reset()
        fssim.connect()
        _send(fssim, "e@example.com")
        assert _linked_event_ids(fssim) == [1]  # a reset starts the ids over, as it always did


def test_a_reopened_file_goes_on_above_its_ids(tmp_path: Path) -> None:
    config = SimulatorConfig(db_path=str(tmp_path / "fssim.json"), frozen_clock=True)
    with open_fssim(config) as fssim:
        fssim.connect()
        _send(fssim, "a@example.com", "b@example.com")
    with open_fssim(config) as fssim:
        [source] = fssim.sim.segment.sources()  # the file's: the harness of this run has not met it
        fssim.sim.segment.ingest("/v1/batch", [{"type": "identify", "userId": "c@example.com"}], {},
                                 source["write_key"])
        fssim.flush()
        assert _linked_event_ids(fssim) == [1, 2, 3]
