"""Partial matching (fssim.expect), shared by assertion helpers and scenarios."""

from __future__ import annotations

import pytest

from fssim.expect import MISSING, matches, mismatches

RECORD = {"first_name": "Ada", "company": {"name": "Acme", "id": 7}, "tags": ["vip", "beta"],
          "lead_score": 12, "external_id": None, "reason": "the Segment toggle is OFF"}


@pytest.mark.parametrize(("expected", "ok"), [
    ({"first_name": "Ada"}, True),
    ({"company": {"name": "Acme"}}, True),             # nested mappings match partially
    ({"company": {"name": "Other"}}, False),
    ({"tags": ["vip"]}, False),                         # lists match whole, item by item
    ({"tags": ["vip", "beta"]}, True),
    ({"lead_score": 12.0}, True),
    ({"lead_score": "12"}, False),
    ({"reason": {"$contains": "toggle is off"}}, True),  # case-insensitive
    ({"tags": {"$contains": "beta"}}, True),
    ({"reason": {"$regex": "^the Segment"}}, True),
    ({"external_id": {"$absent": True}}, True),
    ({"nowhere": {"$absent": True}}, True),
    ({"first_name": {"$present": True}}, True),
    ({"lead_score": {"$gte": 10}}, True),
    ({"lead_score": {"$lte": 10}}, False),
    ({"tags": {"$len": 2}}, True),
    ({"first_name": {"$not": "Grace"}}, True),
    ({"first_name": {"$any": True}}, True),
    ({"missing": "x"}, False),
])
def test_operators_and_partial_matching(expected: dict[str, object], ok: bool) -> None:
    assert matches(expected, RECORD) is ok


def test_a_mismatch_names_the_path_and_both_values() -> None:
    (problem,) = mismatches({"company": {"name": "Globex"}}, RECORD)
    assert str(problem) == 'company.name: expected "Globex", got "Acme"'
    (absent,) = mismatches({"job_title": "CTO"}, RECORD)
    assert absent.actual is MISSING and "the key is absent" in str(absent)


def test_booleans_are_not_numbers() -> None:
    assert not matches({"flag": True}, {"flag": 1})
    assert matches({"flag": False}, {"flag": False})


def test_an_unknown_operator_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"unknown operator \$contain"):
        matches({"first_name": {"$contain": "A"}}, RECORD)
