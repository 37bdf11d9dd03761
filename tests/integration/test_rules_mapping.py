"""R7 trait mapping and the message checks, as pure functions (no store needed)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fssim import strategies as fs
from fssim.integration import CustomField, check_message, is_fs_contact, map_traits, snake_case

CUSTOM = {"cf_alternate_number": CustomField("text"), "cf_score": CustomField("number"),
          "cf_vip": CustomField("checkbox"), "cf_renewal": CustomField("date"),
          "cf_tier": CustomField("dropdown", ("gold", "silver"))}


def ignored_names(traits: dict[str, Any], entity: str = "lead") -> list[str]:
    return [item.trait for item in map_traits(traits, CUSTOM, entity).ignored]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("trait", "field"),
    [("firstName", "first_name"), ("first_name", "first_name"), ("lastName", "last_name"),
     ("title", "job_title"), ("phone", "work_number"), ("jobTitle", "job_title"),
     ("mobileNumber", "mobile_number"), ("timeZone", "time_zone"), ("zipcode", "zipcode")],
)
def test_R7_camel_and_snake_traits_map_to_freshsales_fields(trait: str, field: str) -> None:
    mapped = map_traits({trait: "value"}, CUSTOM)
    assert mapped.fields == {field: "value"}
    assert mapped.ignored == ()


def test_R7_custom_traits_fill_existing_custom_fields_only() -> None:
    mapped = map_traits({"cfAlternateNumber": "555-0100", "cfScore": 7, "cfUnknown": "x"}, CUSTOM)
    assert mapped.fields == {"custom_field": {"cf_alternate_number": "555-0100", "cf_score": 7}}
    assert [(i.trait, "no custom field 'cf_unknown'" in i.reason) for i in mapped.ignored] == [("cfUnknown", True)]


@pytest.mark.parametrize(
    ("trait", "value"),
    [("cfScore", "seven"), ("cfScore", True), ("cfVip", "yes"), ("cfRenewal", "soon"), ("cfTier", "bronze")],
)
def test_R7_custom_value_of_the_wrong_type_is_ignored_with_the_reason(trait: str, value: Any) -> None:
    mapped = map_traits({trait: value, "firstName": "Ada"}, CUSTOM)
    assert mapped.fields == {"first_name": "Ada"}, "the rest of the traits still apply"
    (item,) = mapped.ignored
    assert item.trait == trait
    assert snake_case(trait) in item.reason


def test_R7_company_object_and_name() -> None:
    traits = {"company": {"name": "Initech", "employee_count": 40, "industry": "Software", "plan": "pro"}}
    mapped = map_traits(traits, CUSTOM)
    assert mapped.fields == {"company": {"name": "Initech", "number_of_employees": 40}}
    assert sorted(i.trait for i in mapped.ignored) == ["company.industry", "company.plan"]
    assert map_traits({"company": "Initech"}, CUSTOM).fields == {"company": {"name": "Initech"}}
    assert ignored_names({"company": {"industry": "x"}}) == ["company.industry", "company"]


def test_R7_company_is_a_lead_field_and_a_contact_s_sales_account() -> None:
    mapped = map_traits({"company": "Initech", "department": "R&D"}, CUSTOM, "contact")
    assert mapped.fields == {} and mapped.sales_account == {"name": "Initech"}
    assert sorted(i.trait for i in mapped.ignored) == ["department"]
    assert map_traits({"company": "Initech"}, CUSTOM, "lead").sales_account is None


def test_R7_deal_object_is_a_contact_s_deal_and_needs_a_name() -> None:
    mapped = map_traits({"deal": {"name": "Renewal", "amount": "1200", "stage": "x"}}, CUSTOM, "contact")
    assert mapped.deal == {"name": "Renewal", "amount": 1200} and mapped.fields == {}
    assert [i.trait for i in mapped.ignored] == ["deal.stage"]
    nameless = map_traits({"deal": {"amount": 5}}, CUSTOM, "contact")
    assert nameless.deal is None and [i.trait for i in nameless.ignored] == ["deal"]
    on_lead = map_traits({"deal": {"name": "Renewal"}}, CUSTOM, "lead")
    assert on_lead.deal is None and "convert the lead" in on_lead.ignored[0].reason


def test_R7_address_object_is_flattened_into_address_fields() -> None:
    traits = {"address": {"street": "1 Main St", "city": "Zürich", "postalCode": "8001", "country": "CH",
                          "planet": "Earth"}}
    mapped = map_traits(traits, CUSTOM)
    assert mapped.fields == {"address": "1 Main St", "city": "Zürich", "zipcode": "8001", "country": "CH"}
    assert [i.trait for i in mapped.ignored] == ["address.planet"]


def test_R7_unmapped_traits_are_reported_and_nulls_are_absent() -> None:
    assert ignored_names({"age": 31, "username": "ada", "avatar": "a.png", "lastName": None}) == [
        "age", "username", "avatar"]
    assert map_traits({"lastName": None}, CUSTOM).fields == {}


def test_R7_name_fills_first_and_last_only_when_they_are_absent() -> None:
    assert map_traits({"name": "Ada King Lovelace"}, CUSTOM).fields == {"first_name": "Ada King",
                                                                        "last_name": "Lovelace"}
    assert map_traits({"name": "Cher"}, CUSTOM).fields == {"last_name": "Cher"}
    assert map_traits({"name": "A B", "lastName": "X"}, CUSTOM).fields == {"last_name": "X"}


def test_R7_numbers_become_text_but_objects_do_not() -> None:
    mapped = map_traits({"phone": 5550100, "title": {"a": 1}}, CUSTOM)
    assert mapped.fields == {"work_number": "5550100"}
    assert [i.trait for i in mapped.ignored] == ["title"]


@pytest.mark.parametrize(
    ("traits", "expected"),
    [({"fs_contact": True}, True), ({"fsContact": "true"}, True), ({"fsContact": " TRUE "}, True),
     ({"fs_contact": False}, False), ({"fs_contact": "false"}, False), ({"fs_contact": 1}, False), ({}, False)],
)
def test_R5_fs_contact_forms(traits: dict[str, Any], expected: bool) -> None:
    assert is_fs_contact(traits) is expected
    assert "fs_contact" not in map_traits(traits, CUSTOM).fields, "R5: the flag is never stored"
    assert ignored_names(traits) == [], "the flag is read, not ignored"


@given(fs.supported_messages())
def test_valid_messages_pass_the_checks(message: dict[str, Any]) -> None:
    assert check_message(message) is None


@given(fs.invalid_messages())
def test_invalid_messages_are_400_naming_the_field(case: tuple[dict[str, Any], str]) -> None:
    message, field = case
    problem = check_message(message)
    assert problem is not None
    assert (problem.status, problem.field) == (400, field)
    assert field in problem.message or field == "body"


@given(st.one_of(fs.screen_messages(), fs.group_messages(), fs.alias_messages()))
def test_R9_screen_group_alias_are_501(message: dict[str, Any]) -> None:
    problem = check_message(message)
    assert problem is not None and problem.status == 501
    assert message["type"] in problem.message


@given(fs.traits())
def test_R7_every_trait_is_mapped_consumed_or_reported(traits: dict[str, Any]) -> None:
    mapped = map_traits(traits, CUSTOM)
    reported = {item.trait.split(".")[0] for item in mapped.ignored}
    consumed = {"email", "fs_contact", "fsContact", "name"}
    for key, value in traits.items():
        if value is None or key in consumed or key in reported:
            continue
        target = {"title": "job_title", "phone": "work_number"}.get(key, snake_case(key))
        stored = mapped.fields.get(target) or mapped.fields.get("custom_field", {}).get(target)
        assert stored is not None or key == "address", f"{key} was neither mapped nor reported"
