"""Every module of the fake Segment lists its public names in ``__all__``, and only names it has."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import fssim.segment

MODULES = [f"fssim.segment.{m.name}" for m in pkgutil.iter_modules(fssim.segment.__path__)] + [
    "fssim.segment", "fssim.generator", "fssim.commands.traffic", "fssim.control.workspace"]


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_exactly_the_public_classes_and_functions(name: str) -> None:
    module = importlib.import_module(name)
    listed = set(module.__all__)
    assert all(hasattr(module, item) for item in listed), f"{name}.__all__ names something it lacks"
    defined = {
        item for item, value in vars(module).items()
        if not item.startswith("_") and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", None) == name
    }
    assert defined <= listed, f"{name}: public but not in __all__: {sorted(defined - listed)}"
