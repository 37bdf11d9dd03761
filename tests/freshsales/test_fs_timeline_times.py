"""A timeline item's ``created_at`` is cut from the rules' own time text when it can be, and is always
what printing the parsed time gives (whole seconds, UTC offset), whatever the text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from fssim.clock import isoformat, parse_iso
from fssim.freshsales.timeline import _whole_seconds
from fssim.integration import timeline_time

_zones = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))])


@given(moment=st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9998, 12, 30), timezones=_zones))
def test_the_rules_time_text_gives_the_printed_seconds(moment: datetime) -> None:
    text = timeline_time(moment)
    assert _whole_seconds(text) == isoformat(parse_iso(text))


@given(moment=st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9998, 12, 30), timezones=_zones),
       timespec=st.sampled_from(["seconds", "milliseconds", "microseconds"]), zulu=st.booleans(),
       separator=st.sampled_from(["T", " "]))
def test_any_iso_text_gives_the_printed_seconds(moment: datetime, timespec: str, zulu: bool, separator: str) -> None:
    text = moment.isoformat(sep=separator, timespec=timespec)
    if zulu and text.endswith("+00:00"):
        text = text[:-6] + "Z"
    assert _whole_seconds(text) == isoformat(parse_iso(text))


@given(moment=st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9998, 12, 30), timezones=_zones),
       timespec=st.sampled_from(["seconds", "milliseconds", "microseconds"]), zulu=st.booleans(),
       field=st.sampled_from(["timestamp", "originalTimestamp", "receivedAt", None]))
def test_a_message_time_text_is_what_printing_its_parsed_time_gives(moment: datetime, timespec: str, zulu: bool,
                                                                    field: str | None) -> None:
    """The rules date items with the message's time text cut from the message when Segment wrote it
    (UTC, milliseconds, "Z"): always the text printing the parsed time gives."""
    from fssim.integration.message import event_time, event_time_text

    text = moment.isoformat(timespec=timespec)
    if zulu and text.endswith("+00:00"):
        text = text[:-6] + "Z"
    message = {} if field is None else {field: text}
    received = datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert event_time_text(message, received) == timeline_time(event_time(message, received))
