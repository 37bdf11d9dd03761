"""Synchronous HTTP to an ASGI app with no socket: one event loop per client, started on first use.

Starlette's ``TestClient`` runs the app in a *blocking portal* (an event loop in a helper thread). Left
alone it starts a new portal for every request, so anything in the simulator that belongs to an event
loop (locks, queues, delivery tasks) would meet a different loop on every call. Entering the client
(``with TestClient(app)``) fixes that but also runs the app's lifespan, which would start background
delivery that tests want to drive themselves. So we give the client one portal of our own, without
running the lifespan, and close it with the client.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
import weakref
from types import TracebackType
from typing import Any

import anyio.from_thread
import httpx

with warnings.catch_warnings():
    # Starlette announces a move of its test client to another HTTP library; fssim depends on httpx
    # and pins what it needs, so the notice is noise for our users.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

__all__ = ["InProcessClient"]


class InProcessClient:
    """``client.get(...)`` etc. reach ``app`` in-process; ``send(request)`` serves any absolute URL."""

    def __init__(self, app: Any, *, base_url: str = "http://fssim.local") -> None:
        self.client = TestClient(app, base_url=base_url, raise_server_exceptions=True, follow_redirects=False)
        self._stack = contextlib.ExitStack()
        self._lock = threading.Lock()
        self._started = False

    def _ensure_portal(self) -> None:
        # Started lazily: a test that never makes a request pays nothing for the event-loop thread.
        if self._started:
            return
        with self._lock:
            if not self._started:
                self.client.portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
                self._stack.callback(setattr, self.client, "portal", None)
                self._started = True
                _close_before_exit(self)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self._ensure_portal()
        return self.client.request(method, url, **kwargs)

    def send(self, request: httpx.Request) -> httpx.Response:
        """Serve a prepared request whatever its host (used by interception); the body is read fully."""
        self._ensure_portal()
        response = self.client.send(request, follow_redirects=False)
        response.read()
        return response

    def close(self) -> None:
        with self._lock:
            self._stack.close()
            self._started = False
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
