"""The edge every request crosses first, before any route, authentication or body parsing.

One ASGI middleware, :class:`EdgeGuard`, does four things for every surface at once:

* **Sizes while reading.** A ``Content-Length`` over the surface's limit is refused before a byte of
  the body is read; a body without one (chunked) is counted as the route reads it and refused the
  moment it passes the limit, so no request can make the server hold more than the limit. (The REST
  gate counts the body it reads itself, against the same limit, with the same refusal: a wrapper fewer
  per REST call; see :meth:`EdgeGuard.admit`.)
* **The control plane is local.** Every path but the public APIs (``/v1/*``, ``/api/*``,
  ``/crm/sales/api/*``, ``/integrations/segment``) — the control API ``/_sim/*`` and the dashboard —
  answers only a loopback (or explicitly allowed) ``Host``, so a DNS-rebound page cannot read it;
  a state-changing request must come from the same origin (``Origin``, ``Sec-Fetch-Site``); a
  ``/_sim`` body must be declared JSON, which a page cannot do without a CORS preflight that ``/_sim``
  never grants.
* **No id too long to be an id.** A REST path id of more digits than any record id can have is a 404
  before routing (Starlette's ``int`` converter would raise on more than 4,300 digits).
* **Every error is JSON.** Anything that still escapes a route (a simulator bug) is answered with a JSON
  500 that says so, then raised on to the server's log; the defects that used to escape (a non-ASCII
  ``Authorization``, a 5,000-digit id) are answered where they arise, and the connection stays up.

Limits (simulator policy except Segment's, which are the reference's, §2):

=====================================  =========  ==========================================
surface                                limit      answer when over
=====================================  =========  ==========================================
``/v1/batch``, ``/v1/import``, ``/v1/b``  500 KB    400 ``payload_too_large`` (Segment's answer)
other ``/v1/*``                         32 KB      400 ``payload_too_large`` (Segment's answer)
``/integrations/segment``               1 MiB      413 ``{"message", "limit"}``
``/api/*``, ``/crm/sales/api/*``        1 MiB      413 Freshsales' error shape
everything else (``/_sim``, dashboard)  1 MiB      413 ``{"message", "limit"}``
=====================================  =========  ==========================================

The ``/v1`` limits here are on the bytes on the wire, with 1 KB of slack so that a gzip body whose
content is just under the limit still reaches the Tracking API, which checks the exact limit after
decompressing.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fssim.errors import FssimError

__all__ = [
    "ANSWER_STARTED",
    "CONTROL_BODY_LIMIT",
    "IN_PROCESS_HOSTS",
    "LOOPBACK_HOSTS",
    "RECEIVER_BODY_LIMIT",
    "REST_BODY_LIMIT",
    "REST_LIMIT",
    "SERVER_RECEIVE",
    "SIMULATED_HOSTS",
    "SIMULATED_HOST_SUFFIXES",
    "BodyTooLarge",
    "EdgeGuard",
    "Limit",
    "answer_failure",
    "counting",
    "is_public",
    "limit_of",
    "marking",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KB = 1024
MIB = 1024 * KB
SEGMENT_BATCH_LIMIT = 500 * KB  # reference/segment.md §2: /v1/batch
SEGMENT_MESSAGE_LIMIT = 32 * KB  # reference/segment.md §2: single calls
_GZIP_SLACK = KB
RECEIVER_BODY_LIMIT = 1 * MIB  # simulator policy: one delivered message with its batch context
REST_BODY_LIMIT = 1 * MIB  # simulator policy: the reference is silent
CONTROL_BODY_LIMIT = 1 * MIB  # simulator policy: set-up requests are small

RECEIVER_PATH = "/integrations/segment"  # fssim.freshsales.receiver.RECEIVER_PATH (not imported: no arrows up)
_REST_PREFIXES = ("/api/", "/crm/sales/api/")
_BATCH_PATHS = ("/v1/batch", "/v1/import", "/v1/b")

# Hosts a local control plane answers. The loopback names with any port, and the hosts fssim's own
# in-process clients send: Starlette's TestClient ("testserver"), fssim.inprocess ("fssim.local") and
# Segment's in-process delivery (fssim.app.IN_PROCESS_BASE_URL).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
IN_PROCESS_HOSTS = ("testserver", "fssim.local", "freshsales.fssim")
# The real services' hosts, which fssim.transport() and fssim.intercept() keep on the requests they hand
# in (fssim.interception.DEFAULT_HOSTS; a test checks the two agree). Safe to answer: a rebinding page
# needs a name whose DNS its author controls, and nobody but Segment and Freshworks controls these.
SIMULATED_HOSTS = ("api.segment.io",)
SIMULATED_HOST_SUFFIXES = (".freshsales.io", ".myfreshworks.com")
_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# More digits than any record id can have (ids are 64-bit at most).
_LONG_ID = re.compile(r"/\d{20,}(?=/|$)")


class BodyTooLarge(FssimError):
    """Raised from ``receive`` when a body passes its surface's limit; the guard answers it, naming
    ``received``, the bytes read when it was passed."""

    def __init__(self, limit: Limit, received: int) -> None:
        super().__init__(f"the body is over {limit.name}")
        self.limit = limit
        self.received = received


@dataclass(frozen=True)
class Limit:
    """A body limit and the surface it belongs to (which decides the answer's shape)."""

    surface: str  # "tracking", "receiver", "rest" or "control"
    size: int  # bytes accepted on the wire

    @property
    def name(self) -> str:
        shown = self.size - _GZIP_SLACK if self.surface == "tracking" else self.size
        return f"{shown // MIB} MiB" if shown % MIB == 0 else f"{shown // KB} KB"


def is_public(path: str) -> bool:
    """The public APIs, which real clients call from anywhere (the Host may be acme.freshsales.io)."""
    return (path == RECEIVER_PATH or path in ("/v1", "/api", "/crm/sales/api")
            or path.startswith(("/v1/", *_REST_PREFIXES)))


# The server's own ``receive``, kept in the scope under this key before the guard wraps it to count
# bytes: a forced dropped connection (fssim.freshsales.fault_answers) needs the server's handle on the
# socket, which only the unwrapped callable carries.
SERVER_RECEIVE = "fssim.server_receive"
# Set true in the scope by an app guarded through EdgeGuard.admit (no watcher) before its answer's first
# message: past it the guard answers no error (the client already has the start of an answer).
ANSWER_STARTED = "fssim.answer_started"


def is_dashboard(path: str) -> bool:
    """The dashboard's pages and forms (``fssim.dashboard``): refused with an HTML page, not JSON."""
    return path == "/" or path == "/ui" or path.startswith("/ui/")


# Built once: every request needs one of these five.
_BATCH = Limit("tracking", SEGMENT_BATCH_LIMIT + _GZIP_SLACK)
_MESSAGE = Limit("tracking", SEGMENT_MESSAGE_LIMIT + _GZIP_SLACK)
_RECEIVER = Limit("receiver", RECEIVER_BODY_LIMIT)
_REST = Limit("rest", REST_BODY_LIMIT)
_CONTROL = Limit("control", CONTROL_BODY_LIMIT)
REST_LIMIT = _REST  # what the REST gate, which counts its own body, counts to


def limit_of(path: str) -> Limit:
    # REST first: the surfaces' paths do not overlap, so the order changes no limit, and a REST call is a
    # request of its own where a batch carries a hundred messages (issue 12: REST server CPU).
    if path.startswith(_REST_PREFIXES) or path in ("/api", "/crm/sales/api"):
        return _REST
    if path == "/v1" or path.startswith("/v1/"):
        return _BATCH if path in _BATCH_PATHS else _MESSAGE
    if path == RECEIVER_PATH:
        return _RECEIVER
    return _CONTROL


def marking(send: Send, scope: Scope) -> Send:
    """``send``, setting ``scope[ANSWER_STARTED]`` as an answer starts: for an app under a guard made
    through :meth:`EdgeGuard.admit` that sends through something that does not set it itself."""

    async def marked(message: Message) -> None:
        if message["type"] == "http.response.start":
            scope[ANSWER_STARTED] = True
        await send(message)

    return marked


def counting(receive: Receive, limit: Limit) -> Receive:
    """``receive``, counting the body's bytes: :class:`BodyTooLarge` the moment they pass ``limit``, so
    a body without a ``Content-Length`` (chunked) is never held past it."""
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit.size:
                raise BodyTooLarge(limit, received)
        return message

    return counted


def _host_name(host: str) -> str:
    """``127.0.0.1:8765`` → ``127.0.0.1``; ``[::1]:8765`` → ``[::1]``; lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.partition(":")[0]


def _header(scope: Scope, name: bytes) -> str | None:
    size = len(name)
    for key, value in scope.get("headers", ()):
        # Only a name of the same length is lowered to compare it: no new bytes for every other header.
        if len(key) == size and key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _printable(text: str, limit: int = 80) -> str:
    shown = text if len(text) <= limit else text[:limit] + "..."
    return shown.encode("ascii", "backslashreplace").decode("ascii")


class EdgeGuard:
    """ASGI middleware: see the module's docstring. ``allowed_hosts`` adds to the loopback names."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: tuple[str, ...] = ()) -> None:
        self.app = app
        extra = tuple(_host_name(h if not (":" in h and not h.startswith("[")) else f"[{h}]")
                      for h in allowed_hosts if h)
        self.hosts = frozenset((*LOOPBACK_HOSTS, *IN_PROCESS_HOSTS, *SIMULATED_HOSTS, *extra))

    def _local(self, name: str) -> bool:
        return name in self.hosts or name.endswith(SIMULATED_HOST_SUFFIXES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, refused = self.admit(scope, receive)
        if refused is not None:
            await refused(send)
            return
        try:
            # The same counter and marker the REST router gives its non-gate routes (one mechanism for
            # "the answer started", read back from this request's own scope below).
            await self.app(scope, counting(receive, limit), marking(send, scope))
        except Exception as error:
            if scope.get(ANSWER_STARTED) or not await answer_failure(send, limit, error):
                raise

    def admit(self, scope: Scope, receive: Receive) -> tuple[Limit, Callable[[Send], Awaitable[None]] | None]:
        """The checks made before the app runs: the request's body limit, and the refusal to send when
        it fails one (``None``: it passes them all). A request that passes keeps the server's ``receive``
        in its scope (``SERVER_RECEIVE``).

        For a caller that guards an app in its own frame instead of through :meth:`__call__`, with no
        wrapper around ``receive`` and ``send``: its app must count every body it reads against
        ``limit`` (raising :class:`BodyTooLarge`) and set ``scope[ANSWER_STARTED]`` before its answer's
        first message, and the caller answers what escapes with :func:`answer_failure` unless the
        answer started (``fssim.app.SimulatorApp`` for the REST router: issue 12, a coroutine and two
        wrappers fewer per REST call)."""
        path: str = scope.get("path", "")
        limit = limit_of(path)
        refused = self._refusal(scope, path, limit)
        if refused is None:
            scope[SERVER_RECEIVE] = receive
            return limit, None
        status, body = refused
        if is_dashboard(path):
            return limit, lambda send: _answer_page(send, status, str(body.get("message", "")))  # people read these
        return limit, lambda send: _answer(send, status, body)

    def _refusal(self, scope: Scope, path: str, limit: Limit) -> tuple[int, dict[str, Any]] | None:
        """The first check the request fails, as (status, body); ``None`` when it passes them all."""
        if limit is _CONTROL:  # what is_public(path) says: every public path has its own surface's limit
            refused = self._control_refusal(scope, path)
            if refused is not None:
                return refused
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                length = int(declared.strip())
            except ValueError:
                length = -1
            if length < 0 or len(declared.strip()) > 20:
                return _shaped(limit, 400, "invalid_content_length",
                               f"Content-Length {_printable(declared)!r} is not a number of bytes")
            if length > limit.size:
                return _too_large(limit, length)
        if limit is _REST and len(path) > 20 and _LONG_ID.search(path):  # 20 digits and a slash at least
            return 404, _rest_error(404, "No record has this id: an id has at most 19 digits")
        return None

    def _control_refusal(self, scope: Scope, path: str) -> tuple[int, dict[str, Any]] | None:
        host = _header(scope, b"host")
        if host is None or not self._local(_host_name(host)):
            shown = "no Host header" if host is None else f"Host {_printable(host)!r}"
            return 403, {"message": f"{shown} is not a local name: {_printable(path)} belongs to fssim's local "
                                    "control plane, which answers only Host 127.0.0.1, localhost, [::1] or the "
                                    "name given to fssim serve --host"}
        method = scope.get("method", "GET")
        if method in _STATE_CHANGING:
            origin = _header(scope, b"origin")
            if origin is not None and urlsplit(origin.strip()).netloc.lower() != host.strip().lower():
                return 403, {"message": f"cross-site request refused: Origin {_printable(origin)!r} is not this "
                                        f"server ({_printable(host)}); the control plane takes requests from "
                                        "tests and tools, not from web pages"}
            site = _header(scope, b"sec-fetch-site")
            if site is not None and site.strip().lower() not in ("same-origin", "none"):
                return 403, {"message": f"cross-site request refused (Sec-Fetch-Site: {_printable(site)}); the "
                                        "control plane takes requests from tests and tools, not from web pages"}
        if path.startswith("/_sim") and _has_body(scope):
            content_type = _header(scope, b"content-type")
            if content_type is None or not _is_json(content_type):
                shown = "no Content-Type" if content_type is None else f"Content-Type {_printable(content_type)!r}"
                return 415, {"message": f"{shown}: the control API takes JSON bodies only; send "
                                        "Content-Type: application/json"}
        return None


async def answer_failure(send: Send, limit: Limit, error: Exception) -> bool:
    """Answer what escaped the app before its answer started; whether that was a body too large (answered,
    done) rather than a bug (answered, then raised on)."""
    if isinstance(error, BodyTooLarge):
        await _answer(send, *_too_large(error.limit, error.received))
        return True
    # A bug of ours: the client still gets JSON, then the error goes on up, not disguised, to the server's
    # log (and to a TestClient, which raises it in the test).
    body = {"message": f"Internal error in fssim ({type(error).__name__}): a simulator bug; the traceback "
                       "is in the server log"}
    if limit.surface == "rest":
        body = _rest_error(500, body["message"])
    await _answer(send, 500, body)
    return False


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return _header(scope, b"transfer-encoding") is not None


def _rest_error(status: int, message: str) -> dict[str, Any]:
    # Freshsales' error body (reference/freshsales-api.md §4), as fssim.freshsales.rest.errors renders it.
    return {"errors": {"code": status, "message": [message]}}


def _shaped(limit: Limit, status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    if limit.surface == "tracking":
        return status, {"success": False, "code": code, "message": message}
    if limit.surface == "rest":
        return status, _rest_error(status, message)
    return status, {"message": message}


def _too_large(limit: Limit, size: int) -> tuple[int, dict[str, Any]]:
    if limit.surface == "tracking":
        # Segment's own answer to an oversized body is a 400 (reference/segment.md §2).
        return 400, {"success": False, "code": "payload_too_large",
                     "message": f"Exceed payload limit: the body is over {limit.name} ({size} bytes or more)"}
    message = f"Payload too large: the body is over this endpoint's limit of {limit.name} ({size} bytes or more)"
    status, body = _shaped(limit, 413, "payload_too_large", message)
    if limit.surface != "rest":
        body["limit"] = limit.size
    return status, body


async def _answer_page(send: Send, status: int, message: str) -> None:
    text = html.escape(message)
    payload = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error {status} - fssim</title>'
               f"</head><body><main><h1>Error {status}</h1><p>{text}</p></main></body></html>").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body, separators=(",", ":")).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
