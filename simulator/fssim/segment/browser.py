"""What a browser needs from the Tracking API: CORS, analytics.js's short paths and its settings document.

analytics.js (``@segment/analytics-next``) in a page of another origin first fetches
``GET {cdnURL}/v1/projects/{writeKey}/settings``, then posts each call to a one-letter path
(``/v1/t``, ``/v1/p``, ``/v1/i``… or ``/v1/b`` when batching) with an ``Authorization: Basic`` header, so
every call is preceded by a CORS preflight. Its own metrics go to ``POST /v1/m``. Without the answers
here, Chromium blocks every call and the page's promises still resolve: nothing arrives and nothing says so.

The facts about analytics.js used here come from the package itself (docs/segment.md §2.1 cites the files).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fssim.endpoints import Endpoint, bound_to, to_routes
from fssim.masking import mask
from fssim.segment.workspace import Workspace

__all__ = [
    "CORS_ALLOW_HEADERS",
    "CORS_MAX_AGE_SECONDS",
    "ENDPOINTS",
    "SHORT_PATHS",
    "TRACKING_PREFIX",
    "TrackingCORS",
    "browser_routes",
    "metrics",
    "settings",
    "settings_document",
    "web_sources_banner",
]

_log = logging.getLogger("fssim.segment")

TRACKING_PREFIX = "/v1/"

# analytics.js names the path after the call's first letter (plugins/segmentio/index.ts) and posts
# batches to /b (batched-dispatcher.ts); the same handlers as the long paths serve them.
SHORT_PATHS: Mapping[str, str] = {
    "t": "track", "p": "page", "i": "identify", "g": "group", "a": "alias", "s": "screen", "b": "batch",
}

# What analytics.js sets itself (shared-dispatcher.ts, fetch-dispatcher.ts, batched-dispatcher.ts):
# Content-Type (text/plain), Authorization (Basic writeKey:) and X-Retry-Count on retries. Content-Encoding
# is there for pages that gzip. They are named one by one: a "*" never covers Authorization.
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "Content-Encoding", "X-Retry-Count")
CORS_ALLOW_METHODS = "POST, GET, OPTIONS"
# analytics.js reads Retry-After on a 429 (shared-dispatcher.ts); a cross-origin page can read only
# the response headers listed here.
CORS_EXPOSE_HEADERS = "Retry-After, X-RateLimit-Reset"
# Two hours: the longest Chromium keeps a preflight, so one preflight per path serves a whole visit.
CORS_MAX_AGE_SECONDS = 7200


class TrackingCORS:
    """ASGI middleware: CORS on ``/v1/*`` only, so analytics.js works from any page; nothing else opens.

    ``origins`` empty (the default) allows every origin: a local test tool serves whatever page the
    developer runs, on whatever port. A list (``fssim serve --cors-origin``) allows only those.
    """

    def __init__(self, app: ASGIApp, origins: Sequence[str] = ()) -> None:
        self.app = app
        self.origins = tuple(origin.rstrip("/") for origin in origins)

    def allowed_origin(self, origin: str | None) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for this request's ``Origin``, or None to refuse."""
        if origin is None:
            return "*" if not self.origins else None
        if not self.origins or origin in self.origins:
            return origin
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(TRACKING_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        allowed = self.allowed_origin(origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin, allowed, headers)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add_cors(MutableHeaders(scope=message), allowed)
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _preflight(self, origin: str | None, allowed: str | None, headers: Headers) -> Response:
        if allowed is None:
            _log.warning("CORS preflight from origin %r refused: fssim serve --cors-origin allows only %s",
                         origin, ", ".join(self.origins))
            return JSONResponse({"success": False, "code": "origin_not_allowed",
                                 "message": f"origin {origin!r} may not call the Tracking API: it is not one of "
                                            f"--cors-origin {' '.join(self.origins)}"}, status_code=403)
        response = Response(status_code=204)
        _add_cors(response.headers, allowed)
        # The list always; anything else the page asks for too (e.g. a header set through
        # deliveryStrategy.config.headers), so a preflight never fails on a header name.
        requested = [name.strip() for name in headers.get("access-control-request-headers", "").split(",")]
        extra = [name for name in requested if name and name.lower() not in {h.lower() for h in CORS_ALLOW_HEADERS}]
        response.headers["Access-Control-Allow-Methods"] = CORS_ALLOW_METHODS
        response.headers["Access-Control-Allow-Headers"] = ", ".join([*CORS_ALLOW_HEADERS, *extra])
        response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE_SECONDS)
        return response


def _add_cors(headers: MutableHeaders, allowed: str | None) -> None:
    headers.add_vary_header("Origin")
    if allowed is None:
        return
    headers["Access-Control-Allow-Origin"] = allowed
    headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS


def settings_document(write_key: str, api_host: str, protocol: str, destinations: Iterable[str]) -> dict[str, Any]:
    """The settings Segment's CDN serves analytics.js for one source (the fields analytics.js reads).

    ``api_host`` is ``host:port/v1`` of this fssim, without the scheme, as analytics.js expects it.
    """
    return {
        "integrations": {
            "Segment.io": {
                "apiKey": write_key,
                "apiHost": api_host,
                "protocol": protocol,
                # Cloud-mode destinations: analytics.js copies these names into every event's
                # _metadata.unbundled. They are not keys of "integrations" of their own: a second key makes
                # analytics.js fetch its device-mode loader from {cdn}/analytics-next/bundles/, which
                # fssim does not host (docs/segment.md §2.1).
                "unbundledIntegrations": sorted(set(destinations)),
                "addBundledMetadata": True,
                "maybeBundledConfigIds": {},
                "retryQueue": True,
            },
        },
        "plan": {"track": {"__default": {"enabled": True, "integrations": {}}},
                 "identify": {"__default": {"enabled": True}},
                 "group": {"__default": {"enabled": True}}},
        # analytics.js reports on itself to {host}/m at sampleRate 1 unless told otherwise, and the
        # protocol of that call can only be set in the page's load options: off here, so a page that
        # fetched these settings makes no failing https call to fssim. A page may turn them on.
        "metrics": {"sampleRate": 0, "host": api_host},
        "middlewareSettings": {},
        "enabledMiddleware": {},
        "legacyVideoPluginsEnabled": False,
        "remotePlugins": [],
    }


async def settings(workspace: Workspace, request: Request) -> JSONResponse:
    """``GET /v1/projects/{writeKey}/settings``: the document Segment's CDN serves analytics.js."""
    write_key = request.path_params["write_key"]
    source = workspace.source_by_key(write_key)
    if source is None:
        # Simulator policy: the real CDN's answer to an unknown key is not published; a 404 that says
        # why makes analytics.js fail to load with this message in the console, as a typo should.
        _log.warning("settings asked for unknown write key %r: answered 404", mask(write_key))
        return JSONResponse({"success": False, "code": "invalid_write_key",
                             "message": f"no source has the write key {write_key!r}; create it with "
                                        "POST /_sim/sources"}, status_code=404)
    destinations = [d["name"] for d in workspace.destinations_of(source["name"]) if d.get("enabled", True)]
    return JSONResponse(settings_document(write_key, f"{request.url.netloc}/v1", request.url.scheme,
                                          destinations))


async def metrics(workspace: Workspace, request: Request) -> JSONResponse:
    """``POST /v1/m``: analytics.js's counters about itself, answered so it stays quiet, never logged as
    customer events."""
    body = await request.body()
    _log.debug("analytics.js metrics (%d bytes) accepted and not kept", len(body))
    return JSONResponse({"success": True})


BrowserHandler = Callable[[Workspace, Request], Awaitable[Response]]

ENDPOINTS: list[Endpoint[BrowserHandler]] = [
    Endpoint("GET", "/v1/projects/{write_key}/settings", settings, "The CDN settings document analytics.js loads",
             "tracking"),
    Endpoint("POST", "/v1/m", metrics, "analytics.js's own metrics (accepted, not kept)", "tracking"),
]


def browser_routes(workspace: Workspace) -> list[BaseRoute]:
    """The settings document and the metrics sink, bound to the workspace they read."""
    return to_routes(ENDPOINTS, bound_to(workspace))


def web_sources_banner(base_url: str, sources: Iterable[Mapping[str, Any]]) -> str:
    """What ``fssim serve`` prints for each web source: how a page points analytics.js at this fssim."""
    lines = []
    for source in sources:
        if source.get("kind") != "web":
            continue
        key = source["write_key"]
        lines += [
            f"Web source '{source['name']}': point analytics.js (@segment/analytics-next) at fssim",
            f"    npm       AnalyticsBrowser.load({{ writeKey: '{key}', cdnURL: '{base_url}' }})",
            f"    snippet   analytics._writeKey = '{key}'; analytics._cdn = '{base_url}'",
            "              and load your own copy of @segment/analytics-next/dist/umd/standalone.js",
            f"    settings  {base_url}/v1/projects/{key}/settings   (apiHost, protocol and destinations)",
        ]
    return "\n".join(lines)
