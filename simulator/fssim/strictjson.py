"""Strict JSON for request bodies, shared by every API the simulator serves.

Also :func:`deep_copy`, for handing out stored JSON documents without sharing them.

Python's :func:`json.loads` accepts ``NaN``, ``Infinity`` and ``1e999`` (read as ``inf``) and raises
``RecursionError`` on deeply nested input. None of that is JSON: stored, such a value makes every later
answer that contains it invalid JSON, and an uncaught ``RecursionError`` is a 500. Each API turns
:class:`NotJSON` into its own error shape (Segment's, Freshsales', the control API's).

Text must be Unicode too. ``json.loads`` decodes bytes with ``surrogatepass`` (so the invalid UTF-8
``ED A0 80`` becomes a lone surrogate) and turns the escape ``"\ud800"`` into one as well. A lone
surrogate cannot be encoded as UTF-8: stored, it made every later answer that contained it a 500, across
restarts. So bytes are decoded strictly, and a string or key holding a lone surrogate is refused with
the JSON-pointer path of where it is (``/batch/0/event``).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from fssim.errors import FssimError

__all__ = ["ATOMS", "MAX_DEPTH", "NotJSON", "deep_copy", "loads", "reads_back_as_itself", "too_deep"]

# The immutable JSON values, which a copy may share.
ATOMS = frozenset({str, int, float, bool, type(None)})

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


# Only an escape can put a surrogate into text decoded strictly: \uD800-\uDFFF, any case.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def _text(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as error:
        raise NotJSON(f"the body is not valid UTF-8: byte {error.start} ({raw[error.start:error.start + 1]!r}) "
                      f"{error.reason}") from None


def _is_lone_surrogate_free(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _pointer(path: list[str | int]) -> str:
    if not path:
        return "(the top level)"
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _reject_surrogates(value: Any, path: list[str | int]) -> None:
    """Walk the parsed value; raise naming the first string (or key) that is not valid Unicode."""
    if isinstance(value, str):
        if not _is_lone_surrogate_free(value):
            raise NotJSON(f"the string at {_pointer(path)} holds a lone UTF-16 surrogate (not valid Unicode)")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not _is_lone_surrogate_free(key):
                shown = key.encode("utf-8", "backslashreplace").decode("ascii", "replace")
                raise NotJSON(f"the key {shown!r} at {_pointer(path)} holds a lone UTF-16 surrogate "
                              "(not valid Unicode)")
            _reject_surrogates(item, [*path, key])
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _reject_surrogates(item, [*path, position])


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Strict JSON from bytes (UTF-8) or text; :class:`NotJSON` names what is wrong and where."""
    text = _text(raw)
    if isinstance(raw, str) and not _is_lone_surrogate_free(text):  # a str may carry them unescaped
        raise NotJSON("the text holds a lone UTF-16 surrogate (not valid Unicode)")
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except NotJSON:
        raise
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        raise NotJSON(str(error)) from error
    except RecursionError:
        raise NotJSON("it is nested too deeply") from None
    # Each level of nesting opens one bracket, so text with at most ``max_depth`` of them cannot nest
    # deeper: a count in C spares the walk for nearly every real body (brackets inside strings only make
    # the count an over-estimate, which then walks, as before).
    brackets = text.count("{") + text.count("[")
    where = too_deep(value, max_depth) if brackets > max_depth else None
    if where is not None:
        raise NotJSON(f"{where} is nested deeper than {max_depth} levels of objects and arrays "
                      f"(the limit of every fssim surface)")
    if _SURROGATE_ESCAPE.search(text):  # only then can a string hold one: skip the walk otherwise
        _reject_surrogates(value, [])  # depth is bounded above, so the walk cannot recurse too far
    return value


def reads_back_as_itself(value: Any, max_depth: int = MAX_DEPTH) -> bool:
    """Whether :func:`loads` of ``value``'s JSON text gives ``value`` back, equal and of the same types:
    only dicts with string keys, lists, strings without lone surrogates, finite floats, ints, booleans
    and None, nested at most ``max_depth`` levels. Then a holder of the value may hand it on instead of
    its text to parse (fssim's in-process delivery); anything else takes the text and its checks.

    A loop with its own stack, as :func:`too_deep`: a value may nest deeper than recursion can follow.
    """
    if type(value) is not dict and type(value) is not list:
        return _atom_reads_back(value)
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return False
        # Leaves are checked where they are met, so only containers go on the stack.
        if type(item) is dict:
            for key, child in item.items():
                if type(key) is not str or (not key.isascii() and not _is_lone_surrogate_free(key)):
                    return False
                kind = type(child)
                if kind is str:
                    if not child.isascii() and not _is_lone_surrogate_free(child):
                        return False
                elif kind is dict or kind is list:
                    stack.append((child, depth + 1))
                elif kind is not int and kind is not bool and child is not None and not _atom_reads_back(child):
                    return False
        else:
            for child in item:
                kind = type(child)
                if kind is dict or kind is list:
                    stack.append((child, depth + 1))
                elif not _atom_reads_back(child):
                    return False
    return True


def _atom_reads_back(value: Any) -> bool:
    kind = type(value)
    if kind is str:
        return value.isascii() or _is_lone_surrogate_free(value)
    if kind is float:
        return math.isfinite(value)
    return kind is int or kind is bool or value is None


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
        # Most values of a record are scalars: they are taken as they are, without a call each.
        return {key: item if type(item) in ATOMS else deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [item if type(item) in ATOMS else deep_copy(item) for item in value]
    return value
