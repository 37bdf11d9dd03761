"""YAML read with a line and column for every value, so errors can say *where* a file is wrong.

PyYAML's composer gives every node a start mark; plain ``yaml.safe_load`` throws them away. We build the
Python data with PyYAML's own safe constructor (so types are exactly what users expect from YAML) and
walk the node tree beside it, recording the mark of each value under its path, e.g.
``("when", 2, "send", "source")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fssim.errors import FssimError

__all__ = ["Located", "Location", "Path_", "SourceError", "format_path", "load_located"]

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Location:
    file: str
    line: int  # 1-based, as editors show it
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class SourceError(FssimError):
    """A problem in a file, with the place and the field it concerns."""

    def __init__(self, location: Location, field_path: str, message: str) -> None:
        self.location = location
        self.field = field_path
        self.message = message
        where = f"{field_path}: " if field_path else ""
        super().__init__(f"{location}: {where}{message}")


@dataclass
class Located:
    """The data of one YAML document and the location of every value in it."""

    file: str
    data: Any
    marks: dict[Path_, Location] = field(default_factory=dict)

    def where(self, path: Sequence[str | int]) -> Location:
        """The location of ``path``, or of its nearest ancestor that has one (for missing keys)."""
        probe = tuple(path)
        while probe:
            if probe in self.marks:
                return self.marks[probe]
            probe = probe[:-1]
        return self.marks.get((), Location(self.file, 1, 1))

    def error(self, path: Sequence[str | int], message: str) -> SourceError:
        return SourceError(self.where(path), format_path(path), message)


def format_path(path: Sequence[str | int]) -> str:
    """``("when", 2, "send")`` → ``when[2].send`` (the way the docs name fields)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _location(file: str, mark: Any) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


def load_located(text: str, file: str | Path) -> Located:
    """Parse one YAML document; syntax errors and duplicate keys become :class:`SourceError`."""
    name = str(file)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Located(name, None, {(): Location(name, 1, 1)})
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        location = _location(name, mark) if mark is not None else Location(name, 1, 1)
        raise SourceError(location, "", f"not valid YAML: {error.problem or error}") from error
    finally:
        loader.dispose()
    located = Located(name, data)
    _walk(node, (), located)
    return located


def _walk(node: yaml.Node, path: Path_, located: Located) -> None:
    located.marks[path] = _location(located.file, node.start_mark)
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, Location] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            key_location = _location(located.file, key_node.start_mark)
            if key in seen:
                # PyYAML would silently keep the last one; a duplicated key in a test is almost always
                # a mistake that hides an expectation, so say so.
                first = seen[key].line
                raise SourceError(key_location, format_path((*path, key)), f"duplicate key (first at line {first})")
            seen[key] = key_location
            _walk(value_node, (*path, key), located)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), located)
