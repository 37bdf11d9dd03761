"""Partial matching of what a test expects against what the simulator holds, with readable differences.

Used by the ``fssim`` fixture's assertion helpers and by the scenario runner, so both explain a
failure the same way. An expectation is plain data:

* a mapping matches when every key it names matches (other keys of the actual value are ignored);
* a list matches a list of the same length item by item;
* a scalar matches by equality (``1 == 1.0``; ``"1" != 1``);
* a one-key mapping whose key starts with ``$`` is an operator: ``{$contains: text}``,
  ``{$regex: pattern}``, ``{$present: true}``, ``{$absent: true}`` (missing or null), ``{$any: true}``,
  ``{$gte: n}``, ``{$lte: n}``, ``{$len: n}``, ``{$not: value}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["MISSING", "Mismatch", "describe_mismatches", "first_unmatched_in_order", "matches", "mismatches", "render",
           "select"]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()
_SIZED = (str, list, dict)
OPERATORS = ("$contains", "$regex", "$present", "$absent", "$any", "$gte", "$lte", "$len", "$not")


@dataclass(frozen=True)
class Mismatch:
    path: str
    expected: Any
    actual: Any
    problem: str = ""

    def __str__(self) -> str:
        where = self.path or "(value)"
        detail = f" ({self.problem})" if self.problem else ""
        return f"{where}: expected {render(self.expected)}, got {render(self.actual)}{detail}"


def render(value: Any) -> str:
    if value is MISSING:
        return "nothing (the key is absent)"
    if isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in OPERATORS:
        ((op, arg),) = value.items()
        return f"{op[1:]} {json.dumps(arg, default=str)}"
    return json.dumps(value, default=str, ensure_ascii=False)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _operator(op: str, arg: Any, actual: Any, path: str) -> list[Mismatch]:
    expected = {op: arg}
    ok: bool
    if op == "$any":
        ok = True
    elif op == "$present":
        ok = (actual is not MISSING and actual is not None) == bool(arg)
    elif op == "$absent":
        ok = (actual is MISSING or actual is None) == bool(arg)
    elif op == "$contains":
        if isinstance(actual, str):
            ok = str(arg).lower() in actual.lower()
        elif isinstance(actual, list):
            ok = any(not mismatches(arg, item) for item in actual)
        else:
            ok = False
    elif op == "$regex":
        ok = isinstance(actual, str) and re.search(str(arg), actual) is not None
    elif op in ("$gte", "$lte"):
        numeric = isinstance(actual, int | float) and not isinstance(actual, bool)
        ok = numeric and (actual >= arg if op == "$gte" else actual <= arg)
    elif op == "$len":
        ok = isinstance(actual, _SIZED) and len(actual) == arg
    elif op == "$not":
        ok = bool(mismatches(arg, actual))
    else:  # pragma: no cover - the key check in mismatches() keeps unknown operators out
        raise ValueError(op)
    return [] if ok else [Mismatch(path, expected, actual)]


def mismatches(expected: Any, actual: Any, path: str = "") -> list[Mismatch]:
    """Every place where ``actual`` does not match ``expected`` (empty: it matches)."""
    if isinstance(expected, Mapping):
        keys = list(expected)
        if len(keys) == 1 and isinstance(keys[0], str) and keys[0].startswith("$"):
            if keys[0] not in OPERATORS:
                raise ValueError(f"{path or 'value'}: unknown operator {keys[0]}; known: {', '.join(OPERATORS)}")
            return _operator(keys[0], expected[keys[0]], actual, path)
        if not isinstance(actual, Mapping):
            return [Mismatch(path, expected, actual, "not a mapping")]
        found: list[Mismatch] = []
        for key, value in expected.items():
            found += mismatches(value, actual.get(key, MISSING), _join(path, key))
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [Mismatch(path, expected, actual, "not a list")]
        if len(expected) != len(actual):
            return [Mismatch(path, expected, actual, f"{len(expected)} items expected, {len(actual)} held")]
        found = []
        for index, (want, have) in enumerate(zip(expected, actual, strict=True)):
            found += mismatches(want, have, _join(path, index))
        return found
    if isinstance(expected, bool) or isinstance(actual, bool):
        return [] if expected is actual else [Mismatch(path, expected, actual)]
    return [] if expected == actual else [Mismatch(path, expected, actual)]


def matches(expected: Any, actual: Any) -> bool:
    return not mismatches(expected, actual)


def select(expected: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The items that match ``expected``."""
    return [item for item in items if matches(expected, item)]


def first_unmatched_in_order(expected: Sequence[Any], items: Sequence[Any]) -> int | None:
    """Index of the first expected item not found, in order, among ``items`` (others may sit between
    them); ``None`` when all are. How timelines are checked by the assertions and by scenarios."""
    position = 0
    for index, want in enumerate(expected):
        while position < len(items) and not matches(want, items[position]):
            position += 1
        if position == len(items):
            return index
        position += 1
    return None


def describe_mismatches(found: Sequence[Mismatch], indent: str = "  ") -> str:
    return "\n".join(f"{indent}{mismatch}" for mismatch in found)
