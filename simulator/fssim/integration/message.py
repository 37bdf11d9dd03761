"""Reading one Segment message as the Freshsales destination receives it: checks and accessors.

The checks follow the Segment spec (reference/segment.md §1 and the discard codes of §2.5) plus what
the Freshsales destination itself demands (§4.3: ``userId`` is mandatory for identify). Each problem
names the field, because the answer ends up in Segment's Event Delivery view and the user must be able
to fix their tracking code from that line alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fssim import jsontext

__all__ = [
    "MAX_MESSAGE_BYTES",
    "MAX_MESSAGE_ID_LENGTH",
    "SUPPORTED_TYPES",
    "UNSUPPORTED_TYPES",
    "Problem",
    "check_message",
    "event_time",
    "event_time_text",
    "json_kind",
    "timeline_time",
]

SUPPORTED_TYPES = ("identify", "page", "track")
UNSUPPORTED_TYPES = ("screen", "group", "alias")  # R9: the destination's catalog entry says false

MAX_MESSAGE_ID_LENGTH = 100  # spec-field-message-id.md
MAX_MESSAGE_BYTES = 32 * 1024  # Segment's per-event limit; nothing larger can come from Segment

_TIME_FIELDS = ("timestamp", "originalTimestamp", "receivedAt", "sentAt")
# How a message's size is measured (compact, UTF-8), with an encoder built once (fssim.jsontext).
_compact_json = jsontext.encoder(separators=(",", ":"), ensure_ascii=False)
# orjson's compact UTF-8 text is json's but for floats: a float is at least 3 characters in it (a digit,
# then "." or "e", then a digit; "null" for NaN) and at most 24 in json's ("-1.2345678901234567e-308"),
# and each is followed or preceded by one more character (",", ":", "[" ...). So json's text is at most
# 8 times orjson's, and a message orjson prints in an eighth of the limit is within it, unmeasured.
_SURELY_WITHIN = MAX_MESSAGE_BYTES // 8


@dataclass(frozen=True)
class Problem:
    """Why a message cannot be taken: the HTTP status, the field, and a sentence naming both."""

    status: int
    field: str
    message: str


@functools.lru_cache(maxsize=1024)
def _parse_time(text: str) -> datetime:
    """An ISO-8601 time in UTC; ``ValueError`` also for times that exist only in another zone
    (``9999-12-31T23:00:00-05:00`` is past the end of the calendar in UTC).

    Kept per text (a datetime is immutable): a message's four times are checked, then its timestamp read
    again for the timeline, and the messages of one batch share their ``sentAt`` and ``receivedAt``."""
    parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text!r} is outside the range of UTC times") from None


def event_time(message: Mapping[str, Any], received_at: datetime) -> datetime:
    """When the message happened: Segment's corrected ``timestamp`` first (R8 orders timelines by it)."""
    for name in ("timestamp", "originalTimestamp", "receivedAt"):
        value = message.get(name)
        if isinstance(value, str) and value.strip():
            return _parse_time(value)
    return received_at.astimezone(UTC)


def timeline_time(moment: datetime) -> str:
    """How activity times are written: UTC, milliseconds, so equal-second messages still sort right."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


# A time as Segment writes every time it sets (enrich.iso_ms): UTC, milliseconds, "Z".
_SEGMENT_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", re.ASCII)


def event_time_text(message: Mapping[str, Any], received_at: datetime) -> str:
    """``timeline_time(event_time(message, received_at))``, cut from the message's own text when it is
    written as Segment writes times (``2026-01-01T10:00:00.123Z``): then its date and time are those very
    digits, and printing the parsed time costs several times more than cutting the text."""
    for name in ("timestamp", "originalTimestamp", "receivedAt"):
        value = message.get(name)
        if isinstance(value, str) and value.strip():
            parsed = _parse_time(value)  # ValueError for a text that is no time, as event_time
            return value[:23] + "+00:00" if _SEGMENT_TIME.fullmatch(value) else timeline_time(parsed)
    return timeline_time(received_at)


def json_kind(value: Any) -> str:
    """How a JSON value is named in an answer: "null", "a boolean", "a number", "a string", "an array"…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _optional_object(message: Mapping[str, Any], name: str) -> Problem | None:
    value = message.get(name)
    if value is not None and not isinstance(value, dict):
        return Problem(400, name, f"'{name}' must be an object, not {json_kind(value)}")
    return None


def _optional_id(message: Mapping[str, Any], name: str) -> Problem | None:
    value = message.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        return Problem(400, name, f"'{name}' must be a string, not {json_kind(value)}")
    if not value.strip():
        return Problem(400, name, f"'{name}' must not be empty")
    return None


def check_message(message: Any) -> Problem | None:
    """The first reason this message cannot be processed, or ``None`` if it is well-formed.

    ``type`` is checked first: a screen, group or alias is answered 501 whatever else it holds (R9).
    """
    if not isinstance(message, dict):
        return Problem(400, "body", f"the body must be one Segment message (a JSON object), not {json_kind(message)}")
    kind = message.get("type")
    if not isinstance(kind, str) or not kind:
        return Problem(400, "type", f"'type' is required and must be one of {', '.join(SUPPORTED_TYPES)}")
    if kind in UNSUPPORTED_TYPES:
        return Problem(
            501,
            "type",
            f"Freshsales does not support '{kind}' messages: the Segment destination takes identify, "
            "page and track only",
        )
    if kind not in SUPPORTED_TYPES:
        return Problem(400, "type", f"unknown message type {kind!r}: expected one of {', '.join(SUPPORTED_TYPES)}")
    problem = _check_size(message)
    if problem:
        return problem
    message_id = message.get("messageId")
    if not isinstance(message_id, str) or not message_id.strip():
        return Problem(400, "messageId", "'messageId' is required and must be a non-empty string")
    if len(message_id) > MAX_MESSAGE_ID_LENGTH:
        return Problem(
            400, "messageId", f"'messageId' is {len(message_id)} characters; the limit is {MAX_MESSAGE_ID_LENGTH}"
        )
    for name in ("userId", "anonymousId"):
        problem = _optional_id(message, name)
        if problem:
            return problem
    if message.get("userId") is None and message.get("anonymousId") is None:
        return Problem(400, "userId", "a message needs a 'userId' or an 'anonymousId'")
    for name in ("context", "integrations"):
        problem = _optional_object(message, name)
        if problem:
            return problem
    for name in _TIME_FIELDS:
        value = message.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            return Problem(400, name, f"'{name}' must be an ISO-8601 string, not {json_kind(value)}")
        try:
            _parse_time(value)
        except ValueError:
            return Problem(400, name, f"'{name}' is not an ISO-8601 time: {value[:60]!r}")
    return _check_type_fields(kind, message)


def _check_size(message: dict[str, Any]) -> Problem | None:
    """The 32 KB limit on the message's compact UTF-8 JSON, measured exactly (json's text, as the answer
    names it) only when orjson's cheaper text does not show it is far within (``_SURELY_WITHIN``)."""
    cheap = jsontext.orjson_text(message)  # None: an integer past 64 bits, a lone surrogate, a subclass,
    if cheap is not None and len(cheap) <= _SURELY_WITHIN:  # deep nesting; json measures those
        return None
    try:
        size = len(_compact_json(message).encode("utf-8"))
    except (RecursionError, ValueError):
        return Problem(400, "body", "the message cannot be read as JSON (nested too deeply, or NaN/Infinity)")
    if size > MAX_MESSAGE_BYTES:
        return Problem(400, "body", f"the message is {size} bytes; a Segment message may be at most 32 KB")
    return None


def _check_type_fields(kind: str, message: Mapping[str, Any]) -> Problem | None:
    if kind == "identify":
        if message.get("userId") is None:
            return Problem(
                400, "userId", "Freshsales needs a 'userId' on identify (an email, or a database id with traits.email)"
            )
        return _optional_object(message, "traits")
    if kind == "track":
        event = message.get("event")
        if event is None:
            return Problem(400, "event", "a track message needs an 'event' name")
        if not isinstance(event, str) or not event.strip():
            return Problem(400, "event", f"'event' must be a non-empty string, not {json_kind(event)}")
        return _optional_object(message, "properties")
    # page
    for name in ("name", "category"):
        value = message.get(name)
        if value is not None and not isinstance(value, str):
            return Problem(400, name, f"'{name}' must be a string, not {json_kind(value)}")
    return _optional_object(message, "properties")
