"""The public names of the rules package and of the strategies module are listed in ``__all__``."""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest

import fssim.control.toggle
import fssim.freshsales.crm_adapter
import fssim.freshsales.forced_failures
import fssim.freshsales.receiver
import fssim.integration
import fssim.integration.crm
import fssim.integration.mapping
import fssim.integration.message
import fssim.integration.outcome
import fssim.integration.rules
import fssim.strategies

MODULES = [
    fssim.integration, fssim.integration.crm, fssim.integration.mapping,
    fssim.integration.message, fssim.integration.outcome, fssim.integration.rules,
    fssim.strategies, fssim.freshsales.receiver, fssim.freshsales.crm_adapter,
    fssim.freshsales.forced_failures, fssim.control.toggle,
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
        missing = [name for name in module.__all__ if name not in fssim.integration.__all__
                   and not name.isupper()]
        assert missing == [], f"{module.__name__} names not re-exported: {missing}"


def test_the_rules_import_neither_http_nor_storage_nor_the_other_halves() -> None:
    for module in MODULES[1:6]:
        source = inspect.getsource(module)
        for forbidden in ("fssim.freshsales", "fssim.segment", "fssim.store", "starlette", "httpx",
                          "tinydb"):
            assert f"import {forbidden}" not in source and f"from {forbidden}" not in source, (
                f"{module.__name__} imports {forbidden}")
