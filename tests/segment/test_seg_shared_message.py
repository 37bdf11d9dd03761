"""One message is held once (issue 12, bounded memory): its event-log entry and every delivery entry share
the same enriched message, through retries and updates, and nothing a reader does writes into it."""

from __future__ import annotations

from fssim import open_fssim
from fssim.app import SimulatorConfig


def _stored_messages(fssim: object, table: str) -> list[object]:
    sim = fssim.sim  # type: ignore[attr-defined]
    # The stored documents themselves (not the copies readers get), to see what memory holds.
    documents = sim.db.collection(table)._table.documents()
    return [documents[key]["message"] for key in sorted(documents, key=int)]


def test_the_event_and_its_deliveries_hold_one_message_through_retries() -> None:
    with open_fssim(SimulatorConfig(frozen_clock=True)) as fssim:
        fssim.connect()
        fssim.fail(status=503, count=1)
        fssim.identify("ada@example.com", {"firstName": "Ada"})
        fssim.flush()  # the first attempt fails and the entry is rewritten
        fssim.advance(600)
        fssim.flush()
        [event_message] = _stored_messages(fssim, "segment_events")
        [delivery_message] = _stored_messages(fssim, "segment_deliveries")
        assert delivery_message is event_message
        assert fssim.deliveries()[0]["status"] == "delivered"


def test_reading_and_masking_the_logs_never_changes_the_stored_message() -> None:
    with open_fssim(SimulatorConfig(frozen_clock=True)) as fssim:
        fssim.connect()
        fssim.identify("ada@example.com", {"firstName": "Ada", "password": "secret"}, context={"ip": "1.2.3.4"})
        fssim.flush()
        [stored] = _stored_messages(fssim, "segment_events")
        before = repr(stored)
        read = fssim.call("GET", "/_sim/deliveries")["deliveries"][0]["message"]
        read["traits"]["firstName"] = "changed by a reader"
        fssim.events()[0]["message"]["traits"].clear()
        assert repr(stored) == before
