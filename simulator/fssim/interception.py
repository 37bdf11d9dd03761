"""Route ``requests`` and ``httpx`` calls for Segment and Freshsales hosts into an in-process simulator.

Clients with hard-coded hosts (the Segment SDK's ``https://api.segment.io``, Freshsales clients'
``https://{domain}.freshsales.io``) then work unchanged in tests::

    with intercept(sim):                      # or sim.intercept(), or the fssim fixture's .intercept()
        analytics.identify("ada@example.com", {"firstName": "Ada"})

How: while a block is active, the methods that finally put a request on the wire are wrapped at class
level — ``requests.adapters.HTTPAdapter.send``, ``httpx.HTTPTransport.handle_request`` and
``httpx.AsyncHTTPTransport.handle_async_request``. Wrapping the class (not a session) reaches clients
created before the block, such as the Segment SDK's module-level session and its background thread.
Requests for other hosts go to the original method untouched, or with ``refuse_others=True`` fail with
:class:`InterceptRefused`, which names the host and how to allow it. Leaving the last active block puts
the original methods back. Blocks nest; the innermost one serves.
"""

from __future__ import annotations

import contextlib
import fnmatch
import http
import io
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from fssim.errors import FssimError
from fssim.inprocess import InProcessClient
from fssim.transport import transport_response

__all__ = ["DEFAULT_HOSTS", "InterceptRefused", "intercept"]

# The hosts real clients hard-code: Segment's Tracking API (reference/segment.md §2.1) and the two
# Freshsales URL families (reference/freshsales-api.md §1.1).
DEFAULT_HOSTS: tuple[str, ...] = ("api.segment.io", "*.freshsales.io", "*.myfreshworks.com")

Sender = Callable[[httpx.Request], httpx.Response]


class InterceptRefused(FssimError, ConnectionRefusedError):
    """A call to a host outside the simulator while ``refuse_others=True``.

    A subclass of the built-in ``ConnectionRefusedError`` rather than of a client library's error, so
    code under test that swallows ``requests``/``httpx`` errors does not hide it.
    """


class _HasApp(Protocol):
    @property
    def app(self) -> Any: ...


def _host_matches(host: str, patterns: Sequence[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in patterns)


@dataclass
class _Route:
    hosts: tuple[str, ...]
    refuse_others: bool
    send: Sender
    allowed: tuple[str, ...] = ()  # pass through even when refusing others

    def serves(self, host: str) -> bool:
        return _host_matches(host, self.hosts)


_lock = threading.RLock()
_routes: list[_Route] = []
_originals: dict[str, Any] = {}


def _route_for(method: str, url: str) -> _Route | None:
    """The block that serves ``url``, or ``None`` to let the call through to the network.

    Raises :class:`InterceptRefused` when no block serves it and the innermost one refuses others.
    """
    host = urlsplit(url).hostname or ""
    with _lock:
        for route in reversed(_routes):
            if route.serves(host):
                return route
        innermost = _routes[-1] if _routes else None
        if innermost is None or not innermost.refuse_others or _host_matches(host, innermost.allowed):
            return None
        served = ", ".join(dict.fromkeys(pattern for route in _routes for pattern in route.hosts))
    shown = urlsplit(url).hostname or url
    raise InterceptRefused(
        f"fssim interception refused {method} {url}: {shown} is not a simulated host "
        f"(served: {served}). Only simulated hosts are reachable inside intercept(refuse_others=True); "
        f"pass allow_hosts=[{shown!r}] to let it through (or extra_hosts=[{shown!r}] to simulate it)."
    )


# --- requests -------------------------------------------------------------------------------------

def _request_body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if isinstance(body, Iterable):
        return b"".join(part.encode("utf-8") if isinstance(part, str) else bytes(part) for part in body)
    raise TypeError(f"fssim interception cannot read a request body of type {type(body).__name__}")


def _requests_response(adapter: Any, prepared: Any, answer: httpx.Response) -> Any:
    import requests
    from requests.structures import CaseInsensitiveDict
    from requests.utils import get_encoding_from_headers

    body = answer.content  # already decoded: drop the encoding headers that described the wire form
    headers = CaseInsensitiveDict(
        {k: v for k, v in answer.headers.items() if k.lower() not in ("content-encoding", "transfer-encoding")}
    )
    headers["Content-Length"] = str(len(body))
    response = requests.Response()
    response.status_code = answer.status_code
    response.headers = headers
    response._content = body
    response._content_consumed = True
    response.raw = io.BytesIO(body)
    response.url = prepared.url
    response.request = prepared
    response.connection = adapter
    response.encoding = get_encoding_from_headers(headers)
    try:
        response.reason = http.HTTPStatus(answer.status_code).phrase
    except ValueError:
        response.reason = ""
    return response


def _patched_requests_send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
    route = _route_for(request.method, request.url)
    if route is None:
        return _originals["requests"](adapter, request, *args, **kwargs)
    outgoing = httpx.Request(
        request.method, request.url, headers=dict(request.headers), content=_request_body(request.body)
    )
    try:
        answer = route.send(outgoing)
    except httpx.TransportError as error:
        # A forced dropped connection or time-out (faults on demand): raise what requests itself raises.
        import requests

        failure = requests.exceptions.ReadTimeout if isinstance(error, httpx.TimeoutException) \
            else requests.exceptions.ConnectionError
        raise failure(str(error), request=request) from error
    return _requests_response(adapter, request, answer)


# --- httpx ----------------------------------------------------------------------------------------

def _patched_httpx_send(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    route = _route_for(request.method, str(request.url))
    if route is None:
        return _originals["httpx"](transport, request)
    request.read()
    return transport_response(route.send(request))


async def _patched_httpx_async_send(transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
    route = _route_for(request.method, str(request.url))
    if route is None:
        return await _originals["httpx_async"](transport, request)
    await request.aread()
    # The simulator runs in its own event loop thread; hand the call over rather than running the app
    # on the caller's loop, so the simulator only ever sees one loop.
    import anyio.to_thread

    answer = await anyio.to_thread.run_sync(route.send, request)
    return transport_response(answer)


def _install() -> None:
    _originals["httpx"] = httpx.HTTPTransport.handle_request
    _originals["httpx_async"] = httpx.AsyncHTTPTransport.handle_async_request
    httpx.HTTPTransport.handle_request = _patched_httpx_send  # type: ignore[method-assign,assignment]
    httpx.AsyncHTTPTransport.handle_async_request = _patched_httpx_async_send  # type: ignore[method-assign,assignment]
    try:
        import requests.adapters
    except ImportError:  # requests is optional: only patch it where it is installed
        return
    _originals["requests"] = requests.adapters.HTTPAdapter.send
    requests.adapters.HTTPAdapter.send = _patched_requests_send  # type: ignore[method-assign,assignment]


def _uninstall() -> None:
    httpx.HTTPTransport.handle_request = _originals.pop("httpx")  # type: ignore[method-assign]
    httpx.AsyncHTTPTransport.handle_async_request = _originals.pop("httpx_async")  # type: ignore[method-assign]
    if "requests" in _originals:
        import requests.adapters

        requests.adapters.HTTPAdapter.send = _originals.pop("requests")  # type: ignore[method-assign]


@contextlib.contextmanager
def intercept(
    target: _HasApp | Sender,
    *,
    hosts: Sequence[str] = DEFAULT_HOSTS,
    extra_hosts: Sequence[str] = (),
    refuse_others: bool = False,
    allow_hosts: Sequence[str] = (),
) -> Iterator[None]:
    """Serve calls to ``hosts`` (+ ``extra_hosts``; ``*`` wildcards) from ``target`` inside the block.

    With ``refuse_others=True`` every other host is refused, except ``allow_hosts`` (e.g. ``localhost``),
    which pass through untouched.

    ``target`` is a :class:`~fssim.app.Simulator` (anything with an ASGI ``.app``) or a function from
    an ``httpx.Request`` to an ``httpx.Response`` (the ``fssim`` fixture passes its own client, so the
    test and the code under test share one event loop and one store).
    """
    owned: InProcessClient | None = None
    if callable(target) and not hasattr(target, "app"):
        send: Sender = target
    else:
        owned = InProcessClient(target.app)
        send = owned.send
    route = _Route(tuple(hosts) + tuple(extra_hosts), refuse_others, send, tuple(allow_hosts))
    with _lock:
        if not _routes:
            _install()
        _routes.append(route)
    try:
        yield
    finally:
        with _lock:
            _routes.remove(route)
            if not _routes:
                _uninstall()
        if owned is not None:
            owned.close()
