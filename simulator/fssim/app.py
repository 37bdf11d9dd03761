"""The one ASGI app: the Segment Tracking API, Freshsales (REST API and Segment receiver) and the
control API on one port, and the :class:`Simulator` that owns their shared state.

The same app runs under uvicorn (``fssim serve``, end-to-end tests) and in-process with no socket
(the pytest plugin), so both paths exercise exactly the same code.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from fssim import control, dashboard
from fssim.allowed import allowed_methods
from fssim.clock import Clock, isoformat
from fssim.freshsales.receiver import receiver_routes
from fssim.freshsales.receiver_core import ReceiverCore
from fssim.freshsales.rest.routing import RestMount, RestRouter, RestShortcut, unknown_path_body
from fssim.freshsales.service import Freshsales
from fssim.guard import ANSWER_STARTED, EdgeGuard, answer_failure
from fssim.segment.browser import TrackingCORS
from fssim.segment.retention import DEFAULT_LOG_MAX_AGE_SECONDS, DEFAULT_LOG_MAX_ENTRIES, LogWindow
from fssim.segment.service import Segment
from fssim.store import Database

__all__ = ["IN_PROCESS_BASE_URL", "Simulator", "SimulatorApp", "SimulatorConfig", "create_app"]

# Where Segment's in-process delivery "sends" its requests, as /_sim/state shows it: the host is never
# resolved, each request is handed to the receiver's core as a value.
IN_PROCESS_BASE_URL = "http://freshsales.fssim"

FRESHSALES_API_PREFIXES = ("/api", "/crm/sales/api")


@dataclass(frozen=True)
class SimulatorConfig:
    db_path: str | None = None  # None: in-memory TinyDB; a path: a TinyDB JSON snapshot plus a journal
    strict: bool = False  # Segment answers 401 to an unknown write key instead of 200
    rate_limits: bool = True  # Freshsales plan limits (R12); one switch turns them all off
    frozen_clock: bool = False  # time moves only through /_sim/clock/advance (deterministic tests)
    delivery_base_url: str | None = None  # deliver to a remote receiver instead of in-process
    background_delivery: bool = False  # deliver by itself (fssim serve); tests flush explicitly
    cors_origins: tuple[str, ...] = ()  # origins whose pages may call /v1/*; empty: any origin
    allowed_hosts: tuple[str, ...] = ()  # Host names the control plane answers besides loopback (serve --host)
    show_keys: bool = False  # control answers show API and write keys in full (serve --show-keys)
    delivery_order: str = "ordered"  # or "unordered": a user's messages may overtake each other (seeded)
    delivery_seed: int = 0  # seeds the unordered shuffle, so a failing run replays exactly
    # How many entries / how much simulated time the event and delivery logs keep (None: no bound).
    log_max_entries: int | None = DEFAULT_LOG_MAX_ENTRIES
    log_max_age_seconds: float | None = DEFAULT_LOG_MAX_AGE_SECONDS


class Simulator:
    """Everything one simulated world holds: clock, store, Freshsales, Segment and the app."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.clock = Clock(frozen=self.config.frozen_clock)
        self.db = Database(self.config.db_path)
        self.freshsales = Freshsales(self.db, self.clock, rate_limits=self.config.rate_limits)
        self.segment = Segment(self.db, self.clock, strict=self.config.strict,
                               delivery_order=self.config.delivery_order, delivery_seed=self.config.delivery_seed,
                               log_window=LogWindow(self.config.log_max_entries, self.config.log_max_age_seconds))
        # R2: switching the toggle on in Freshsales hands the account's key and subdomain to Segment.
        # The two halves never import each other; this line is the whole seam.
        self.freshsales.on_segment_enabled(self.segment.connect_freshsales)
        # One receiver core for both ways in: the HTTP endpoint and Segment's in-process delivery, which
        # hands it each request as a value (no httpx, no ASGI, no Starlette objects on the way).
        self.receiver = ReceiverCore(self.freshsales)
        self.app = create_app(self)
        if self.config.delivery_base_url:
            self.segment.set_transport(httpx.AsyncHTTPTransport(), self.config.delivery_base_url)
        else:
            self.segment.set_exchange(self.receiver.exchange, IN_PROCESS_BASE_URL)

    def reset(self) -> None:
        """Forget every account, record, source, event and delivery (the clock keeps its time).

        One clear of the whole store; the two halves then forget only what they hold in memory."""
        self.db.clear()
        self.freshsales.reset()
        self.segment.reset()

    def state(self) -> dict[str, Any]:
        return {
            "now": isoformat(self.clock.now()),
            "freshsales": self.freshsales.state(),
            "segment": self.segment.state(),
        }

    def close(self) -> None:
        self.db.close()

    def intercept(self, **options: Any) -> contextlib.AbstractContextManager[None]:
        """``with sim.intercept():`` routes requests/httpx calls for api.segment.io, *.freshsales.io and
        *.myfreshworks.com into this simulator (options: see :func:`fssim.interception.intercept`)."""
        from fssim.interception import intercept  # imported here: interception is a test-time feature

        return intercept(self, **options)


class SimulatorApp(Starlette):
    """The one app: Starlette, with a REST call's way into it made short.

    A REST call (``/api/...``, ``/crm/sales/api/...``) goes from here to the edge guard and then straight
    to its mount (:class:`RestShortcut` decides, as the app's router would). Starlette's own outer layers
    do nothing for it: ``TrackingCORS`` acts on ``/v1`` only, and the server-error layer never answers a
    guarded call (the guard answers every error as JSON, then raises it on, which that layer only
    re-raises once an answer has started). So it meets neither (issue 12: each layer costs every call).
    Every other request, and the lifespan, take Starlette's way through all of them.
    """

    def __init__(self, *, rest_mounts: Sequence[RestMount], allowed_hosts: tuple[str, ...], **options: Any) -> None:
        super().__init__(**options)
        self._shortcut = RestShortcut(super().__call__, mounts=rest_mounts)
        # Every REST mount serves the one REST router (the mount take() chooses only sets the root path),
        # and the edge guard's checks and error answers are made here, around it: no coroutine of the
        # guard's and none to look the mount's app up. The router's gates count the bodies they read
        # and mark their answers' start, and its other routes and answers get the guard's counter and
        # marker, so the server's receive and send go to it as they are (issue 12: each layer costs
        # every call).
        (router,) = {id(mount.app): mount.app for mount in rest_mounts}.values()
        assert isinstance(router, RestRouter), router
        self._rest = router
        self._rest_guard = EdgeGuard(router, allowed_hosts=allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["app"] = self
            if self._shortcut.take(scope):
                # EdgeGuard.__call__, without its wrappers (EdgeGuard.admit says what the router must do).
                limit, refused = self._rest_guard.admit(scope, receive)
                if refused is not None:
                    await refused(send)
                    return
                routed = scope  # the router's scope once it has routed (a copy, for a trailing slash)
                try:
                    # RestRouter.__call__, without its coroutine: the route found, its app awaited here.
                    routed, app = self._rest.route(scope)
                    await app(routed, receive, send)
                except Exception as error:
                    if routed.get(ANSWER_STARTED) or not await answer_failure(send, limit, error):
                        raise
                return
        await super().__call__(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Every answer is JSON, even for an unknown path, because clients parse error bodies."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:  # name every method the path answers, not only the first route's
        headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
    if request.url.path.startswith(FRESHSALES_API_PREFIXES):
        # A near miss of the REST prefix (/apis/...): the shape Freshsales clients parse (reference §4),
        # as the REST router answers under the prefix itself (freshsales/rest/routing.py).
        return JSONResponse(unknown_path_body(exc.status_code, f"{exc.detail}: {request.method} {request.url.path}"),
                            status_code=exc.status_code, headers=headers)
    return JSONResponse(
        {"message": f"{exc.detail}: {request.method} {request.url.path}"}, status_code=exc.status_code,
        headers=headers,
    )


def create_app(sim: Simulator) -> SimulatorApp:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = None
        if sim.config.background_delivery:
            task = asyncio.create_task(sim.segment.deliver_in_background())
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    rest = sim.freshsales.rest_app()
    # Starlette tries the routes in order, one regex each, so the busiest surfaces come first: the REST
    # API (two mounts), the Tracking API, the receiver. No two surfaces share a path, so the order
    # changes no answer, only how many regexes a request tries (issue 12).
    rest_mounts = [RestMount(prefix, app=rest) for prefix in FRESHSALES_API_PREFIXES]
    routes = [
        *rest_mounts,
        *sim.segment.tracking_routes(),
        *receiver_routes(sim.freshsales, sim.receiver),
        *control.routes(sim),
        *dashboard.routes(sim),  # the HTML pages at / and /ui/... for people
    ]
    return SimulatorApp(
        rest_mounts=rest_mounts,
        allowed_hosts=sim.config.allowed_hosts,
        routes=routes,
        lifespan=lifespan,
        # Browsers may call the Tracking API from any page (analytics.js); nothing else is opened to them.
        # The edge guard sits inside CORS, so a browser can read the Tracking API's refusals too. A REST
        # call meets its own edge guard before all of these (SimulatorApp).
        middleware=[Middleware(TrackingCORS, origins=sim.config.cors_origins),
                    Middleware(EdgeGuard, allowed_hosts=sim.config.allowed_hosts)],
        # Refusals are answered by the routes themselves (fssim.endpoints.to_routes); this only makes
        # Starlette's own 404/405 JSON.
        exception_handlers={HTTPException: _http_error},
    )
