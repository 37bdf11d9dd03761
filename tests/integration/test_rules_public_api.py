"""The public names of the rules package and of the strategies module are listed in ``__all__``."""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest

import simulator.control.toggle
import simulator.freshsales.crm_adapter
import simulator.freshsales.forced_failures
import simulator.freshsales.receiver
import simulator.integration
import simulator.integration.crm
import simulator.integration.mapping
import simulator.integration.message
import simulator.integration.outcome
import simulator.integration.rules
import simulator.strategies

MODULES = [
    simulator.integration, simulator.integration.crm, simulator.integration.mapping,
    simulator.integration.message, simulator.integration.outcome, simulator.integration.rules,
    simulator.strategies, simulator.freshsales.receiver, simulator.freshsales.crm_adapter,
    simulator.freshsales.forced_failures, simulator.control.toggle,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_all_lists_exactly_the_public_names_defined_here(module: ModuleType) -> None:
    exported = set(module.__all__)
    assert all(hasattr(module, name) for name in exported), "__all__ names something that does not exist"
    defined_here = {
        name for name, value in vars(module).items()
        if not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
        and getattr(value, "__module__", None) == module.__name__
    }
    assert defined_here <= exported, f"public but not in __all__: {sorted(defined_here - exported)}"


def test_the_package_re_exports_every_rule_module_name() -> None:
    for module in MODULES[1:6]:
        missing = [name for name in module.__all__ if name not in simulator.integration.__all__
                   and not name.isupper()]
        assert missing == [], f"{module.__name__} names not re-exported: {missing}"


def test_the_rules_import_neither_http_nor_storage_nor_the_other_halves() -> None:
    for module in MODULES[1:6]:
        source = inspect.getsource(module)
        for forbidden in ("simulator.freshsales", "simulator.segment", "simulator.store", "starlette", "httpx",
                          "tinydb"):
            assert f"import {forbidden}" not in source and f"from {forbidden}" not in source, (
                f"{module.__name__} imports {forbidden}")
