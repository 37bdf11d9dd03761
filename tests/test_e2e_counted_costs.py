"""Counted costs of the end-to-end path that the CPU cuts of issue 12 removed (no timings: counts).

Each test failed before its cut: a write unpacked a record once per index key function, every
delivery decoded the same ``X-Segment-Settings`` header again, and an attempt deep-copied the message
it only sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fssim.freshsales import receiver_core
from fssim.freshsales.compact import CompactCollection, record_drops, unpack
from fssim.freshsales.shapes import blank_record
from fssim.segment.logs import DeliveryLog
from fssim.store import Database


def test_a_write_shows_its_indexes_the_whole_record_without_unpacking_it() -> None:
    unpacked: list[Mapping[str, Any]] = []

    def counting_unpack(raw: Mapping[str, Any]) -> dict[str, Any]:
        unpacked.append(raw)
        return unpack(raw)

    records = CompactCollection(Database().collection("records"), record_drops, counting_unpack)
    by_owner = records.sorted_index(lambda doc: [(doc["_account"], doc["_entity"])], lambda doc: doc["created_at"])
    by_email = records.multi_index(lambda doc: [doc["email"]] if doc.get("email") else [])
    by_external = records.index(lambda doc: doc.get("external_id"))
    lead = {**blank_record("lead", 1), "_account": "acme", "_entity": "lead", "email": "ada@example.com",
            "external_id": "u-1", "created_at": "2026-01-01T00:00:00+00:00"}

    records.insert(lead, doc_id=1)

    # Four key functions, no unpack: they are shown the document being written (it was four, then one).
    assert unpacked == []
    assert by_owner.ids(("acme", "lead")) and by_email.ids("ada@example.com") == {1}
    assert by_external.first("u-1") == 1
    changed = {**lead, "email": "grace@example.com"}
    records.replace(1, changed)
    assert len(unpacked) == 1  # the old document, once for its four keys; the new one not at all
    assert not by_email.ids("ada@example.com") and by_email.ids("grace@example.com") == {1}


def test_the_settings_header_is_decoded_once_per_header_text() -> None:
    receiver_core._decoded_settings_subdomain.cache_clear()
    headers = {"x-segment-settings": "eyJzdWJkb21haW4iOiAiYWNtZSJ9"}  # {"subdomain": "acme"}
    answers = [receiver_core._settings_subdomain(headers) for _ in range(5)]
    assert answers == [("acme", None)] * 5
    info = receiver_core._decoded_settings_subdomain.cache_info()
    assert (info.misses, info.hits) == (1, 4)
    assert receiver_core._settings_subdomain({"x-segment-settings": "not base64!"})[1] is not None


def test_an_attempt_reads_the_stored_message_while_readers_get_copies() -> None:
    log = DeliveryLog(Database())
    delivery_id = log.add({"status": "pending", "created_at": "2026-01-01T00:00:00.000Z",
                           "message": {"type": "track", "properties": {"plan": "pro"}}})
    for_attempt, for_reader = log.current(delivery_id), log.get(delivery_id)
    assert for_attempt == for_reader
    assert for_attempt is not None and for_reader is not None
    assert for_attempt["message"] is log.current(delivery_id)["message"]  # type: ignore[index]
    for_reader["message"]["properties"]["plan"] = "changed by a reader"
    assert log.current(delivery_id)["message"]["properties"]["plan"] == "pro"  # type: ignore[index]


def test_an_identify_and_a_track_unpack_no_record(monkeypatch: Any) -> None:
    """Creating a lead unpacks nothing for the indexes, and a page or track needs the record's owner,
    id and display name only: read from the stored text, not unpacked into a whole 55-field copy (it
    was, for every page and track)."""
    import asyncio
    import base64
    import json

    from fssim.app import Simulator, SimulatorConfig
    from fssim.freshsales import compact
    from fssim.wire import WireAnswer, WireRequest

    unpacked: list[Mapping[str, Any]] = []

    def counting_unpack(raw: Mapping[str, Any]) -> dict[str, Any]:
        unpacked.append(raw)
        return unpack(raw)

    monkeypatch.setattr(compact, "unpack", counting_unpack)  # before the simulator builds its collections
    sim = Simulator(SimulatorConfig(frozen_clock=True))
    sim.freshsales.accounts.create("acme", plan="garden", api_key="acme-key")
    sim.freshsales.accounts.set_segment_toggle("acme", True, source="web", via="test")
    auth = [("Authorization", "Basic " + base64.b64encode(b"acme-key:").decode())]

    def deliver(message: dict[str, Any]) -> dict[str, Any]:
        answer = asyncio.run(sim.receiver.exchange(WireRequest.of_json("POST", "/integrations/segment", auth, message)))
        assert isinstance(answer, WireAnswer)
        return dict(json.loads(answer.body))

    created = deliver({"type": "identify", "userId": "ada@example.com", "messageId": "m1",
                       "traits": {"firstName": "Ada", "lastName": "Lovelace"}})
    assert created["result"] == "created"
    # Every index over the records (the store's three, the dashboard listing's) is shown the new lead
    # as it is written: nothing decodes the text just encoded (the listing's index did, once per write).
    assert unpacked == []
    tracked = deliver({"type": "track", "userId": "ada@example.com", "event": "Signed Up", "messageId": "m2"})
    assert tracked["result"] == "activity_added" and tracked["record"]["id"] == created["record"]["id"]
    assert unpacked == []
    [item] = [i for i in sim.freshsales.timeline.activities("acme", "lead", created["record"]["id"])
              if i["action_type"] == "event"]
    assert item["targetable_name"] == "Ada Lovelace"
    sim.close()
