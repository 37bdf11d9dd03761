"""A tiny declarative schema for YAML files, whose every error names the file, line and field.

Scenario files are written by hand, so the errors matter more than the schema language: each check
raises :class:`~fssim.yaml_source.SourceError` with ``file:line:column: field.path: what is wrong``.
A test checks that every key the scenario schema accepts is described in ``docs/harness.md``, so the
documentation cannot drift from what the loader accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fssim.expect import OPERATORS
from fssim.yaml_source import Located, Path_

__all__ = [
    "Anything",
    "Boolean",
    "Choice",
    "Duration",
    "Expectation",
    "Field",
    "FreeMap",
    "Integer",
    "ListOf",
    "Record",
    "Spec",
    "Text",
    "Union",
    "check_operators",
    "parse_duration",
]


class Spec:
    """Checks one value and returns it normalised (defaults filled in)."""

    label = "value"

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        raise NotImplementedError


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


@dataclass
class Text(Spec):
    pattern: str | None = None
    hint: str = ""
    label: str = "text"

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise src.error(path, f"expected non-empty text, got {_type_name(value)}")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise src.error(path, f"{value!r} is not valid here{': ' + self.hint if self.hint else ''}")
        return value


@dataclass
class Integer(Spec):
    minimum: int | None = None
    maximum: int | None = None
    label: str = "integer"

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise src.error(path, f"expected a whole number, got {_type_name(value)}")
        if self.minimum is not None and value < self.minimum:
            raise src.error(path, f"must be at least {self.minimum}, got {value}")
        if self.maximum is not None and value > self.maximum:
            raise src.error(path, f"must be at most {self.maximum}, got {value}")
        return value


class Boolean(Spec):
    label = "true/false"

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        if not isinstance(value, bool):
            raise src.error(path, f"expected true or false, got {_type_name(value)}")
        return value


@dataclass
class Choice(Spec):
    values: tuple[str, ...]

    @property
    def label(self) -> str:  # type: ignore[override]
        return " | ".join(self.values)

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        if value not in self.values:
            raise src.error(path, f"expected one of {', '.join(self.values)}; got {_type_name(value)}")
        return value


_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(value: Any) -> float | None:
    """``90``, ``"90s"``, ``"30m"``, ``"4h"``, ``"1d"`` → seconds; anything else → ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    if isinstance(value, str):
        found = _DURATION.fullmatch(value)
        if found:
            return float(found.group(1)) * _UNIT_SECONDS[found.group(2)]
    return None


class Duration(Spec):
    label = "duration (seconds, or 90s / 30m / 4h / 1d)"

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        seconds = parse_duration(value)
        if seconds is None:
            raise src.error(path, f"expected a duration such as 90, '30m', '4h' or '1d'; got {_type_name(value)}")
        return seconds


class Anything(Spec):
    label = "any value"

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        return value


@dataclass
class FreeMap(Spec):
    """A mapping with text keys and any values (a message, a record's fields)."""

    label: str = "mapping"

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        if not isinstance(value, dict):
            raise src.error(path, f"expected a mapping, got {_type_name(value)}")
        for key in value:
            if not isinstance(key, str):
                raise src.error((*path, str(key)), f"keys must be text; YAML read {key!r} as {_type_name(key)} "
                                "(quote it)")
        return value


def check_operators(value: Any, path: Path_, src: Located) -> None:
    """Every ``$`` key in an expected value is a known operator standing alone in its mapping, so a typo
    such as ``$contain`` is named with its line before anything runs (not a traceback at the end)."""
    if isinstance(value, dict):
        operators = [key for key in value if isinstance(key, str) and key.startswith("$")]
        for key in operators:
            if key not in OPERATORS:
                raise src.error((*path, key), f"unknown operator {key}; known: {', '.join(OPERATORS)}")
        if operators and len(value) > 1:
            raise src.error(path, f"an operator ({operators[0]}) must be the only key of its mapping")
        for key, item in value.items():
            check_operators(item, (*path, str(key)), src)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_operators(item, (*path, index), src)


@dataclass
class Expectation(FreeMap):
    """What a ``then`` item expects (a record's fields, a log entry), matched by :mod:`fssim.expect`.
    With ``counted``, the key ``count`` is how many entries must match (a whole number >= 0)."""

    counted: bool = False

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        checked = super().check(value, path, src)
        for key, item in checked.items():
            if self.counted and key == "count":
                Integer(0).check(item, (*path, key), src)
            else:
                check_operators(item, (*path, key), src)
        return checked


@dataclass
class ListOf(Spec):
    item: Spec
    min_items: int = 0

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"list of {self.item.label}"

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        if not isinstance(value, list):
            raise src.error(path, f"expected a list (lines starting with '- '), got {_type_name(value)}")
        if len(value) < self.min_items:
            raise src.error(path, f"needs at least {self.min_items} item(s)")
        return [self.item.check(item, (*path, index), src) for index, item in enumerate(value)]


@dataclass
class Field:
    spec: Spec
    required: bool = False
    default: Any = None
    doc: str = ""
    default_factory: Callable[[], Any] | None = None

    def default_value(self) -> Any:
        return self.default_factory() if self.default_factory is not None else self.default


@dataclass
class Record(Spec):
    """A mapping with known keys. ``extra`` checks unknown keys (``None``: unknown keys are errors)."""

    fields: Mapping[str, Field]
    extra: Spec | None = None
    label: str = "mapping"
    one_of: tuple[tuple[str, ...], ...] = field(default_factory=tuple)  # exactly one key of each group
    any_of: tuple[tuple[str, ...], ...] = field(default_factory=tuple)  # at least one key of each group

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        if not isinstance(value, dict):
            raise src.error(path, f"expected a mapping with keys {', '.join(self.fields)}; got {_type_name(value)}")
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise src.error((*path, str(key)), f"keys must be text; YAML read {key!r} as {_type_name(key)} "
                                "(quote it)")
            if key in self.fields:
                if item is None and not self.fields[key].required:
                    continue
                result[key] = self.fields[key].spec.check(item, (*path, key), src)
            elif self.extra is not None:
                result[key] = self.extra.check(item, (*path, key), src)
            else:
                raise src.error((*path, key), f"unknown key; expected one of: {', '.join(self.fields)}")
        for name, spec_field in self.fields.items():
            if name not in result:
                if spec_field.required:
                    raise src.error(path, f"'{name}' is required ({spec_field.doc or spec_field.spec.label})")
                default = spec_field.default_value()
                if default is not None:
                    result[name] = default
        for group in self.one_of:
            present = [name for name in group if name in value]
            if len(present) != 1:
                raise src.error(path, f"give exactly one of {', '.join(group)}"
                                + (f" (found {', '.join(present)})" if present else ""))
        for group in self.any_of:
            if not any(name in value for name in group):
                raise src.error(path, f"give {' or '.join(group)} (or both)")
        return result


@dataclass
class Union(Spec):
    """The first alternative whose shape fits (by Python type) is used; its errors are the ones shown."""

    options: tuple[tuple[type, Spec], ...]

    @property
    def label(self) -> str:  # type: ignore[override]
        return " or ".join(spec.label for _, spec in self.options)

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        for kind, spec in self.options:
            if isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool):
                return spec.check(value, path, src)
        raise src.error(path, f"expected {self.label}; got {_type_name(value)}")
