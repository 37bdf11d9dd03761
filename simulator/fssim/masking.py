"""Keys shown masked: every control answer and log line shows API and write keys as ``****abcd``.

The control plane is local, but its answers end up in CI logs, screenshots and bug reports, and before
the Host check a rebound web page could read them. So a key is shown by its last 4 characters only,
unless ``fssim serve --show-keys`` asked for them in full; a test that needs one key asks for it
explicitly (``GET /_sim/accounts/{subdomain}/api-key``, ``GET /_sim/sources/{name}/write-key``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["KEY_FIELDS", "MaskKeysInAccessLog", "mask", "masked"]

# The names under which fssim's documents carry a key (accounts, sources, destinations, logged messages).
KEY_FIELDS = frozenset({"api_key", "api_keys", "write_key", "writeKey"})
_SHOWN = 4


def mask(key: Any) -> Any:
    """``"acme-api-key"`` → ``"****-key"``; a key of 4 characters or fewer is hidden whole. Non-strings
    (a malformed ``writeKey`` in a logged message) are shown as they are: they are not keys."""
    if not isinstance(key, str):
        return key
    return "****" + key[-_SHOWN:] if len(key) > _SHOWN else "****"


def masked(document: Any) -> Any:
    """A copy of a JSON document with every value under a :data:`KEY_FIELDS` name masked.

    A loop with its own stack, not recursion: a logged message may be nested deeper than Python's
    recursion limit (one stored before the edge bounded nesting), and its log must still answer.
    """
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(document, root, 0)]  # (value, the copy's container, its key)
    while stack:
        value, into, at = stack.pop()
        if isinstance(value, dict):
            copy: dict[str, Any] = {}
            into[at] = copy
            for name, item in value.items():
                copy[name] = _masked_field(item) if name in KEY_FIELDS else None  # keeps the key order
                if name not in KEY_FIELDS:
                    stack.append((item, copy, name))
        elif isinstance(value, list):
            items: list[Any] = [None] * len(value)
            into[at] = items
            stack.extend((item, items, position) for position, item in enumerate(value))
        else:
            into[at] = value
    return root[0]


def _masked_field(value: Any) -> Any:
    if isinstance(value, list):
        return [mask(item) for item in value]
    return mask(value)


# The one path that carries a key: analytics.js's settings document, /v1/projects/{writeKey}/settings.
_KEYED_PATH = re.compile(r"(/v1/projects/)([^/?\s]+)")


class MaskKeysInAccessLog(logging.Filter):
    """Masks the write key in uvicorn's access-log lines (``fssim serve`` installs it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_KEYED_PATH.sub(lambda m: m.group(1) + str(mask(m.group(2))), arg)
                                if isinstance(arg, str) else arg for arg in record.args)
        return True
