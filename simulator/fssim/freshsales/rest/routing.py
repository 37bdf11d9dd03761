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

Routing cost (issue 12): Starlette's ``Router`` tries every route's regex in order, and the table
has about 85 rows. The router here first narrows the table to the rows whose literal first segment
(``leads`` in ``/leads/{id:int}``) is the request's, so a request tries a handful of regexes, in table
order, and only those whose path has as many slashes as the request's (``/leads/{id:int}`` is never tried
for ``/leads/view/7``); the route found is handled directly, not looked up a second time.

The REST mounts also get a shortcut past the app's own layers (:class:`RestShortcut`): a REST call
meets no Starlette ``ExceptionMiddleware`` and no app-level ``Router``, only the guard in front and
the REST router behind it.

Simulator policy: these two answers do not check the API key. They reveal nothing about any account,
and a client that mistyped a path learns that first, whatever its key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from starlette.convertors import IntegerConvertor
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Mount, Route, Router, get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send

from fssim.guard import REST_LIMIT, counting, marking

__all__ = ["RestMount", "RestRouter", "RestShortcut", "unknown_path_body"]


def unknown_path_body(status: int, message: str) -> dict[str, object]:
    """The body of a 404/405 from the REST router: the real envelope, and the mock's ``error_code``."""
    return {"errors": {"code": status, "message": [message]}, "error_code": status}


class RestRouter:
    """An ASGI app over the REST routes (mounted at ``/api`` and ``/crm/sales/api``)."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self._router = Router(routes=routes, redirect_slashes=False)
        anywhere, by_segment = _by_first_segment(routes)
        self._any = _matchers(anywhere)
        self._by_shape = {segment: [_matchers(shape) for shape in _by_depth(candidates)]
                          for segment, candidates in by_segment.items()}

    @property
    def routes(self) -> list[BaseRoute]:
        return self._router.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._router(scope, receive, send)
            return
        routed, app = self.route(scope)
        await app(routed, receive, send)

    def route(self, scope: Scope) -> tuple[Scope, ASGIApp]:
        """The scope of an HTTP request as the route that answers it sees it (``scope`` itself, or a copy
        without a trailing slash), and the ASGI app to call with it: a gate, which counts the body it
        reads and marks its answer's start itself, or else the route's app, or the 404/405 answer,
        through the guard's counter and marker (:func:`_counted`). A caller that awaits the app itself
        (``fssim.app.SimulatorApp``) spares a coroutine per call (issue 12)."""
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if path.endswith("/") and path != "/" and len(path) > len(root):
            # Same request, same headers, the path without its trailing slash(es) (the bare prefix
            # ``/api/`` becomes ``/api``, which no endpoint serves: a 404 below).
            scope = {**scope, "path": path.rstrip("/") or "/"}
            if "raw_path" in scope:
                scope["raw_path"] = scope["path"].encode()
        allowed: set[str] | None = None  # made only when a path matches with another method (a 405)
        if "router" not in scope:
            scope["router"] = self._router
        # Starlette's get_route_path and _first_segment, written out (issue 12: a call each per request).
        path = scope["path"]
        if not root or not path.startswith(root):
            route_path = path
        elif path == root:
            route_path = ""
        elif path[len(root)] == "/":
            route_path = path[len(root):]
        else:
            route_path = path
        by_depth = self._by_shape.get(route_path.split("/", 2)[1] if route_path[:1] == "/" else route_path)
        candidates = self._any if by_depth is None else by_depth[min(route_path.count("/"), len(by_depth) - 1)]
        for route, match_path, literal, params, methods, app, endpoint, counts in candidates:
            if match_path is None:  # not a plain Route: its own matching
                match, child_scope = route.matches(scope)
                if match == Match.FULL:
                    # What Starlette's Router does with the route it finds, without finding it again.
                    scope["route"] = route
                    scope.update(child_scope)
                    return scope, _counted(route.handle)
                if match == Match.PARTIAL:
                    allowed = (allowed or set()) | set(getattr(route, "methods", None) or ())
                continue
            # ``Route.matches`` and ``Route.handle``, written out for a route whose app is its endpoint.
            if literal is not None:  # a path without parameters: what its regex matches, without the regex
                if route_path not in literal:
                    continue
                found = None
            else:
                found = match_path(route_path)
                if found is None:
                    continue
            if methods and scope["method"] not in methods:
                allowed = (allowed or set()) | methods
                continue
            if params:
                path_params = dict(scope.get("path_params", {}))
                for group, name, convert in params:  # the regex's groups in order, as groupdict() gives them
                    path_params[name] = convert(found[group])  # type: ignore[index]  # found: params need a regex
                scope["path_params"] = path_params
            elif "path_params" not in scope:
                scope["path_params"] = {}
            # (A path without parameters keeps the request's own dict, which the mount made for it: no copy.)
            scope["route"] = route
            scope["endpoint"] = endpoint
            # A gate counts the body it reads and marks its answer's start (the guard in front hands on the
            # server's receive and send: see fssim.guard.EdgeGuard.admit); any other app reads through
            # the guard's counter and sends through its marker.
            return scope, app if counts else _counted(app)
        method, shown = scope["method"], scope["path"]
        if allowed:
            status, message = 405, (f"Method {method} is not allowed on {shown}; "
                                    f"allowed: {', '.join(sorted(allowed))}")
            headers = {"Allow": ", ".join(sorted(allowed))}
        else:
            status, message, headers = 404, f"Not Found: no Freshsales API endpoint {method} {shown}", {}
        return scope, _counted(JSONResponse(unknown_path_body(status, message), status_code=status, headers=headers))


def _counted(app: ASGIApp) -> ASGIApp:
    """``app``, reading through the guard's counter and sending through its marker."""

    async def counted(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, counting(receive, REST_LIMIT), marking(send, scope))

    return counted


# A candidate route: the route, then for a plain ``Route`` its regex's match, the texts its regex matches
# when its path has no parameter (else None), its parameters (group number, name, converter), methods,
# app, endpoint and whether the app counts the body it reads (a ``counts_body`` app: the REST gate); no
# regex for any other route, which matches and handles itself.
_Param = tuple[int, str, Callable[[str], Any]]
_Matcher = tuple[BaseRoute, Callable[[str], "re.Match[str] | None"] | None, "tuple[str, str] | None",
                 tuple[_Param, ...], "set[str] | None", ASGIApp, Any, bool]


def _matchers(routes: list[BaseRoute]) -> list[_Matcher]:
    """What :meth:`RestRouter.__call__` needs of each route, read once (issue 12: a REST call tried a
    handful of ``Route.matches``, each reading the route path and building a child scope again)."""
    return [(route, route.path_regex.match, _literal(route), _params(route), route.methods, route.app, route.endpoint,
             getattr(route.app, "counts_body", False) is True)
            if isinstance(route, Route) and type(route) is Route
            else (route, None, None, (), None, route.handle, None, False)
            for route in routes]


def _literal(route: Route) -> tuple[str, str] | None:
    """For a path without parameters, the two texts its regex (``^path$``, by ``match``) takes: the path,
    and the path with one newline after it (``$`` also matches before a final newline)."""
    if route.param_convertors:
        return None
    assert route.path_regex.pattern == "^" + re.escape(route.path) + "$", route.path_regex.pattern
    return route.path, route.path + "\n"


def _params(route: Route) -> tuple[_Param, ...]:
    """The route's parameters in the order of their regex groups, each with its converter: ``int`` itself
    for ``{name:int}``, whose ``convert`` is ``int(value)``, so no method call per request."""
    params: list[_Param] = []
    for name, group in sorted(route.path_regex.groupindex.items(), key=lambda item: item[1]):
        convertor = route.param_convertors[name]
        params.append((group, name, int if type(convertor) is IntegerConvertor else convertor.convert))
    return tuple(params)


def _first_segment(path: str) -> str:
    """``/leads/12`` → ``leads``; ``/`` → ``""``."""
    return path.split("/", 2)[1] if path.startswith("/") else path


def _by_first_segment(routes: list[BaseRoute]) -> tuple[list[BaseRoute], dict[str, list[BaseRoute]]]:
    """The routes any path may match (a parameter or a non-``Route`` first), and for each literal first
    segment the routes a path starting with it may match: its own and those, in table order. A ``Route``
    whose first segment is literal matches only paths with that same first segment, so leaving the
    others out changes no answer."""
    literal: dict[int, str] = {}
    for index, route in enumerate(routes):
        if isinstance(route, Route) and "{" not in (segment := _first_segment(route.path)):
            literal[index] = segment
    anywhere = [route for index, route in enumerate(routes) if index not in literal]
    by_segment = {segment: [route for index, route in enumerate(routes) if literal.get(index, segment) == segment]
                  for segment in set(literal.values())}
    return anywhere, by_segment


def _depth(route: BaseRoute) -> int | None:
    """How many slashes every path the route matches has (``/leads/{id:int}``: 2); ``None`` when that
    is not fixed (a ``{name:path}`` parameter, which may hold slashes, or not a ``Route``). No other
    parameter's pattern takes a slash, so a path of another depth cannot match the route."""
    if not isinstance(route, Route) or ":path}" in route.path:
        return None
    return route.path.count("/")


def _by_depth(routes: list[BaseRoute]) -> list[list[BaseRoute]]:
    """For each depth a path may have, the routes it may match, in table order; the last entry is for
    every path deeper than any route (only the routes of no fixed depth)."""
    deepest = max((depth for route in routes if (depth := _depth(route)) is not None), default=0)
    return [[route for route in routes if _depth(route) in (None, depth)] for depth in range(deepest + 2)]


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


class RestShortcut:
    """ASGI middleware: a request the REST mounts take goes straight to them.

    The app's router would pick the same mount (the REST mounts are its first routes, and the mount's
    own ``matches`` decides here too), so the answer is the same; what is skipped is Starlette's
    ``ExceptionMiddleware`` and ``Router`` in between, whose only REST work was to find the mount:
    the REST router answers its own 404/405 and the gate its own errors, and anything that escapes
    still meets the edge guard (JSON 500), as before (issue 12: REST CPU). :meth:`take` is the decision
    alone, for an app that puts the edge guard between it and the mount (``fssim.app.SimulatorApp``).
    """

    def __init__(self, app: ASGIApp, *, mounts: Sequence[Mount]) -> None:
        self.app = app
        self.mounts = tuple(mounts)
        self._under = tuple((mount, mount.path + "/") for mount in self.mounts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.take(scope):
            await scope["endpoint"](scope, receive, send)
            return
        await self.app(scope, receive, send)

    def take(self, scope: Scope) -> bool:
        """Whether a REST mount takes this HTTP request; if it does, ``scope`` is now what the app's
        router hands that mount (its ``endpoint`` the mount's app)."""
        path: str = scope["path"]
        plain = not scope.get("root_path") and "\n" not in path  # else the mount's own regex decides
        if not plain:
            path = get_route_path(scope)
        for mount, under in self._under:
            if not path.startswith(under) and path != mount.path:
                continue  # the mount cannot match: its path, or its path and a slash, start every match
            if plain:
                # What ``mount.matches`` answers for a path it takes, without its regex: the mount's
                # path becomes the root path, the rest the path the REST router routes.
                if "router" not in scope and "app" in scope:
                    scope["router"] = scope["app"].router
                scope["route"] = mount
                params = scope.get("path_params")  # a server's scope has none: one new dict, not two
                scope["path_params"] = {} if params is None else dict(params)
                scope["app_root_path"] = scope.get("app_root_path", "")
                scope["root_path"] = mount.path
                scope["endpoint"] = mount.app
                return True
            match, child_scope = mount.matches(scope)
            if match is Match.FULL:
                if "router" not in scope and "app" in scope:
                    scope["router"] = scope["app"].router
                scope["route"] = mount
                scope.update(child_scope)
                return True
        return False
