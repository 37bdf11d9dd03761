"""What Segment adds to a message on the way in: ids, server times, batch-level fields and the channel.

Timestamps follow reference/segment.md §1.2: ``originalTimestamp`` is what the caller sent,
``receivedAt`` is the server's time, and the corrected ``timestamp`` is
``receivedAt - (sentAt - originalTimestamp)``, which removes the device's clock skew. Segment accepts
any timestamp, however far in the past or future, so nothing here rejects a message for its time.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from typing import Any

from fssim.clock import parse_iso

__all__ = ["CHANNEL_OF_KIND", "enrich", "iso_ms", "merge_batch_fields"]

# The `channel` Segment records per source kind (reference/segment.md §1.2 examples).
CHANNEL_OF_KIND = {"web": "browser", "mobile": "mobile", "server": "server"}

# Spec version the simulated Tracking API stamps on every message it records.
API_VERSION = 2


# ``datetime.isoformat`` costs about as much as the rest of a log write: every delivery prints its
# attempt's start and its finish, mostly within the same second. So the part up to the seconds is kept
# for the last second printed (one tuple, swapped whole, so threads never see half of it), and the
# milliseconds come from a table.
_MILLISECONDS = tuple(f".{n:03d}Z" for n in range(1000))
_last_second: tuple[tuple[int, ...] | None, str] = (None, "")


def iso_ms(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and ``Z``, as Segment prints ``receivedAt``."""
    global _last_second
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    second = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    cached = _last_second
    if cached[0] != second:
        # "...+00:00" without its offset: the moment is in UTC here.
        cached = _last_second = (second, moment.isoformat(timespec="seconds")[:-6])
    return cached[1] + _MILLISECONDS[moment.microsecond // 1000]


# Every message of a batch carries the batch's sentAt: parsed (and printed) once per text, not per
# message. Only texts as short as ISO times are kept, so the cache stays small whatever is sent.
_SAME_TEXTS = 256
_CACHED_LENGTH = 64


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    return _parse_text(value) if len(value) <= _CACHED_LENGTH else _read_time(value)


def _read_time(value: str) -> datetime | None:
    try:
        # In UTC at once: an offset near year 1 or 9999 cannot be shown as UTC, so it counts as unusable.
        return parse_iso(value).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


_parse_text = functools.lru_cache(maxsize=_SAME_TEXTS)(_read_time)


@functools.lru_cache(maxsize=_SAME_TEXTS)
def _iso_of_text(value: str) -> str:
    moment = _parse_text(value)
    assert moment is not None, "only called for a text _parse read"
    return iso_ms(moment)


def merge_batch_fields(item: dict[str, Any], batch: dict[str, Any]) -> dict[str, Any]:
    """Batch-level ``context`` and ``integrations`` merged into one item; the item's own keys win."""
    merged = dict(item)
    for key in _BATCH_OBJECTS:
        shared = batch.get(key)
        if isinstance(shared, dict):  # most batches have neither: then the item is not looked at
            own = item.get(key)
            if own is None or isinstance(own, dict):
                merged[key] = {**shared, **(own or {})}
    if "sentAt" not in merged and isinstance(batch.get("sentAt"), str):
        merged["sentAt"] = batch["sentAt"]
    return merged


_BATCH_OBJECTS = ("context", "integrations")


def enrich(
    message: dict[str, Any], *, received_at: datetime, source_kind: str | None, received_iso: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The message as Segment records and delivers it, plus warnings worth showing in the event log.

    The write key never travels on to destinations, so it is removed here. ``received_iso`` is
    ``iso_ms(received_at)`` when the caller has it already (one batch, one time, many messages).
    Every message goes through here, so the common steps are written out, not one call each.
    """
    warnings: list[str] = []
    enriched = dict(message)  # in C; removing one key keeps the others' order
    enriched.pop("writeKey", None)
    if enriched.get("messageId") is None:
        enriched["messageId"] = f"fssim-{uuid.uuid4()}"
    received = enriched["receivedAt"] = received_iso if received_iso is not None else iso_ms(received_at)
    sent_text, original_text = enriched.get("sentAt"), enriched.get("timestamp")
    sent_at = None if sent_text is None else _parse(sent_text)
    original = None if original_text is None else _parse(original_text)
    if original_text is not None and original is None:
        warnings.append(f"timestamp {original_text!r} is not a usable ISO-8601 time; the server time was used")
    if sent_text is not None and sent_at is None:
        warnings.append(f"sentAt {sent_text!r} is not a usable ISO-8601 time; no clock-skew correction")
    if original is None:
        enriched["timestamp"] = received
    else:
        enriched["originalTimestamp"] = original_text
        corrected = original
        if sent_at is not None:
            try:
                corrected = received_at - (sent_at - original)
            except OverflowError:
                # Any time is accepted, but a skew of millennia leaves the calendar: keep the caller's time.
                warnings.append(f"sentAt {sent_text!r} and timestamp {original_text!r} are too "
                                "far apart to correct; the caller's timestamp was kept")
        enriched["timestamp"] = iso_ms(corrected)
    if sent_at is not None:
        assert isinstance(sent_text, str)  # _parse reads only text
        enriched["sentAt"] = _iso_of_text(sent_text) if len(sent_text) <= _CACHED_LENGTH else iso_ms(sent_at)
    if enriched.get("context") is None:
        enriched["context"] = {}
    if enriched.get("integrations") is None:
        enriched["integrations"] = {}
    if enriched.get("channel") is None and source_kind in CHANNEL_OF_KIND:
        enriched["channel"] = CHANNEL_OF_KIND[source_kind]
    enriched["version"] = API_VERSION
    if enriched.get("type") == "identify":
        warnings += _traits_only_in_context(enriched)
    return enriched, warnings


def _traits_only_in_context(message: dict[str, Any]) -> list[str]:
    """A warning when an identify's traits are only in context.traits (some Segment-compatible SDKs do
    that): the spec, and every destination, read the top-level traits, so a lead would get no names."""
    context_traits = message["context"].get("traits") if isinstance(message["context"], dict) else None
    traits = message.get("traits")
    if message.get("type") != "identify" or not isinstance(context_traits, dict):
        return []
    missing = sorted(str(name) for name in context_traits if not (isinstance(traits, dict) and name in traits))
    if not missing:
        return []
    return [f"traits were found only in context.traits ({', '.join(missing)}); destinations read an identify's "
            "top-level 'traits', so they are not applied"]
