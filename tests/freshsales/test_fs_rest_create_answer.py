"""A REST create answers its record without the walk that proves a tree plain, when its store vouches
for it (``Records.create_shown``; issue 12: that walk was about half of a create's answer text), and the
answer is still byte for byte what json writes. Counted, not timed.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from fs_helpers import count_calls
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales.rest import answer_text

HEADERS = {"Authorization": "Token token=acme-key"}


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    return count_calls(monkeypatch, answer_text, "_plain")


@pytest.fixture
def acme(sim: Simulator) -> Simulator:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    sim.freshsales.accounts.define_custom_field("acme", "lead", "cf_ratio", "number")
    return sim


def _as_json_writes_it(response: Any) -> bool:
    return bool(response.content == json.dumps(response.json(), separators=(",", ":")).encode())


def test_a_lead_of_strings_is_answered_without_the_walk(acme: Simulator, client: TestClient,
                                                       walks: Counter[str]) -> None:
    made = client.post("/api/leads", json={"lead": {"first_name": "Ada", "last_name": "Lovelace",
                                                    "email": "ada@example.com", "lead_score": 7}}, headers=HEADERS)
    assert made.status_code == 201, made.text
    assert walks["_plain"] == 0  # before: the answer, the record and its links walked (3)
    assert _as_json_writes_it(made)
    assert client.get(f"/api/leads/{made.json()['lead']['id']}", headers=HEADERS).json() == made.json()


@pytest.mark.parametrize("lead", [
    {"email": "f@example.com", "custom_field": {"cf_ratio": 1e-7}},  # orjson would write 1e-7, json 1e-07
    {"email": "t@example.com", "tags": ["vip"]},
    {"email": "z@example.com", "first_name": "Zoé"},
])
def test_a_lead_its_store_cannot_vouch_for_is_walked_and_answered_as_json_writes_it(
        acme: Simulator, client: TestClient, walks: Counter[str], lead: dict[str, Any]) -> None:
    made = client.post("/api/leads", json={"lead": lead}, headers=HEADERS)
    assert made.status_code == 201, made.text
    assert _as_json_writes_it(made)
    if "first_name" not in lead:  # non-ASCII text is plain, but json writes it escaped: its own check
        assert walks["_plain"] >= 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.text(max_size=12), ratio=st.none() | st.integers(-10**6, 10**6)
       | st.floats(allow_nan=False, allow_infinity=False), score=st.integers(0, 10**9))
def test_every_create_answer_is_what_json_writes(acme: Simulator, client: TestClient, first: str,
                                                 ratio: float | int | None, score: int) -> None:
    body: dict[str, Any] = {"first_name": first, "last_name": "L", "lead_score": score}
    if ratio is not None:
        body["custom_field"] = {"cf_ratio": ratio}
    made = client.post("/api/leads", json={"lead": body}, headers=HEADERS)
    assert made.status_code in (201, 400), made.text
    assert _as_json_writes_it(made)
