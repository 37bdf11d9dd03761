"""Simulated time: it only moves forward, and never past the end of the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim.clock import LATEST, Clock, isoformat


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


def test_isoformat_prints_one_second_once_and_each_second_as_datetime_does() -> None:
    """The writes of one second share one text (issue 12: printing a datetime was a tenth of a REST
    create): the same str object comes back, not another printing of it."""
    first = datetime(2026, 3, 1, 12, 30, 5, 250_000, tzinfo=UTC)
    text = isoformat(first)
    assert text == "2026-03-01T12:30:05+00:00"
    assert isoformat(first.replace(microsecond=999_999)) is text
    assert isoformat(first + timedelta(seconds=1)) == "2026-03-01T12:30:06+00:00"


# A second differing in only one field from the one printed last (a year, a month… apart) is a new text.
_MOMENTS = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9998, 12, 31),
                        timezones=st.just(UTC))


@given(st.lists(_MOMENTS | st.builds(lambda m, field: m.replace(**{field: 1}), _MOMENTS,
                                     st.sampled_from(["second", "minute", "hour", "day", "month", "year"])),
                min_size=2, max_size=8))
def test_isoformat_is_datetime_s_own_text_whatever_came_before(moments: list[datetime]) -> None:
    for moment in moments:
        assert isoformat(moment) == moment.isoformat(timespec="seconds")
        assert isoformat(moment.astimezone(timezone(timedelta(hours=5)))) == moment.isoformat(timespec="seconds")
