"""How a :class:`~fssim.freshsales.forced_failures.Fault` is acted out on the wire, for the receiver and
the REST gate alike.

* **latency**: real seconds (``anyio.sleep``), on both surfaces. *Simulator policy*: latency is
  something a client measures with its own clock, and the simulated clock must not move behind a
  test's back; what simulated time cannot show, Segment's 10-second delivery time-out, is kept: a
  latency at or over the caller's time-out (``client_timeout``, given for Segment's deliveries) is a
  time-out, acted out as below instead of being slept through.
* **reset**: under uvicorn (``fssim serve``, the ``fssim_server``/``live`` servers) the connection is
  aborted without a byte of answer, so an HTTP client sees a dropped connection (httpx:
  ``RemoteProtocolError`` or ``ReadError``). With no socket (``fssim.transport()``, the ``fssim``
  fixture's HTTP client, an ASGI transport) :class:`ForcedDisconnect` is raised instead;
  it *is* an ``httpx.RemoteProtocolError``, which is what the caller's httpx client would have raised,
  and Segment's delivery records it as ``ECONNRESET``.
* **timeout**: under uvicorn the answer is held for the rule's ``hold`` seconds (bounded; the hold
  ends early when the client gives up), then answered 504. In process there is no client clock to
  outlast: :class:`ForcedTimeout` (an ``httpx.ReadTimeout``) is raised at once, which Segment records
  as ``ETIMEDOUT``.

Segment's own in-process delivery meets neither exception: the receiver's core answers a reset or a
time-out with a :class:`~fssim.wire.NoAnswer` value (:func:`no_answer`), which the delivery records as
``ECONNRESET`` / ``ETIMEDOUT`` with the same message (:meth:`~fssim.wire.NoAnswer.describe`). One
function, :func:`settle`, reads a fault for both paths.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import anyio
import httpx
from starlette.requests import Request
from starlette.responses import Response

from fssim.errors import FssimError
from fssim.freshsales.forced_failures import Fault
from fssim.guard import SERVER_RECEIVE
from fssim.wire import NoAnswer

__all__ = ["ForcedDisconnect", "ForcedTimeout", "Render", "act_no_answer", "act_out", "fault_headers", "no_answer",
           "settle"]

# Builds the surface's own error answer: (status, message, headers) -> response.
Render = Callable[[int, str, dict[str, str]], Response]
_POLL_SECONDS = 0.05


class ForcedDisconnect(FssimError, httpx.RemoteProtocolError):
    """A forced dropped connection, with no socket to drop: what the caller's httpx client would raise."""


class ForcedTimeout(FssimError, httpx.ReadTimeout):
    """A forced time-out, with no socket to hold: what the caller's httpx client would raise."""


class _Connection(Protocol):
    def abort(self) -> None: ...


def _server_transport(request: Request) -> _Connection | None:
    """The client's socket when a server (uvicorn) serves this request; ``None`` in process.

    ASGI gives an app no handle on its connection; uvicorn's ``receive`` is a method of the request
    cycle that holds the transport, which is the one way to close it without an answer.
    """
    # The guard in front of every route wraps ``receive``; the server's own is kept in the scope.
    receive = request.scope.get(SERVER_RECEIVE, request.receive)
    owner = getattr(receive, "__self__", None)
    transport = getattr(owner, "transport", None)
    # Duck-typed: uvloop's transports (uvicorn[standard]) do not derive from asyncio.Transport.
    return transport if callable(getattr(transport, "abort", None)) else None


async def _drop(request: Request, gone: NoAnswer) -> Response:
    transport = _server_transport(request)
    if transport is None:
        raise ForcedDisconnect(gone.describe())
    transport.abort()
    await anyio.sleep(0)  # let the server see the connection gone, so it writes nothing more
    return Response(status_code=499)  # never sent: the connection is closed


async def _hold(request: Request, gone: NoAnswer, render: Render) -> Response:
    if _server_transport(request) is None:
        raise ForcedTimeout(gone.describe())
    deadline = time.monotonic() + gone.hold
    while time.monotonic() < deadline:
        if await request.is_disconnected():
            return Response(status_code=499)  # the client gave up: nobody to answer
        await anyio.sleep(_POLL_SECONDS)
    return render(504, f"held {gone.hold:g} s without an answer: {gone.message}", {})


async def settle(fault: Fault | None, *, client_timeout: float | None = None) -> Fault | None:
    """Wait the fault's latency; the fault that then decides the answer, or ``None`` to answer normally.

    The one reading of a fault, for the HTTP answers below and for the receiver's core alike: a
    latency at or over the caller's time-out becomes a time-out held that long, without waiting.
    """
    if fault is None:
        return None
    if client_timeout is not None and fault.latency >= client_timeout:
        return Fault("timeout", 0.0, None, fault.message or "forced latency", hold=fault.latency)
    if fault.latency:
        await anyio.sleep(fault.latency)
    if fault.kind is None or fault.kind == "latency":
        return None
    return fault


def no_answer(fault: Fault) -> NoAnswer | None:
    """The fault as a :class:`~fssim.wire.NoAnswer` when it gives none (reset, time-out), else ``None``."""
    if fault.kind == "reset":
        return NoAnswer("reset", fault.message)
    if fault.kind == "timeout":
        return NoAnswer("timeout", fault.message, fault.hold)
    return None


def fault_headers(fault: Fault) -> dict[str, str]:
    return {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}


async def act_no_answer(gone: NoAnswer, request: Request, render: Render) -> Response:
    """Act out a :class:`NoAnswer` on the request's connection (or raise what httpx would, with none)."""
    if gone.kind == "reset":
        return await _drop(request, gone)
    return await _hold(request, gone, render)


async def act_out(fault: Fault | None, request: Request, render: Render, *,
                  client_timeout: float | None = None) -> Response | None:
    """Wait and answer as ``fault`` says; ``None`` when the request should then be answered normally."""
    decided = await settle(fault, client_timeout=client_timeout)
    if decided is None:
        return None
    gone = no_answer(decided)
    if gone is not None:
        return await act_no_answer(gone, request, render)
    assert decided.status is not None
    return render(decided.status, decided.message, fault_headers(decided))
