"""Records and timeline items are stored compact and read back exactly (issue 12: memory per stored lead).

Packing must never change an answer: every document reads back equal *and in the same key order*
(JSON answers keep dict order), whatever its fields hold; and a stored lead holds far fewer keys.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import assume, example, given
from hypothesis import strategies as st

from fssim.app import Simulator, SimulatorConfig
from fssim.freshsales.compact import from_text, pack, record_drops, to_text, unpack
from fssim.freshsales.compact_items import item_drops, pack_item, unpack_item
from fssim.freshsales.shapes import blank_record

_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.text(max_size=3), st.just([]), st.just({}),
                    st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.text(max_size=2), st.none(),
                                                                              max_size=2))


@given(entity=st.sampled_from(["lead", "contact"]), changes=st.dictionaries(
    st.sampled_from([*blank_record("contact", 0), *blank_record("lead", 0), "cf_x", "other"]), _VALUES))
def test_a_record_reads_back_equal_and_in_the_same_order(entity: str, changes: dict[str, Any]) -> None:
    doc = blank_record(entity, 7)
    doc.update(changes)
    doc["_account"], doc["_entity"] = "acme", entity
    stored = to_text(doc, record_drops(doc))
    assert stored == to_text(pack(doc))  # dropping and encoding in one pass stores what two passes did
    back = unpack(from_text(stored))
    assert back == doc
    assert list(back) == list(doc)
    assert all(type(back[key]) is type(doc[key]) for key in doc)  # lead_score False stays False, not 0


@given(activity=st.dictionaries(st.sampled_from(["action_type", "user_activity", "composite_id", "actionable_type",
                                                 "actionable_id", "note", "_x", "automation"]), _VALUES),
       at=st.floats(0, 4e9), moved=st.booleans())
def test_a_timeline_item_reads_back_equal_and_in_the_same_order(activity: dict[str, Any], at: float,
                                                                moved: bool) -> None:
    from datetime import UTC, datetime

    from fssim.clock import isoformat

    item = {"id": 9, "actionable_type": "Lead", "actionable_id": 3, "targetable_type": "Lead", "targetable_id": 3,
            "targetable_name": "Ada", "user_activity": False, "composite_id": "Lead-3-9", "automation": False,
            "action_data": {}, **activity, "created_at": isoformat(datetime.fromtimestamp(at, tz=UTC))}
    stored = {**item, "_account": "acme", "_entity": "contact" if moved else "lead", "_record_id": 3, "_at": at}
    packed = to_text(stored, item_drops(stored))
    assert packed == to_text(pack_item(stored))
    back = unpack_item(from_text(packed))
    assert back == stored
    assert list(back) == list(stored)


def test_a_stored_lead_and_its_timeline_item_keep_only_what_they_cannot_derive() -> None:
    sim = Simulator(SimulatorConfig(frozen_clock=True))
    sim.freshsales.accounts.create("acme", plan="forest", api_key="k")
    lead = sim.freshsales.records.create("acme", "lead", {"email": "ada@example.com", "last_name": "Lovelace"})
    [(_, raw)] = sim.db.collection("fs_records").items()
    assert list(raw) == ["_orjson", "_account", "_entity"]  # one text and the owner, not a dict of fields
    stored = from_text(raw)
    assert len(stored) < len(lead) / 3  # about 55 fields answered, a dozen kept
    [(_, raw_item)] = sim.db.collection("fs_activities").items()
    item = from_text(raw_item)
    assert "composite_id" not in item and "created_at" not in item
    assert sim.freshsales.records.get("acme", "lead", lead["id"]) == lead
    [created] = sim.freshsales.timeline.activities("acme", "lead", lead["id"])
    assert created["composite_id"] == f"Lead-{lead['id']}-{created['id']}"
    assert list(created)[:3] == ["id", "actionable_type", "actionable_id"] and list(created)[-1] == "created_at"


_KEYS = st.one_of(st.text(max_size=2), st.sampled_from(["_a", "_packed", "_orjson"]), st.integers(0, 2))
# What orjson writes otherwise than json, or not at all: integers past 64 bits, text past ASCII, lone
# surrogates, floats with exponents, infinity.
_ORJSON_EDGES = st.sampled_from([2**64, 2**64 - 1, -2**63 - 1, 2**70, "é", "雪", "😀", "\ud800", "a\x00\x7f",
                                 1e16, 1e-7, 5e-324, float("inf"), -0.0])
_ODD_VALUES = st.one_of(_VALUES, st.floats(allow_nan=True), st.tuples(st.integers()), st.lists(st.floats(), max_size=2),
                        _ORJSON_EDGES, st.lists(_ORJSON_EDGES, max_size=2), st.integers(), st.text(max_size=3))


@given(doc=st.dictionaries(_KEYS, _ODD_VALUES, max_size=4))
def test_a_document_kept_as_text_reads_back_exactly_or_stays_a_dict(doc: dict[str, Any]) -> None:
    """NaN, tuples and int keys cannot round-trip through JSON, nor private fields amid public ones be
    put back in their place: those documents are stored as they are. (One that begins with a
    ``_packed`` or ``_orjson`` field is not: records and timeline items begin with their ``id``.)"""
    assume(not doc or next(iter(doc)) not in ("_packed", "_orjson"))
    stored = to_text(doc)
    back = from_text(stored)
    assert back == doc or (back is doc and stored is doc)
    assert list(back) == list(doc)
    assert all(type(back[key]) is type(doc[key]) for key in doc)


def test_a_document_stored_whole_before_reads_as_itself() -> None:
    """A --db file written before the texts: its whole documents still read back, unchanged."""
    item = {"id": 9, "action_type": "note", "_packed": 1}
    assert from_text(item) is item


def test_texts_written_by_json_before_read_back_as_they_were() -> None:
    """A --db file of packed texts written by json (``_packed``): an integer past 64 bits stays exact
    (orjson would read it as a float), escapes read as their characters."""
    raw = {"_packed": '{"id":3,"n":123456789012345678901234567890,"name":"Lovelac\\u00e9","x":1e+16}',
           "_account": "acme"}
    assert from_text(raw) == {"id": 3, "n": 123456789012345678901234567890, "name": "Lovelacé", "x": 1e16,
                              "_account": "acme"}


def test_only_ascii_text_is_written_by_orjson() -> None:
    """orjson's text is kept only when it is ASCII: a character past Latin-1 would make CPython keep the
    whole text at 2 or 4 bytes a character; json's escapes keep it at one."""
    assert list(to_text({"id": 1, "name": "Ada", "_account": "acme"})) == ["_orjson", "_account"]
    stored = to_text({"id": 1, "name": "雪", "_account": "acme"})
    assert list(stored) == ["_packed", "_account"] and stored["_packed"].isascii()
    assert list(to_text({"id": 1, "n": 2**64, "_account": "acme"})) == ["_packed", "_account"]


_ITEM_KEYS = st.sampled_from(["action_type", "action_data", "note", "source", "user_activity", "automation",
                              "composite_id", "actionable_type", "actionable_id", "targetable_type", "targetable_id",
                              "targetable_name", "id", "created_at", "_x"])
_ITEM_VALUES = st.one_of(_VALUES, st.sampled_from(["Lead", "Contact", 3, 4, "Lead-3-9", "Contact-3-9", "update-2"]))


@given(data=st.dictionaries(_ITEM_KEYS, _ITEM_VALUES, max_size=6), entity=st.sampled_from(["lead", "contact", "deal"]),
       at=st.floats(0, 4e9), other_time=st.booleans(), name=st.one_of(st.none(), st.text(max_size=3)))
def test_an_item_packed_straight_from_its_data_is_stored_as_the_whole_item_would_be(
        data: dict[str, Any], entity: str, at: float, other_time: bool, name: str | None) -> None:
    """Timeline stores the receiver's items packed straight from their data (packed_item): exactly what
    packing the whole item stores, or None and the whole item is packed."""
    from datetime import UTC, datetime

    from fssim.clock import isoformat
    from fssim.freshsales.compact_items import packed_item
    from fssim.freshsales.timeline import TIMELINE_TYPES

    created_at = "2020-01-01T00:00:00+00:00" if other_time else isoformat(datetime.fromtimestamp(at, tz=UTC))
    kind = TIMELINE_TYPES[entity]
    item = {"id": 9, "actionable_type": kind, "actionable_id": 3, "targetable_type": kind, "targetable_id": 3,
            "targetable_name": name, "user_activity": False, "composite_id": f"{kind}-3-9", "automation": False,
            "action_data": {}, **data, "created_at": created_at}
    private = {"_account": "acme", "_entity": entity, "_record_id": 3, "_at": at}
    whole = {**item, **private}
    packed = packed_item(9, entity, 3, name, data, created_at, private)
    if packed is None:
        assert entity == "deal" or {"id", "created_at", "_x"} & set(data)
        return
    assert packed == to_text(whole, item_drops(whole), exact=True)
    back = unpack_item(from_text(packed))
    assert back == whole and list(back) == list(whole)


@given(moment=st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(9998, 12, 30), timezones=st.just(UTC))
       | st.builds(lambda second: datetime.fromtimestamp(second, tz=UTC).replace(microsecond=999_999),
                   st.integers(-2_000_000_000, 4_000_000_000)))
@example(moment=datetime(8024, 9, 27, 8, 24, 49, 999_993, tzinfo=UTC))  # timestamp() rounds it up a second
def test_an_item_time_printed_from_its_instant_is_dropped_only_when_derived_again(moment: datetime) -> None:
    """Timeline says created_at was printed from the instant ``_at`` was taken from: packing then skips
    printing ``_at`` again, and stores exactly what comparing the two texts stores."""
    from fssim.clock import isoformat
    from fssim.freshsales.compact_items import packed_item

    data = {"action_type": "event", "action_data": {"name": "E"}}
    private = {"_account": "acme", "_entity": "lead", "_record_id": 3, "_at": moment.timestamp()}
    packed = packed_item(9, "lead", 3, "Ada", data, isoformat(moment), private, printed_from_at=True)
    assert packed == packed_item(9, "lead", 3, "Ada", data, isoformat(moment), private)
    assert packed is not None and unpack_item(from_text(packed))["created_at"] == isoformat(moment)


@given(entity=st.sampled_from(["lead", "contact"]), name=st.one_of(st.none(), st.text(max_size=4)),
       at=st.floats(-4e9, 4e10), other_time=st.booleans(), printed_from_at=st.booleans())
def test_a_created_item_packed_from_its_template_is_the_item_packed_from_its_data(
        entity: str, name: str | None, at: float, other_time: bool, printed_from_at: bool) -> None:
    """A record's "created" item is packed by a template (packed_created), not by the walk of packed_item:
    the same stored item whatever the owner's name (json's text when not ASCII) and time."""
    from datetime import UTC, datetime

    from fssim.clock import isoformat
    from fssim.freshsales.compact_items import created_data, packed_created, packed_item

    created_at = "2020-01-01T00:00:00+00:00" if other_time else isoformat(datetime.fromtimestamp(at, tz=UTC))
    printed_from_at = printed_from_at and not other_time
    private = {"_account": "acme", "_entity": entity, "_record_id": 3, "_at": at}
    packed = packed_created(9, entity, 3, name, created_at, private, printed_from_at=printed_from_at)
    assert packed is not None
    assert packed == packed_item(9, entity, 3, name, created_data(entity), created_at, private,
                                 printed_from_at=printed_from_at)
    assert list(packed) == list(packed_item(9, entity, 3, name, created_data(entity), created_at, private) or ())
