"""The record shapes declared in shapes.py are the ones the store keeps and the API answers."""

from __future__ import annotations

from typing import NotRequired, get_origin, get_type_hints

import pytest

from fssim.clock import Clock
from fssim.freshsales.service import Freshsales
from fssim.freshsales.shapes import _BLANKS, PublicRecord, RecordFields, StoredRecord, blank_record
from fssim.store import Database

LEAD_ONLY = {"department", "company", "deal", "lead_stage_id", "lead_quality", "stage_updated_time",
             "has_authority", "team_user_ids"}
CONTACT_ONLY = {"emails", "sales_accounts", "contact_status_id", "lifecycle_stage_id", "customer_fit"}


@pytest.fixture
def fs() -> Freshsales:
    service = Freshsales(Database(), Clock(frozen=True))
    service.accounts.create("acme", api_key="acme-key")
    return service


def test_the_entity_specific_fields_are_the_optional_ones() -> None:
    # Read from the hints: shapes.py postpones annotations, so __optional_keys__ cannot see NotRequired.
    hints = get_type_hints(RecordFields, include_extras=True)
    assert {name for name, hint in hints.items() if get_origin(hint) is NotRequired} == LEAD_ONLY | CONTACT_ONLY


@pytest.mark.parametrize(("entity", "own", "other"), [("lead", LEAD_ONLY, CONTACT_ONLY),
                                                      ("contact", CONTACT_ONLY, LEAD_ONLY)])
def test_records_have_exactly_the_declared_fields(
    fs: Freshsales, entity: str, own: set[str], other: set[str]
) -> None:
    fs.records.create("acme", entity, {"email": "ada@example.com", "first_name": "Ada"})
    found = fs.records.find_by_email("acme", "ada@example.com")
    assert found is not None
    record = fs.records.get("acme", entity, found.id)
    assert set(record) == set(PublicRecord.__annotations__) - other
    assert set(PublicRecord.__annotations__) - set(RecordFields.__annotations__) == {"links"}
    assert set(StoredRecord.__annotations__) - set(RecordFields.__annotations__) == {"_account", "_entity"}
    assert own <= set(record)


@pytest.mark.parametrize("entity", ["lead", "contact"])
def test_a_blank_record_has_fresh_empty_lists_and_dicts_of_its_own(entity: str) -> None:
    """blank_record makes each mutable default by calling its type, which holds only while every one of
    them is empty: a default with content would come out empty, and this fails."""
    first, second = blank_record(entity, 1), blank_record(entity, 2)
    template = _BLANKS[entity]
    assert first == {**template, "id": 1} and list(first) == list(template)
    containers = [name for name, value in template.items() if isinstance(value, list | dict)]
    assert containers and all(len({id(first[name]), id(second[name]), id(template[name])}) == 3 for name in containers)
    assert all(type(first[name]) is type(template[name]) for name in containers)
