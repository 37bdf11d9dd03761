"""Which methods a path answers, for the ``Allow`` header every 405 must carry (RFC 9110 §15.5.6).

Every surface makes one Starlette route per (method, path) (:func:`fssim.endpoints.to_routes`), so when a
path matches under no method Starlette's own 405 names only the first route it tried. This collects the
methods of *every* route (inside mounts too) whose path matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from starlette.routing import BaseRoute, Match, Mount, Route

__all__ = ["allowed_methods"]


def allowed_methods(routes: Iterable[BaseRoute], scope: Mapping[str, Any]) -> list[str]:
    """The methods some route of the app's ``routes`` answers at ``scope``'s path, sorted (``HEAD`` with
    ``GET``). ``scope`` may be the one a mount already changed: matching starts again from the app's root."""
    root = {"type": "http", "path": scope["path"], "method": scope.get("method", "GET"),
            "root_path": scope.get("app_root_path", ""), "app_root_path": scope.get("app_root_path", "")}
    return sorted(_collect(routes, root))


def _collect(routes: Iterable[BaseRoute], scope: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for route in routes:
        match, child_scope = route.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):
            found.update(_collect(route.routes, {**scope, **child_scope}))
        elif isinstance(route, Route) and route.methods:
            found.update(route.methods)
    return found
