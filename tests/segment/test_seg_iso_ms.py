"""``iso_ms`` prints a moment as Segment does (UTC, milliseconds, ``Z``), keeping the part up to the
seconds of the last second it printed: the same text as a full ``isoformat`` for every moment, and one
``isoformat`` per second, not per call (a delivery prints its attempt's start and its finish)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from fssim.segment.enrich import iso_ms


def _printed(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
moments = st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=offsets | st.just(UTC))


@given(st.lists(moments, min_size=1, max_size=5))
def test_the_same_text_as_a_full_isoformat(seen: list[datetime]) -> None:
    for moment in seen:  # one after another, so a kept second is tried against the next moment
        assert iso_ms(moment) == _printed(moment)
        assert iso_ms(moment + timedelta(microseconds=999)) == _printed(moment + timedelta(microseconds=999))


class _Counted(datetime):
    calls = 0

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        _Counted.calls += 1
        return super().isoformat(sep, timespec)


def test_one_isoformat_per_second_printed() -> None:
    start = _Counted(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    texts = [iso_ms(_Counted.fromtimestamp(start.timestamp() + n / 1000, tz=UTC)) for n in range(2000)]
    assert texts[0] == "2026-01-01T12:00:00.000Z" and texts[-1] == "2026-01-01T12:00:01.999Z"
    assert len(set(texts)) == 2000
    assert _Counted.calls == 2  # it was one per call
