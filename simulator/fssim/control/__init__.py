"""The control API (``/_sim/...``): how tests in any language set up and inspect the simulator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from fssim.control import accounts, core, toggle, workspace

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["routes"]


def routes(sim: Simulator) -> list[BaseRoute]:
    return [*core.routes(sim), *accounts.routes(sim), *toggle.routes(sim), *workspace.routes(sim)]
