"""Synchronous HTTP to an ASGI app with no socket: one event loop per client, started on first use.

The simulator's app is asynchronous; tests and intercepted clients are synchronous. Each
:class:`InProcessClient` owns one *blocking portal* (an event loop in a helper thread) and hands every
request to it in a single hop, where httpx's own ``ASGITransport`` runs the app. One loop per client
means anything in the simulator that belongs to an event loop (locks, delivery clients) always meets the
same loop; one hop per request keeps a request at a fraction of a millisecond (Starlette's TestClient
needs about eight hops). The app's lifespan is not run, so there is no background delivery: tests flush.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from types import TracebackType
from typing import Any

import anyio.from_thread
import httpx

__all__ = ["InProcessClient"]


class _PortalTransport(httpx.BaseTransport):
    """Runs each request through ``httpx.ASGITransport`` inside the owner's event loop."""

    def __init__(self, app: Any, owner: InProcessClient) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._owner = owner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def run() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            inner = httpx.Request(request.method, request.url, headers=request.headers, content=body,
                                  extensions=request.extensions)
            answer = await self._asgi.handle_async_request(inner)
            content = await answer.aread()
            return answer.status_code, answer.headers.raw, content

        status, headers, content = self._owner.portal().call(run)
        return httpx.Response(status, headers=headers, content=content, request=request)


class InProcessClient:
    """``request(...)`` reaches ``app`` in-process (relative URLs); ``send(request)`` serves any absolute
    URL, keeping its host (used by interception). ``client`` is the underlying ``httpx.Client``."""

    def __init__(self, app: Any, *, base_url: str = "http://fssim.local") -> None:
        self.client = httpx.Client(transport=_PortalTransport(app, self), base_url=base_url,
                                   follow_redirects=False)
        self._stack = contextlib.ExitStack()
        self._lock = threading.Lock()
        self._portal: anyio.from_thread.BlockingPortal | None = None

    def portal(self) -> anyio.from_thread.BlockingPortal:
        """The client's event loop, started on first use (a test that sends nothing pays nothing)."""
        portal = self._portal
        if portal is not None:
            return portal
        with self._lock:
            if self._portal is None:
                self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
                _close_before_exit(self)
            return self._portal

    @property
    def started(self) -> bool:
        return self._portal is not None

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, url, **kwargs)

    def send(self, request: httpx.Request) -> httpx.Response:
        response = self.client.send(request, follow_redirects=False)
        response.read()
        return response

    def close(self) -> None:
        with self._lock:
            self._portal = None
            self._stack.close()
        _open_clients.discard(self)
        self.client.close()

    def __enter__(self) -> InProcessClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


_open_clients: weakref.WeakSet[InProcessClient] = weakref.WeakSet()
_exit_hook_installed = False


def _close_before_exit(client: InProcessClient) -> None:
    """Stop the client's event-loop thread when the interpreter exits, if nobody closed it.

    The portal's loop runs in a non-daemon worker thread that Python joins at exit, *before* ``atexit``
    handlers run: a script that forgot ``close()`` would hang instead of ending. ``threading`` offers the
    one hook that runs earlier (the one ``concurrent.futures`` itself uses); where it is missing we do
    without it. One hook serves every client; closed clients leave the weak set by themselves.
    """
    global _exit_hook_installed
    _open_clients.add(client)
    if _exit_hook_installed:
        return
    register = getattr(threading, "_register_atexit", None)
    if register is None:  # pragma: no cover - every CPython fssim supports has it
        return
    with contextlib.suppress(RuntimeError):  # "can't register atexit after shutdown"
        register(_close_all)
        _exit_hook_installed = True


def _close_all() -> None:
    for client in list(_open_clients):
        client.close()
