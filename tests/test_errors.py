"""One error root: every exception class fssim defines is a FssimError, listed where the tree is documented."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import fssim
from fssim import errors
from fssim.errors import FssimError, Refusal

# "- Name (module; also Builtin): ..." in the errors module's docstring; nesting by indentation.
_ENTRY = re.compile(r"^(?P<indent> *)- (?P<name>\w+) \((?P<module>[\w.]+)(?:; also (?P<also>\w+))?\):")


def _defined_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class defined (not merely imported) in any fssim module, by name."""
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(fssim.__path__, "fssim."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == info.name:
                assert value.__name__ not in found, f"two exception classes named {value.__name__}"
                found[value.__name__] = value
    return found


def _documented_tree() -> dict[str, tuple[str, str | None, str | None]]:
    """name -> (module, documented parent, documented builtin base) from the docstring's tree."""
    assert errors.__doc__ is not None
    tree: dict[str, tuple[str, str | None, str | None]] = {}
    open_parents: list[tuple[int, str]] = []  # (indent, name) of the entries above, innermost last
    for line in errors.__doc__.splitlines():
        match = _ENTRY.match(line)
        if match is None:
            continue
        indent = len(match["indent"])
        while open_parents and open_parents[-1][0] >= indent:
            open_parents.pop()
        parent = open_parents[-1][1] if open_parents else None
        assert match["name"] not in tree, f"{match['name']} is listed twice"
        tree[match["name"]] = (match["module"], parent, match["also"])
        open_parents.append((indent, match["name"]))
    return tree


def test_every_fssim_exception_derives_from_the_root_and_is_in_the_documented_tree() -> None:
    defined = _defined_exceptions()
    tree = _documented_tree()
    assert set(defined) == set(tree), "errors.py's docstring must list exactly the exception classes fssim defines"
    for name, cls in defined.items():
        assert issubclass(cls, FssimError), f"{cls.__module__}.{name} does not derive from FssimError"
        module, parent, also = tree[name]
        assert cls.__module__ == module, f"{name} is documented in {module}, defined in {cls.__module__}"
        fssim_bases = [base for base in cls.__bases__ if issubclass(base, FssimError)]
        builtin_bases = [base.__name__ for base in cls.__bases__ if not issubclass(base, FssimError)]
        if cls is FssimError:
            assert parent is None and builtin_bases == ["Exception"]
            continue
        assert [base.__name__ for base in fssim_bases] == [parent], f"{name} is documented under {parent}"
        assert builtin_bases == ([also] if also else []), f"{name}'s builtin base is documented as {also}"


@pytest.mark.parametrize(("name", "builtin"), [
    ("AccountExistsError", ValueError), ("UnknownAccountError", KeyError), ("NotJSON", ValueError),
    ("HarnessError", AssertionError), ("InterceptRefused", ConnectionRefusedError),
])
def test_errors_callers_catch_as_builtins_still_are_those_builtins(name: str, builtin: type[Exception]) -> None:
    cls = _defined_exceptions()[name]
    assert issubclass(cls, builtin) and issubclass(cls, FssimError)


def test_the_three_refusals_share_one_shape() -> None:
    from fssim.control.http import ControlError
    from fssim.segment.tracking import TrackingError
    from fssim.segment.workspace import WorkspaceError

    for refusal in (ControlError(409, "taken"), WorkspaceError(409, "taken"), TrackingError(409, "taken", "taken")):
        assert isinstance(refusal, Refusal)
        assert (refusal.status_code, refusal.message, str(refusal)) == (409, "taken", "taken")
    assert ControlError(404, "no such account").to_json() == {"message": "no such account"}
    assert TrackingError(400, "invalid_json", "Invalid JSON").to_json() == {
        "success": False, "code": "invalid_json", "message": "Invalid JSON"}
