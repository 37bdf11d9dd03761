"""Every code example in README.md and docs/*.md runs.

Scenario examples (```yaml blocks with a top-level ``then:``) are parsed and run like scenario files.

Blocks fenced as ```python run in order, in one namespace per file, in a temporary working folder. A
block that defines ``test_*`` functions has each called with fresh fixtures (``fssim``,
``fssim_intercept``, ``fssim_server``, ``tmp_path``), honouring ``@pytest.mark.fssim_intercept``.
A block containing the comment ``# not-run`` is skipped (signatures, fragments).
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fssim.harness import Fssim, open_fssim
from fssim.scenario import format_result, run_scenario
from fssim.scenario_schema import GIVEN, SCENARIO, STEP_KINDS, THEN, parse_scenario
from fssim.schema import Record

REPO = Path(__file__).resolve().parents[2]
DOCS = [path for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))] if path.exists()]
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
SKIP = "# not-run"


def python_blocks(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, found.start()) + 2, found.group(1)) for found in BLOCK.finditer(text)]


@contextlib.contextmanager
def _fixture(name: str, function: Any, tmp_path: Path, server: Fssim) -> Iterator[Any]:
    if name == "tmp_path":
        yield tmp_path
    elif name == "fssim_server":
        server.reset()
        yield server
    elif name in ("fssim", "fssim_intercept"):
        marks = [mark for mark in getattr(function, "pytestmark", []) if mark.name == "fssim_intercept"]
        with open_fssim() as harness:
            if name == "fssim_intercept" or marks:
                with harness.intercept(**(marks[0].kwargs if marks else {})):
                    yield harness
            else:
                yield harness
    else:
        raise AssertionError(f"a docs example asks for fixture {name!r}, which the checker does not provide")


def _call_tests(namespace: dict[str, Any], before: set[str], tmp_path: Path, server: Fssim) -> list[str]:
    called = []
    for name, function in list(namespace.items()):
        if name in before or not name.startswith("test_") or not inspect.isfunction(function):
            continue
        with contextlib.ExitStack() as stack:
            arguments = {parameter: stack.enter_context(_fixture(parameter, function, tmp_path, server))
                         for parameter in inspect.signature(function).parameters}
            function(**arguments)
        called.append(name)
    return called


@pytest.mark.parametrize("path", DOCS, ids=[path.name for path in DOCS])
def test_every_python_example_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   fssim_server: Fssim) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": f"docs_{path.stem}"}
    for line, code in python_blocks(path):
        if SKIP in code:
            continue
        before = set(namespace)
        try:
            exec(compile(code, f"{path.name}:{line}", "exec"), namespace)  # our own docs, on purpose
            _call_tests(namespace, before, tmp_path, fssim_server)
        except Exception as error:
            raise AssertionError(f"the example at {path.relative_to(REPO)}:{line} fails: {error!r}") from error


YAML_BLOCK = re.compile(r"^```ya?ml[ \t]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def scenario_blocks(path: Path) -> list[tuple[int, str]]:
    """The YAML blocks that are whole scenarios (they have a top-level ``then:``)."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, found.start()) + 2, found.group(1)) for found in YAML_BLOCK.finditer(text)
            if re.search(r"^then:", found.group(1), re.MULTILINE)]


@pytest.mark.parametrize("path", DOCS, ids=[path.name for path in DOCS])
def test_every_scenario_example_parses_and_passes(path: Path) -> None:
    for line, text in scenario_blocks(path):
        result = run_scenario(parse_scenario(text, f"{path.name}:{line}"))
        assert result.passed, format_result(result)


def test_the_checker_finds_the_scenario_examples() -> None:
    assert len(scenario_blocks(REPO / "README.md")) >= 1
    assert len(scenario_blocks(REPO / "docs" / "harness.md")) >= 1


def test_the_checker_finds_the_harness_examples() -> None:
    blocks = python_blocks(REPO / "docs" / "harness.md")
    assert len(blocks) >= 5
    assert any("def test_the_segment_sdk_unchanged(fssim)" in code for _, code in blocks)


def _schema_keys() -> set[str]:
    keys: set[str] = set()

    def walk(spec: Any) -> None:
        if isinstance(spec, Record):
            for name, field in spec.fields.items():
                keys.add(name)
                walk(field.spec)
        item = getattr(spec, "item", None)
        if item is not None:
            walk(item)

    for spec in (SCENARIO, GIVEN, THEN, *STEP_KINDS.values()):
        walk(spec)
    return keys | set(STEP_KINDS)


def test_every_scenario_key_is_documented() -> None:
    text = (REPO / "docs" / "harness.md").read_text(encoding="utf-8")
    undocumented = sorted(key for key in _schema_keys() if f"`{key}`" not in text)
    assert undocumented == []
