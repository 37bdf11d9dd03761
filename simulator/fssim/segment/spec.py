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


def _identity(message: dict[str, Any]) -> Discard | None:
    kind = message["type"]
    if kind == "alias":
        missing = [key for key in ("userId", "previousId") if not _present(message, key)]
        if missing:
            return Discard("id_required", f"alias needs both userId and previousId; missing: {', '.join(missing)}")
        for key in ("userId", "previousId"):
            if not _is_id(message[key]):
                return Discard("id_not_string", f"alias {key} must be a non-empty string, got {message[key]!r}")
        return None
    for key in ("userId", "anonymousId"):
        if _present(message, key) and not _is_id(message[key]):
            return Discard("id_not_string", f"{key} must be a non-empty string, got {message[key]!r}")
    if not _present(message, "userId") and not _present(message, "anonymousId"):
        return Discard("no_user_anon_id", f"{kind} has neither userId nor anonymousId")
    return None


# Which fields must be objects when present: field -> (discard code, the types it is checked for).
_OBJECT_FIELDS = {
    "traits": ("traits_not_object", ("identify", "group")),
    "properties": ("properties_not_object", ("track", "page", "screen")),
    "context": ("context_not_object", MESSAGE_TYPES),
    "integrations": ("integrations_not_object", MESSAGE_TYPES),
}


def _objects(message: dict[str, Any]) -> Discard | None:
    kind = message["type"]
    for key, (code, types) in _OBJECT_FIELDS.items():
        if kind in types and _present(message, key) and not isinstance(message[key], dict):
            return Discard(code, f"{kind} {key} must be an object, got {type(message[key]).__name__}")
    return None


def _type_fields(message: dict[str, Any]) -> Discard | None:
    kind = message["type"]
    if kind == "track":
        if not _present(message, "event"):
            return Discard("event_not_defined", "track has no 'event' name")
        if not _is_id(message["event"]):
            return Discard("event_not_string", f"track 'event' must be a non-empty string, got {message['event']!r}")
    if kind in ("page", "screen"):
        for key, code in (("name", "name_not_string"), ("category", "category_not_string")):
            if _present(message, key) and not _is_id(message[key]):
                return Discard(code, f"{kind} '{key}' must be a non-empty string, got {message[key]!r}")
    if kind == "group" and not _is_id(message.get("groupId")):
        return Discard("group_id_not_defined", "group needs a non-empty string 'groupId'")
    return None


def validate(message: Any) -> Discard | None:
    """The discard code for an unusable message, or ``None`` when it conforms to the Spec."""
    if not isinstance(message, dict):
        return Discard("message_not_object", f"a message must be a JSON object, got {type(message).__name__}")
    kind = message.get("type")
    if kind not in MESSAGE_TYPES:
        return Discard("type_not_valid", f"'type' must be one of {', '.join(MESSAGE_TYPES)}, got {kind!r}")
    message_id = message.get("messageId")
    if message_id is not None and (not _is_id(message_id) or len(message_id) > MAX_MESSAGE_ID_LENGTH):
        return Discard(
            "message_id_not_valid",
            f"messageId must be a non-empty string of at most {MAX_MESSAGE_ID_LENGTH} characters",
        )
    return _identity(message) or _objects(message) or _type_fields(message)
