"""Simulated time: it only moves forward, and never past the end of the calendar."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from fssim.clock import LATEST, Clock


def test_advance_moves_a_frozen_clock_exactly() -> None:
    clock = Clock(frozen=True)
    start = clock.now()
    assert (clock.advance(90) - start).total_seconds() == 90
    assert clock.now() == clock.now()


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf"), 1e12, 1e300])
def test_advance_refuses_steps_it_cannot_take_and_keeps_its_time(seconds: float) -> None:
    clock = Clock(frozen=True)
    before = clock.now()
    with pytest.raises(ValueError):
        clock.advance(seconds)
    assert clock.now() == before
    assert clock.now() < LATEST


@pytest.mark.parametrize("seconds", [1e12, 1e300])
def test_huge_steps_are_a_400_on_the_control_api_and_change_nothing(client: TestClient, seconds: float) -> None:
    before = client.get("/_sim/health").json()["now"]
    answer = client.post("/_sim/clock/advance", json={"seconds": seconds})
    assert answer.status_code == 400 and "too large" in answer.json()["message"]
    client.post("/_sim/accounts", json={"subdomain": "acme", "plan": "garden", "api_key": "acme-key"})
    failures = client.post("/_sim/accounts/acme/failures", json={"status": 503, "seconds": seconds})
    assert failures.status_code == 400 and "smaller number of seconds" in failures.json()["message"]
    assert client.get("/_sim/accounts/acme/failures").json()["failure"] is None
    assert client.get("/_sim/health").json()["now"] == before
