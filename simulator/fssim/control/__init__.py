"""The control API (``/_sim/...``): how tests in any language set up and inspect the simulator.

Each module holds one table of endpoints (``ENDPOINTS``); :data:`ENDPOINTS` is all of them, in the
order the app tries them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from fssim.control import accounts, core, faults, toggle, users, workspace
from fssim.control.http import ControlEndpoint
from fssim.endpoints import bound_to, to_routes

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["ENDPOINTS", "routes"]

ENDPOINTS: list[ControlEndpoint] = [*core.ENDPOINTS, *accounts.ENDPOINTS, *toggle.ENDPOINTS, *faults.ENDPOINTS,
                                    *workspace.ENDPOINTS, *users.ENDPOINTS]


def routes(sim: Simulator) -> list[BaseRoute]:
    return to_routes(ENDPOINTS, bound_to(sim))
