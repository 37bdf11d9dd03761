"""The rules package re-exports its modules' names and stays pure: no HTTP, no storage, neither half.

(That every ``__all__`` is complete and names only what exists is checked for the whole package in
``tests/test_public_api.py``.)
"""

from __future__ import annotations

import inspect

import fssim.integration
import fssim.integration.crm
import fssim.integration.mapping
import fssim.integration.message
import fssim.integration.outcome
import fssim.integration.rules

RULE_MODULES = [
    fssim.integration.crm, fssim.integration.mapping, fssim.integration.message,
    fssim.integration.outcome, fssim.integration.rules,
]


def test_the_package_re_exports_every_rule_module_name() -> None:
    for module in RULE_MODULES:
        missing = [name for name in module.__all__ if name not in fssim.integration.__all__
                   and not name.isupper()]
        assert missing == [], f"{module.__name__} names not re-exported: {missing}"


def test_the_rules_import_neither_http_nor_storage_nor_the_other_halves() -> None:
    for module in RULE_MODULES:
        source = inspect.getsource(module)
        for forbidden in ("fssim.freshsales", "fssim.segment", "fssim.store", "starlette", "httpx",
                          "tinydb"):
            assert f"import {forbidden}" not in source and f"from {forbidden}" not in source, (
                f"{module.__name__} imports {forbidden}")
