"""fssim: a local simulator and test harness for the Segment -> Freshsales integration.

The public API is what this module lists in ``__all__`` (README "Python API", docs/harness.md "The Python API")::

    import fssim

    with fssim.open_fssim() as sim:                 # the pytest fixture's object, outside pytest
        sim.connect("acme", source="web")
        sim.identify("ada@example.com", {"firstName": "Ada"})
        sim.flush()
        sim.assert_lead("ada@example.com", first_name="Ada")

Everything else lives in submodules and may change between releases.

The names are imported on first use (PEP 562), not here: the pytest plugin, which pytest loads in
every project that has fssim installed, imports this package, and a project that never uses a fixture
must not pay for Starlette, TinyDB and Hypothesis at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fssim import strategies
    from fssim.app import Simulator, SimulatorConfig
    from fssim.errors import FssimError
    from fssim.harness import Fssim, open_fssim
    from fssim.interception import intercept

__version__ = "0.1.0"

__all__ = [
    "Fssim",
    "FssimError",
    "Simulator",
    "SimulatorConfig",
    "__version__",
    "intercept",
    "open_fssim",
    "strategies",
]

# Public name -> the module that defines it ("" for a submodule re-exported as itself).
_HOMES = {
    "Fssim": "fssim.harness",
    "open_fssim": "fssim.harness",
    "Simulator": "fssim.app",
    "SimulatorConfig": "fssim.app",
    "intercept": "fssim.interception",
    "FssimError": "fssim.errors",
    "strategies": "",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'fssim' has no attribute {name!r}")
    value = importlib.import_module(f"fssim.{name}") if home == "" else getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
