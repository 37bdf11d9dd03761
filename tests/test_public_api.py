"""The public API is in one place: ``fssim.__all__`` is exactly the README's "Python API" table, every
``__all__`` in the package names things that exist, and ``import fssim`` stays cheap and cycle-free."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import fssim

REPO = Path(__file__).resolve().parents[1]


def documented_names() -> list[str]:
    """The names in the README's "Python API" table (``| `fssim.NAME` | ... |`` rows)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `fssim\.(\w+)`", section, flags=re.MULTILINE)


def test_the_package_exports_exactly_the_documented_public_api() -> None:
    documented = documented_names()
    assert len(documented) == len(set(documented)), "a name is documented twice"
    assert sorted(fssim.__all__) == sorted(documented)


def test_each_public_name_is_the_object_its_home_module_defines() -> None:
    from fssim import strategies
    from fssim.app import Simulator, SimulatorConfig
    from fssim.errors import FssimError
    from fssim.harness import Fssim, open_fssim
    from fssim.interception import intercept

    expected = {"Fssim": Fssim, "open_fssim": open_fssim, "Simulator": Simulator,
                "SimulatorConfig": SimulatorConfig, "intercept": intercept, "strategies": strategies,
                "FssimError": FssimError, "__version__": fssim.__version__}
    assert set(expected) == set(fssim.__all__)
    for name, value in expected.items():
        assert getattr(fssim, name) is value, name
    assert isinstance(fssim.strategies, ModuleType) and callable(fssim.intercept)
    assert {name: getattr(fssim, name) for name in fssim.__all__} == expected  # what `from fssim import *` gives
    with pytest.raises(AttributeError, match="no attribute 'Segment'"):
        fssim.Segment  # noqa: B018 - the attribute access is the test


def _modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(fssim.__path__, "fssim.")
                  if not info.name.endswith("__main__"))


@pytest.mark.parametrize("name", ["fssim", *_modules()])
def test_every_all_names_only_things_that_exist(name: str) -> None:
    module = importlib.import_module(name)
    missing = [item for item in getattr(module, "__all__", ()) if not hasattr(module, item)]
    assert missing == [], f"{name}.__all__ names what it lacks: {missing}"


# Modules whose every public class and function must be listed (the rules, the fake Segment, the
# public strategies and the receiver's seams): there a name left out of __all__ is a mistake.
COMPLETE = [
    *(name for name in _modules() if name.startswith(("fssim.integration", "fssim.segment"))),
    "fssim.strategies", "fssim.generator", "fssim.freshsales.receiver", "fssim.freshsales.crm_adapter",
    "fssim.freshsales.forced_failures", "fssim.control.toggle", "fssim.control.workspace",
    "fssim.commands.traffic", "fssim.harness", "fssim.transport", "fssim.interception",
]


@pytest.mark.parametrize("name", COMPLETE)
def test_all_lists_every_public_class_and_function_defined_there(name: str) -> None:
    module = importlib.import_module(name)
    defined = {
        item for item, value in vars(module).items()
        if not item.startswith("_") and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", None) == name
    }
    assert defined <= set(module.__all__), f"{name}: public but not in __all__: {sorted(defined - set(module.__all__))}"


HEAVY = ("httpx", "starlette", "tinydb", "hypothesis", "faker", "anyio", "yaml")


def _fresh_python(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_importing_the_package_and_its_plugin_loads_no_heavy_dependency() -> None:
    # pytest imports the plugin (and so this package) in every project that has fssim installed.
    code = f"import sys, fssim, fssim.pytest_plugin; print([m for m in {HEAVY!r} if m in sys.modules])"
    out, err = _fresh_python(code).communicate(timeout=120)
    assert out.strip() == "[]", out + err


def test_each_public_name_imports_first_in_a_fresh_interpreter() -> None:
    """No import cycle: whichever public name a program asks for first, it imports."""
    runs = {name: _fresh_python(f"from fssim import {name}") for name in fssim.__all__}
    failed = {}
    for name, run in runs.items():
        _, err = run.communicate(timeout=300)
        if run.returncode != 0:
            failed[name] = err[-600:]
    assert failed == {}
