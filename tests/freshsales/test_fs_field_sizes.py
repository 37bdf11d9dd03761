"""REST fields have a size limit (simulator policy: 64 KB per field): a larger value is a 400 naming the
field, and nothing is stored. Found as a defect: 12 MB values were accepted and stored."""

from __future__ import annotations

from typing import Any

import pytest
from fs_helpers import create_lead, errors_of, make_account
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales.fields import MAX_FIELD_BYTES

Headers = dict[str, str]


@pytest.fixture
def acme(client: TestClient) -> Headers:
    headers = make_account(client, "acme")
    client.post("/_sim/accounts/acme/fields", json={"entity": "lead", "name": "cf_notes", "type": "text"})
    return headers


@pytest.mark.parametrize(("lead", "named"), [
    ({"email": "ng@example.com", "last_name": "x" * (MAX_FIELD_BYTES + 1)}, "last_name"),
    ({"last_name": "Ng", "job_title": "é" * (MAX_FIELD_BYTES // 2 + 1)}, "job_title"),  # bytes, not characters
    # (A 12 MB value no longer reaches the field check: the 1 MiB body limit refuses it first, a 413.)
    ({"last_name": "Ng", "custom_field": {"cf_notes": "n" * 500_000}}, "cf_notes"),
    ({"last_name": "Ng", "cf_notes": "n" * (MAX_FIELD_BYTES + 10)}, "cf_notes"),
    ({"last_name": "Ng", "tags": ["t" * 1000] * 70}, "tags"),
    ({"last_name": "Ng", "company": {"name": "c" * (MAX_FIELD_BYTES + 1)}}, "company"),
])
def test_an_oversized_field_is_a_400_naming_it_and_nothing_is_stored(
    client: TestClient, sim: Simulator, acme: Headers, lead: dict[str, Any], named: str
) -> None:
    response = client.post("/api/leads", json={"lead": lead}, headers=acme)
    assert response.status_code == 400
    problems = errors_of(response)
    assert len(problems) == 1 and problems[0].startswith(f"{named} is too large")
    assert "64 KB" in problems[0]
    assert sim.freshsales.records.count("acme", "lead") == 0


def test_a_value_at_the_limit_is_stored_whole(client: TestClient, acme: Headers) -> None:
    text = "x" * MAX_FIELD_BYTES
    lead = create_lead(client, acme, last_name="Ng", custom_field={"cf_notes": text})
    assert lead["custom_field"]["cf_notes"] == text


def test_an_update_past_the_limit_changes_nothing(client: TestClient, acme: Headers) -> None:
    lead = create_lead(client, acme, last_name="Ng", job_title="CTO")
    response = client.put(f"/api/leads/{lead['id']}", headers=acme,
                          json={"lead": {"job_title": "y" * (MAX_FIELD_BYTES + 1)}})
    assert response.status_code == 400 and errors_of(response)[0].startswith("job_title is too large")
    assert client.get(f"/api/leads/{lead['id']}", headers=acme).json()["lead"]["job_title"] == "CTO"
