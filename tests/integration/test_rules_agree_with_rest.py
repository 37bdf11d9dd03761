"""One rule, one place: the Segment receiver's rules and the Freshsales REST API read a value the same way.

Two things used to have a definition on each side, and the two had drifted apart:

* what counts as an email (``"ada@example.com."`` was an email to the REST API, a database id to R4/R6);
* what a custom-field value becomes (``"3"`` and ``"true"`` were a number and a checkbox value to the
  REST API, the wrong type to R7).

Each now has one home (:mod:`fssim.integration.emails`, :mod:`fssim.integration.values`). The examples
go through the public surfaces (a REST create, a receiver identify); the properties hold the two paths
to the same answer for any input, drawn close to the boundaries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fs_world import World
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim import strategies as fs
from fssim.app import Simulator
from fssim.freshsales.fields import custom_field_spec, normalize_write
from fssim.integration import CustomField, coerce_value, is_email, map_traits, normalize_email

# -- emails ---------------------------------------------------------------------------------------------

# Characters where email checks go wrong: separators, every kind of space, letters beyond ASCII.
_TRICKY = "@.. \t\n\u00a0\u2003\u200bé\u00dfΩ_+-"


@st.composite
def near_emails(draw: st.DrawFn) -> str:
    """Strings at the edge of being an email: real ones, bent (a dot, a space or an "@" added or moved)."""
    email = draw(fs.emails())
    bends = st.sampled_from([".", "..", " ", "@", "@x", "\u00a0", "é", "\t", ".x", ""])
    where = draw(st.sampled_from(["end", "start", "at", "dot"]))
    bend = draw(bends)
    if where == "end":
        return email + bend
    if where == "start":
        return bend + email
    if where == "at":
        return email.replace("@", draw(st.sampled_from(["@", "@@", "@.", ".@", " @", "@ "])) + bend, 1)
    local, _, domain = email.partition("@")
    return f"{local}@{domain.replace('.', draw(st.sampled_from(['..', '.', '', '. ', '.@'])), 1)}"


def any_email_like() -> st.SearchStrategy[str]:
    return st.one_of(near_emails(), fs.email_variants("ada@example.com"), st.text(alphabet=_TRICKY + "ab", max_size=12),
                     st.text(max_size=20))


@pytest.mark.parametrize(
    ("text", "email"),
    [("ada@example.com", True), ("  Ada@Example.COM\n", True), ("ada+tag@mail.example.co.uk", True),
     ("josé@exämple.com", True), ("ada@example.com.", False), ("ada@example..com", False),
     ("ada@.example.com", False), ("ada@localhost", False), ("ada@@example.com", False),
     ("@example.com", False), ("ada@", False), ("ada lovelace@example.com", False),
     ("ada@exam ple.com", False), ("usr_123", False), ("", False)],
)
def test_what_counts_as_an_email(text: str, email: bool) -> None:
    assert is_email(text) is email


def test_emails_compare_trimmed_and_case_insensitive() -> None:
    assert normalize_email("  Ada@Example.COM\t") == normalize_email("ada@example.com") == "ada@example.com"


def _rest_takes_email(text: str) -> bool:
    """Whether the REST API's write check (the one every create and update runs) accepts ``text``."""
    return not normalize_write("lead", {"email": text}, {}).problems


def _rules_take_email(world: World, text: str) -> bool:
    """Whether the rules treat ``text`` as an email userId (R4), not as a database id (R6)."""
    outcome = world.apply({"type": "identify", "userId": text, "messageId": "m-1", "traits": {}})
    assert outcome.rule in ("R4", "R6"), outcome
    if outcome.rule == "R4":
        assert outcome.status == 200, f"the rules took {text!r} as an email and the store refused it: {outcome}"
    return outcome.rule == "R4"


@given(any_email_like().filter(lambda text: text.strip() != ""))
@example("ada@example.com.")
@example("ada@example..com")
@example("ada@localhost")
def test_the_rest_api_and_the_rules_classify_any_string_alike(new_world: Callable[[], World], text: str) -> None:
    rest = _rest_takes_email(text)
    assert rest is is_email(text)
    assert _rules_take_email(new_world(), text) is rest


@pytest.mark.parametrize(("email", "taken"), [("ada@example.com", True), ("ada@example.com.", False)])
def test_an_email_means_the_same_to_a_rest_create_and_a_receiver_identify(
    acme: Simulator, client: TestClient, email: str, taken: bool
) -> None:
    acme.freshsales.accounts.set_segment_toggle("acme", True, source="web", via="test")
    created = client.post("/api/leads", headers={"Authorization": "Token token=acme-key-0001"},
                          json={"lead": {"last_name": "Lovelace", "email": email}})
    identified = client.post("/integrations/segment", headers=_basic("acme-key-0001"),
                             json={"type": "identify", "userId": email, "messageId": "m-1"})
    if taken:
        assert created.status_code == 201
        assert (identified.status_code, identified.json()["result"]) == (200, "updated")
        assert identified.json()["record"] == {"type": "lead", "id": created.json()["lead"]["id"]}
    else:
        assert created.status_code == 400
        assert created.json()["errors"]["message"] == [f"Email {email} is invalid"]
        assert (identified.status_code, identified.json()["field"]) == (400, "traits.email"), \
            "a userId that is no email is a database id (R6), which needs traits.email"


def _basic(key: str) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


# -- custom-field values --------------------------------------------------------------------------------

DATE = CustomField("date")
TIER = CustomField("dropdown", ("gold", "silver"))


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [(CustomField("number"), "3", 3), (CustomField("number"), " 2.5 ", 2.5), (CustomField("number"), "1e3", 1000.0),
     (CustomField("number"), "-7", -7), (CustomField("number"), 7, 7), (CustomField("number"), 0.5, 0.5),
     (CustomField("checkbox"), "true", True), (CustomField("checkbox"), " FALSE ", False),
     (CustomField("checkbox"), True, True), (CustomField("text"), 5550100, "5550100"),
     (CustomField("text"), "  gold  ", "gold"), (CustomField("paragraph"), "two\nlines", "two\nlines"),
     (DATE, "2024-05-01", "2024-05-01"), (DATE, "2024-05-01T23:30:00-05:00", "2024-05-01"),
     (DATE, "2024-05-01T10:00:00Z", "2024-05-01"), (TIER, "gold", "gold")],
)
def test_what_a_custom_field_value_becomes(field: CustomField, value: Any, stored: Any) -> None:
    result = coerce_value(field, value)
    assert (type(result), result) == (type(stored), stored)


@pytest.mark.parametrize(
    ("field", "value"),
    [(CustomField("number"), "seven"), (CustomField("number"), "1_000"), (CustomField("number"), "nan"),
     (CustomField("number"), "inf"), (CustomField("number"), "1e999"), (CustomField("number"), "\u0663"),
     (CustomField("number"), True), (CustomField("number"), ""), (CustomField("checkbox"), "yes"),
     (CustomField("checkbox"), 1), (CustomField("checkbox"), "1"), (CustomField("text"), True),
     (CustomField("text"), {"a": 1}), (CustomField("text"), ["a"]), (DATE, "soon"), (DATE, "2024-13-01"),
     (DATE, 20240501), (TIER, "bronze"), (TIER, "Gold"), (TIER, " gold")],
)
def test_a_custom_field_refuses_what_does_not_fit(field: CustomField, value: Any) -> None:
    with pytest.raises(ValueError):
        coerce_value(field, value)


FIELDS: dict[str, CustomField] = {
    "cf_text": CustomField("text"), "cf_notes": CustomField("paragraph"), "cf_score": CustomField("number"),
    "cf_vip": CustomField("checkbox"), "cf_renewal": DATE, "cf_tier": TIER,
}
_SPECS = {name: custom_field_spec(name, field.type, choices=list(field.choices) or None)
          for name, field in FIELDS.items()}


def values() -> st.SearchStrategy[Any]:
    """Trait values near every type's boundary; not ``null``, which means "clear" to the REST API and
    "not sent" to the rules (both documented)."""
    spelled = st.sampled_from([
        "3", " 3 ", "+3", "-0", "3.", ".5", "2.50", "1e3", "1E-2", "1_000", "0x10", "nan", "inf", "-Infinity",
        "1e999", "\u0663", "", " ", "true", " TRUE ", "false", "yes", "1", "0", "gold", "Gold", " gold",
        "2024-05-01", "2024-05-01T23:30:00-05:00", "2024-05-01 10:00", "20240501", "2024-13-01", "soon",
    ])
    scalars = st.one_of(st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                        spelled, st.text(max_size=12), st.from_regex(r"[+-]?\d{1,4}(\.\d{0,3})?([eE][+-]?\d)?",
                                                                       fullmatch=True))
    return st.one_of(scalars, st.lists(scalars, max_size=2), st.dictionaries(st.text(max_size=3), scalars, max_size=1))


def _by_rest(name: str, value: Any) -> tuple[bool, Any]:
    write = normalize_write("lead", {"custom_field": {name: value}}, _SPECS)
    return (not write.problems, write.custom.get(name))


def _by_rules(name: str, value: Any) -> tuple[bool, Any]:
    trait = "cf" + "".join(part.capitalize() for part in name.removeprefix("cf_").split("_"))
    mapped = map_traits({trait: value}, FIELDS)
    custom = mapped.fields.get("custom_field", {})
    return (name in custom, custom.get(name))


@given(st.sampled_from(sorted(FIELDS)), values())
@example("cf_score", "3")
@example("cf_vip", "true")
@example("cf_renewal", "2024-05-01T10:00:00Z")
def test_a_custom_field_value_is_coerced_alike_on_both_paths(name: str, value: Any) -> None:
    rest, rules = _by_rest(name, value), _by_rules(name, value)
    assert rest == rules
    assert type(rest[1]) is type(rules[1]), "3 and 3.0 are equal, but a client reads them differently"


def test_a_custom_value_lands_alike_from_a_rest_create_and_a_receiver_identify(
    acme: Simulator, client: TestClient
) -> None:
    """acme defines cf_score (number), cf_vip (checkbox) and cf_plan (text): tests/integration/fs_world.py."""
    acme.freshsales.accounts.set_segment_toggle("acme", True, source="web", via="test")
    token = {"Authorization": "Token token=acme-key-0001"}
    created = client.post("/api/leads", headers=token, json={"lead": {
        "email": "rest@example.com", "custom_field": {"cf_score": "3", "cf_vip": "true", "cf_plan": " pro "}}})
    assert created.status_code == 201, created.text
    identified = client.post("/integrations/segment", headers=_basic("acme-key-0001"), json={
        "type": "identify", "userId": "segment@example.com", "messageId": "m-1",
        "traits": {"cfScore": "3", "cfVip": "true", "cfPlan": " pro "}})
    assert identified.status_code == 200, identified.text
    assert identified.json()["ignored_traits"] == []
    by_rest = client.get(f"/api/leads/{created.json()['lead']['id']}", headers=token).json()["lead"]
    by_segment = client.get(f"/api/leads/{identified.json()['record']['id']}", headers=token).json()["lead"]
    assert by_rest["custom_field"] == by_segment["custom_field"] == {"cf_score": 3, "cf_vip": True, "cf_plan": "pro"}
