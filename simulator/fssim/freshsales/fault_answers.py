"""How a :class:`~fssim.freshsales.forced_failures.Fault` is acted out on the wire, for the receiver and
the REST gate alike.

* **latency**: real seconds (``anyio.sleep``), on both surfaces. *Simulator policy*: latency is
  something a client measures with its own clock, and the simulated clock must not move behind a
  test's back; what simulated time cannot show, Segment's 10-second delivery time-out, is kept: a
  latency at or over the caller's time-out (``client_timeout``, given for Segment's deliveries) is a
  time-out, acted out as below instead of being slept through.
* **reset**: under uvicorn (``fssim serve``, the ``fssim_server``/``live`` servers) the connection is
  aborted without a byte of answer, so an HTTP client sees a dropped connection (httpx:
  ``RemoteProtocolError`` or ``ReadError``). With no socket (in process: Segment's own in-process
  delivery, ``fssim.transport()``, the ``fssim`` fixture) :class:`ForcedDisconnect` is raised instead;
  it *is* an ``httpx.RemoteProtocolError``, which is what the caller's httpx client would have raised,
  and Segment's delivery records it as ``ECONNRESET``.
* **timeout**: under uvicorn the answer is held for the rule's ``hold`` seconds (bounded; the hold
  ends early when the client gives up), then answered 504. In process there is no client clock to
  outlast: :class:`ForcedTimeout` (an ``httpx.ReadTimeout``) is raised at once, which Segment records
  as ``ETIMEDOUT``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import anyio
import httpx
from starlette.requests import Request
from starlette.responses import Response

from fssim.errors import FssimError
from fssim.freshsales.forced_failures import Fault
from fssim.guard import SERVER_RECEIVE

__all__ = ["ForcedDisconnect", "ForcedTimeout", "Render", "act_out"]

# Builds the surface's own error answer: (status, message, headers) -> response.
Render = Callable[[int, str, dict[str, str]], Response]
_POLL_SECONDS = 0.05


class ForcedDisconnect(FssimError, httpx.RemoteProtocolError):
    """A forced dropped connection, with no socket to drop: what the caller's httpx client would raise."""


class ForcedTimeout(FssimError, httpx.ReadTimeout):
    """A forced time-out, with no socket to hold: what the caller's httpx client would raise."""


def _server_transport(request: Request) -> asyncio.Transport | None:
    """The client's socket when a server (uvicorn) serves this request; ``None`` in process.

    ASGI gives an app no handle on its connection; uvicorn's ``receive`` is a method of the request
    cycle that holds the transport, which is the one way to close it without an answer.
    """
    # The guard in front of every route wraps ``receive``; the server's own is kept in the scope.
    receive = request.scope.get(SERVER_RECEIVE, request.receive)
    owner = getattr(receive, "__self__", None)
    transport = getattr(owner, "transport", None)
    return transport if isinstance(transport, asyncio.Transport) else None


async def _drop(request: Request, message: str) -> Response:
    transport = _server_transport(request)
    if transport is None:
        raise ForcedDisconnect(f"Server disconnected without sending a response ({message})")
    transport.abort()
    await anyio.sleep(0)  # let the server see the connection gone, so it writes nothing more
    return Response(status_code=499)  # never sent: the connection is closed


async def _hold(request: Request, fault: Fault, render: Render) -> Response:
    if _server_transport(request) is None:
        raise ForcedTimeout(f"timed out waiting for an answer ({fault.message})")
    deadline = time.monotonic() + fault.hold
    while time.monotonic() < deadline:
        if await request.is_disconnected():
            return Response(status_code=499)  # the client gave up: nobody to answer
        await anyio.sleep(_POLL_SECONDS)
    return render(504, f"held {fault.hold:g} s without an answer: {fault.message}", {})


async def act_out(fault: Fault | None, request: Request, render: Render, *,
                  client_timeout: float | None = None) -> Response | None:
    """Wait and answer as ``fault`` says; ``None`` when the request should then be answered normally."""
    if fault is None:
        return None
    if client_timeout is not None and fault.latency >= client_timeout:
        return await _hold(request, Fault("timeout", 0.0, None, fault.message or "forced latency",
                                          hold=fault.latency), render)
    if fault.latency:
        await anyio.sleep(fault.latency)
    if fault.kind is None or fault.kind == "latency":
        return None
    if fault.kind == "reset":
        return await _drop(request, fault.message)
    if fault.kind == "timeout":
        return await _hold(request, fault, render)
    assert fault.status is not None
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    return render(fault.status, fault.message, headers)
