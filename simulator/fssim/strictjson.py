"""Strict JSON for request bodies, shared by every API the simulator serves.

Also :func:`deep_copy`, for handing out stored JSON documents without sharing them.

Python's :func:`json.loads` accepts ``NaN``, ``Infinity`` and ``1e999`` (read as ``inf``) and raises
``RecursionError`` on deeply nested input. None of that is JSON: stored, such a value makes every later
answer that contains it invalid JSON, and an uncaught ``RecursionError`` is a 500. Each API turns
:class:`NotJSON` into its own error shape (Segment's, Freshsales', the control API's).
"""

from __future__ import annotations

import json
import math
from typing import Any

from fssim.errors import FssimError

__all__ = ["MAX_DEPTH", "NotJSON", "deep_copy", "loads", "too_deep"]

# Simulator policy (neither reference gives a bound): a body may nest objects and arrays at most 100 levels,
# the body itself being level 1 (Ruby's JSON parser, for one, refuses more by default). One bound for
# every surface, checked where bodies are read, so nothing stored is deeper than the code that copies and
# renders it can handle: a 600-deep track once made every delivery after it raise RecursionError.
MAX_DEPTH = 100


class NotJSON(FssimError, ValueError):
    """The body is not strict JSON; the message says why, for a 400 a user can act on."""


def _reject_constant(name: str) -> Any:
    raise NotJSON(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotJSON(f"{text} is out of range for a JSON number")
    return value


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except NotJSON:
        raise
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        raise NotJSON(str(error)) from error
    except RecursionError:
        raise NotJSON("it is nested too deeply") from None
    where = too_deep(value, max_depth)
    if where is not None:
        raise NotJSON(f"{where} is nested deeper than {max_depth} levels of objects and arrays "
                      f"(the limit of every fssim surface)")
    return value


def too_deep(value: Any, max_depth: int = MAX_DEPTH) -> str | None:
    """Where ``value`` first nests deeper than ``max_depth`` levels (``batch[0].properties.a…``), or None.

    A loop with its own stack, not recursion: it must work on exactly the values recursion cannot.
    """
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if not isinstance(item, dict | list):
            continue
        if depth > max_depth:
            shown = path.lstrip(".") or "the body"
            return shown if len(shown) <= 80 else shown[:80] + "…"
        children = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in children:
            if isinstance(child, dict | list):
                # Paths grow with depth; past the shown 80 characters they need not be built at all.
                step = f"[{key}]" if isinstance(item, list) else f".{key}"
                stack.append((child, depth + 1, path + step if len(path) <= 80 else path))
    return None


def deep_copy(value: Any) -> Any:
    """A deep copy of a JSON value (objects, arrays, scalars).

    Several times faster than :func:`copy.deepcopy`, which keeps a memo for cycles and shared objects
    that JSON documents cannot have; records are copied on every read, so this sits on the hot path.
    """
    if isinstance(value, dict):
        return {key: deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [deep_copy(item) for item in value]
    return value
