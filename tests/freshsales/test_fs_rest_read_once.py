"""A REST read of a lead or contact makes its answer from the stored text in one pass (issue 12: REST CPU).

``GET /api/leads/{id}`` used to decode the stored text with the record's private fields, put every
default back (``unpack``), then copy that whole document again to drop the private fields and add the
links (``public``). Now it reads the public fields straight from the text (``compact.text_fields``) and
adds the links to that dict. Counted, not timed; and the record read so is the one the whole read gives,
key for key, in the same order.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales import compact, records
from fssim.freshsales.compact import from_text, record_drops, text_fields, to_text, unpack
from fssim.freshsales.rest import answer_text
from fssim.freshsales.shapes import blank_record

HEADERS = {"Authorization": "Token token=acme-key"}


@pytest.fixture
def whole_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often a stored record is decoded whole (``from_text``) and copied again for an answer (``public``)."""
    counted: Counter[str] = Counter()

    def counting(module: Any, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counted[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(compact, "from_text")
    counting(records, "public")
    counting(answer_text, "_plain")
    yield counted


def test_a_rest_read_decodes_the_stored_text_once_and_copies_nothing_whole(
        sim: Simulator, client: TestClient, whole_reads: Counter[str]) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    for path, entity, body in (("leads", "lead", {"email": "ada@example.com", "first_name": "Ada"}),
                               ("contacts", "contact", {"emails": ["bo@example.com"], "first_name": "Bo"})):
        made = client.post(f"/api/{path}", json={entity: body}, headers=HEADERS)
        assert made.status_code == 201, made.text
        whole_reads.clear()
        read = client.get(f"/api/{path}/{made.json()[entity]['id']}", headers=HEADERS)
        assert read.status_code == 200 and read.json() == made.json()
        walks = 0 if entity == "lead" else whole_reads.pop("_plain")  # a contact's text holds its emails: walked
        assert walks >= 0 and whole_reads == Counter()  # before: from_text and public once each, a lead's walk 2


def test_a_record_the_store_cannot_vouch_for_is_walked_and_answered_as_json_writes_it(
        sim: Simulator, client: TestClient, whole_reads: Counter[str]) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    for body in ({"email": "ada@example.com", "tags": ["vip"]}, {"email": "zoe@example.com", "first_name": "Zoé"}):
        made = client.post("/api/leads", json={"lead": body}, headers=HEADERS)
        assert made.status_code == 201, made.text
        whole_reads.clear()
        read = client.get(f"/api/leads/{made.json()['lead']['id']}", headers=HEADERS)
        assert read.status_code == 200 and read.content == json.dumps(made.json(), separators=(",", ":")).encode()
        assert whole_reads["_plain"] >= 1  # a list in the text, or a text kept by json: walked as before


def test_a_missing_or_foreign_record_is_still_a_404(sim: Simulator, client: TestClient) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    sim.freshsales.accounts.create("other", api_key="other-key")
    lead = sim.freshsales.records.create("other", "lead", {"email": "ada@example.com"})
    for path in (f"/api/leads/{lead['id']}", f"/api/contacts/{lead['id']}", "/api/leads/999999"):
        answer = client.get(path, headers=HEADERS)
        assert answer.status_code == 404 and answer.json()["errors"]["code"] == 404, answer.text


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.floats(allow_nan=False), st.text(max_size=3),
                    st.just([]), st.just({}), st.lists(st.integers(0, 3), max_size=2),
                    st.dictionaries(st.text(max_size=2), st.none(), max_size=2))


@given(entity=st.sampled_from(["lead", "contact"]), changes=st.dictionaries(
    st.sampled_from([*blank_record("contact", 0), *blank_record("lead", 0), "cf_x", "links", "other"]), _VALUES))
def test_the_text_fields_are_the_whole_records_public_fields_in_order(entity: str, changes: dict[str, Any]) -> None:
    doc = blank_record(entity, 7)
    doc.update(changes)
    doc["_account"], doc["_entity"] = "acme", entity
    stored = to_text(doc, record_drops(doc))
    whole = {key: value for key, value in unpack(from_text(stored)).items() if key[:1] != "_"}
    read = text_fields(stored, entity)
    if next(iter(stored)) != "_orjson":
        assert read is None  # kept another way: the whole read reads it
        return
    assert read is not None
    fields, scalars = read
    assert list(fields.items()) == list(whole.items())
    if scalars:  # what the store vouches for is what the answer's walk would find: a plain tree
        assert answer_text._plain(fields.values())
    for key, value in blank_record(entity, 0).items():
        if isinstance(value, list | dict) and key not in changes:
            assert fields[key] is not value  # the reader's own empty list or dict, never the blank's


def test_a_record_kept_whole_or_as_jsons_text_reads_as_before(sim: Simulator) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    accented = sim.freshsales.records.create("acme", "lead", {"email": "zoe@example.com", "first_name": "Zoé"})
    stored = sim.freshsales.records.documents.stored(accented["id"])
    assert stored is not None and next(iter(stored)) == "_packed"  # not ASCII: json's text
    assert sim.freshsales.records.get("acme", "lead", accented["id"], copy=False) == accented
