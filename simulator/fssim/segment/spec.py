"""The Segment Spec as the Tracking API enforces it after a request was accepted.

A request that parses is answered 200 even when some of its messages are unusable: Segment drops those
later with a *discard code* (reference/segment.md §2.5). :func:`validate` returns that code and a reason
a person can act on, or ``None`` for a message that goes on to enrichment and routing.

Codes not in Segment's published table are simulator policy and are listed in docs/segment.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_BATCH_MESSAGES",
    "MAX_MESSAGE_BYTES",
    "MAX_MESSAGE_ID_LENGTH",
    "MESSAGE_TYPES",
    "Discard",
    "validate",
]

# reference/segment.md §2.3: 32 KB a message, 500 KB and 2,500 messages a batch.
MAX_MESSAGE_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
MAX_BATCH_MESSAGES = 2500
# reference/segment.md §1.2: messageId is at most 100 characters.
MAX_MESSAGE_ID_LENGTH = 100

MESSAGE_TYPES = ("identify", "track", "page", "screen", "group", "alias")


@dataclass(frozen=True)
class Discard:
    """Why Segment dropped a message it had answered 200 for."""

    code: str
    reason: str


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _present(message: dict[str, Any], key: str) -> bool:
    # The Python SDK sends absent optional fields as JSON null (reference §3.4), so null means absent.
    return message.get(key) is not None


def _alias_ids(message: dict[str, Any]) -> Discard | None:
    missing = [key for key in ("userId", "previousId") if not _present(message, key)]
    if missing:
        return Discard("id_required", f"alias needs both userId and previousId; missing: {', '.join(missing)}")
    for key in ("userId", "previousId"):
        if not _is_id(message[key]):
            return Discard("id_not_string", f"alias {key} must be a non-empty string, got {message[key]!r}")
    return None


# Which fields must be objects when present: field -> (discard code, the types it is checked for).
_OBJECT_FIELDS = {
    "traits": ("traits_not_object", ("identify", "group")),
    "properties": ("properties_not_object", ("track", "page", "screen")),
    "context": ("context_not_object", MESSAGE_TYPES),
    "integrations": ("integrations_not_object", MESSAGE_TYPES),
}
# The same by type, in the same order: ``(field, code)`` for each field a message of that type must keep
# an object (looked up once per message instead of walking every field for every message).
_OBJECT_FIELDS_OF = {kind: tuple((key, code) for key, (code, types) in _OBJECT_FIELDS.items() if kind in types)
                     for kind in MESSAGE_TYPES}


def _type_fields(message: dict[str, Any]) -> Discard | None:
    """The fields of a page, screen or group (a track's event is checked in :func:`validate`)."""
    kind = message["type"]
    if kind in ("page", "screen"):
        for key, code in (("name", "name_not_string"), ("category", "category_not_string")):
            if _present(message, key) and not _is_id(message[key]):
                return Discard(code, f"{kind} '{key}' must be a non-empty string, got {message[key]!r}")
    if kind == "group" and not _is_id(message.get("groupId")):
        return Discard("group_id_not_defined", "group needs a non-empty string 'groupId'")
    return None


def validate(message: Any) -> Discard | None:
    """The discard code for an unusable message, or ``None`` when it conforms to the Spec.

    The checks of every message are written out here rather than in a helper per field: this runs for
    every message Segment receives, and a call per field cost more than the checks themselves."""
    if not isinstance(message, dict):
        return Discard("message_not_object", f"a message must be a JSON object, got {type(message).__name__}")
    kind = message.get("type")
    if kind not in MESSAGE_TYPES:
        return Discard("type_not_valid", f"'type' must be one of {', '.join(MESSAGE_TYPES)}, got {kind!r}")
    message_id = message.get("messageId")
    if message_id is not None and (not (isinstance(message_id, str) and message_id.strip())
                                   or len(message_id) > MAX_MESSAGE_ID_LENGTH):
        return Discard(
            "message_id_not_valid",
            f"messageId must be a non-empty string of at most {MAX_MESSAGE_ID_LENGTH} characters",
        )
    # Who it is about (null means absent: the Python SDK sends absent optional fields as null, §3.4).
    if kind == "alias":
        found = _alias_ids(message)
        if found is not None:
            return found
    else:
        user_id, anonymous_id = message.get("userId"), message.get("anonymousId")
        if user_id is not None and not (isinstance(user_id, str) and user_id.strip()):
            return Discard("id_not_string", f"userId must be a non-empty string, got {user_id!r}")
        if anonymous_id is not None and not (isinstance(anonymous_id, str) and anonymous_id.strip()):
            return Discard("id_not_string", f"anonymousId must be a non-empty string, got {anonymous_id!r}")
        if user_id is None and anonymous_id is None:
            return Discard("no_user_anon_id", f"{kind} has neither userId nor anonymousId")
    for key, code in _OBJECT_FIELDS_OF[kind]:
        value = message.get(key)
        if value is not None and not isinstance(value, dict):
            return Discard(code, f"{kind} {key} must be an object, got {type(value).__name__}")
    if kind == "track":
        event = message.get("event")
        if event is None:
            return Discard("event_not_defined", "track has no 'event' name")
        if not (isinstance(event, str) and event.strip()):
            return Discard("event_not_string", f"track 'event' must be a non-empty string, got {event!r}")
        return None
    return None if kind in ("identify", "alias") else _type_fields(message)
