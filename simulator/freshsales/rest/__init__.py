"""The fake Freshsales REST API (filled in by the REST modules; see docs/freshsales.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from simulator.freshsales.service import Freshsales

__all__ = ["routes"]


def routes(freshsales: Freshsales) -> list[BaseRoute]:
    return []
