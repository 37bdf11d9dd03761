"""What a REST read copies (issue 12: REST server CPU). Counted, not timed.

``GET /api/leads/{id}`` encodes the record at once, so it answers from a record whose lists and dicts
are not copied again (``public(..., copy=False)``); every other caller of ``Records.get`` still gets a
deep copy it may change freely. Both give the same record, key for key and in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim import strictjson
from fssim.app import Simulator
from fssim.freshsales import shapes
from fssim.freshsales.shapes import public

HEADERS = {"Authorization": "Token token=acme-key"}


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every value ``shapes.public`` deep-copies."""
    copied: list[Any] = []

    def counting(value: Any) -> Any:
        copied.append(value)
        return strictjson.deep_copy(value)

    monkeypatch.setattr(shapes, "strictjson", SimpleNamespace(ATOMS=strictjson.ATOMS, deep_copy=counting))
    yield copied


def test_a_rest_read_copies_none_of_the_records_values(
        sim: Simulator, client: TestClient, copies: list[Any]) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    made = client.post("/api/leads", json={"lead": {"email": "ada@example.com", "tags": ["vip"]}}, headers=HEADERS)
    assert made.status_code == 201, made.text
    copies.clear()
    read = client.get(f"/api/leads/{made.json()['lead']['id']}", headers=HEADERS)
    assert read.status_code == 200 and read.json() == made.json()
    assert copies == []  # before: tags, phone_numbers and custom_field were copied, then thrown away


def test_records_get_still_answers_a_copy_the_caller_may_change(sim: Simulator, copies: list[Any]) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    made = sim.freshsales.records.create("acme", "lead", {"email": "ada@example.com", "tags": ["vip"]})
    record = sim.freshsales.records.get("acme", "lead", made["id"])
    assert copies, "the default read copies the record's lists and dicts"
    record["tags"].append("changed")
    record["custom_field"]["cf_x"] = 1
    again = sim.freshsales.records.get("acme", "lead", made["id"])
    assert again["tags"] == ["vip"] and again["custom_field"] == {}


_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                   max_size=3), max_leaves=8)


@settings(max_examples=200)
@given(extra=st.dictionaries(st.sampled_from(["tags", "custom_field", "company", "_x", "", "links", "zz"]), _VALUES,
                             max_size=4),
       product=st.sampled_from(["sales", "suite"]))
def test_the_shared_read_is_the_copy_key_for_key(extra: dict[str, Any], product: str) -> None:
    doc: Any = {**shapes.blank_record("lead", 7), **extra, "_account": "acme", "_entity": "lead"}
    copied, shared = public(doc, product), public(doc, product, copy=False)
    assert list(copied.items()) == list(shared.items())
    assert not any(key.startswith("_") for key in copied)
    # What public answered before, written out: every key but the "_" ones, in order, then the links.
    expected = {key: value for key, value in doc.items() if key[:1] != "_"}
    expected["links"] = shapes.links("lead", 7, product)
    assert list(copied.items()) == list(expected.items())


def test_a_rest_create_copies_none_of_the_records_values(
        sim: Simulator, client: TestClient, copies: list[Any]) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    made = client.post("/api/leads", json={"lead": {"email": "ada@example.com", "tags": ["vip"]}}, headers=HEADERS)
    assert made.status_code == 201, made.text
    assert made.json()["lead"]["tags"] == ["vip"]
    # No copy at all: the blank record's empty lists and dicts are made new, not copied (they were the
    # only copies); before, the answer copied the record's values again (its tags among them), then
    # threw them away.
    assert copies == [], copies
    read = client.get(f"/api/leads/{made.json()['lead']['id']}", headers=HEADERS)
    assert read.json() == made.json()


def test_records_create_still_answers_a_copy_the_caller_may_change(sim: Simulator) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    made = sim.freshsales.records.create("acme", "lead", {"email": "ada@example.com", "tags": ["vip"]})
    made["tags"].append("changed")
    assert sim.freshsales.records.get("acme", "lead", made["id"])["tags"] == ["vip"]
