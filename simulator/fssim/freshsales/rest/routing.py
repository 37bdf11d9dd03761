"""The REST API's router: the endpoint table's routes, plus what the table does not name.

* A path with a trailing slash (``/api/sales_activities/``) is served exactly like the same path
  without it. Starlette's default is a 307 redirect, and clients that follow it (``requests``) drop
  the ``Authorization`` header on the way and then get 401.
* The bare prefix (``/api``, ``/crm/sales/api``, with or without slashes) belongs to the REST API
  too: :class:`RestMount` takes it, so the app's router never redirects it to ``/api/`` (a plain
  ``Mount`` only matches ``/api/...``, and Starlette then answers the bare prefix with a 307).
* A path no endpoint serves answers 404, a known path with a method it does not serve answers 405 (with
  ``Allow``), both in Freshsales' error shape ``{"errors": {"code", "message": [...]}}`` that clients
  parse (reference §4), with ``error_code`` beside it for clients that read the older mock shape.

Simulator policy: these two answers do not check the API key. They reveal nothing about any account,
and a client that mistyped a path learns that first, whatever its key.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Mount, Router, get_route_path
from starlette.types import Receive, Scope, Send

__all__ = ["RestMount", "RestRouter", "unknown_path_body"]


def unknown_path_body(status: int, message: str) -> dict[str, object]:
    """The body of a 404/405 from the REST router: the real envelope, and the mock's ``error_code``."""
    return {"errors": {"code": status, "message": [message]}, "error_code": status}


class RestRouter:
    """An ASGI app over the REST routes (mounted at ``/api`` and ``/crm/sales/api``)."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self._router = Router(routes=routes, redirect_slashes=False)

    @property
    def routes(self) -> list[BaseRoute]:
        return self._router.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._router(scope, receive, send)
            return
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if path.endswith("/") and path != "/" and len(path) > len(root):
            # Same request, same headers, the path without its trailing slash(es) (the bare prefix
            # ``/api/`` becomes ``/api``, which no endpoint serves: a 404 below).
            scope = {**scope, "path": path.rstrip("/") or "/"}
            if "raw_path" in scope:
                scope["raw_path"] = scope["path"].encode()
        allowed: set[str] = set()
        for route in self._router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                await self._router(scope, receive, send)
                return
            if match == Match.PARTIAL:
                allowed |= set(getattr(route, "methods", None) or ())
        method, shown = scope["method"], scope["path"]
        if allowed:
            status, message = 405, (f"Method {method} is not allowed on {shown}; "
                                    f"allowed: {', '.join(sorted(allowed))}")
            headers = {"Allow": ", ".join(sorted(allowed))}
        else:
            status, message, headers = 404, f"Not Found: no Freshsales API endpoint {method} {shown}", {}
        await JSONResponse(unknown_path_body(status, message), status_code=status, headers=headers)(
            scope, receive, send)


class RestMount(Mount):
    """A ``Mount`` of the REST API at ``prefix`` that also takes the bare prefix itself (``/api``), so
    that every path under the prefix, the prefix included, is answered by :class:`RestRouter`."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and get_route_path(scope) == self.path:
            root_path = scope.get("root_path", "")
            return Match.FULL, {"path_params": dict(scope.get("path_params", {})),
                                "app_root_path": scope.get("app_root_path", root_path),
                                "root_path": root_path + self.path, "endpoint": self.app}
        return super().matches(scope)
