"""Every REST call's gate: API key, Host/subdomain, plan (Sprout), rate limits — then the handler.

A handler is a plain function of a :class:`Call` and returns ``(status, body)``. Domain errors become the
real error bodies here, so handlers never build them.

Handlers run right in the event loop, not in a worker thread: all their work is in memory (the store,
its indexes, the timeline), and the store's lock is never held across an ``await``, so a hop to a
thread bought no concurrency, only its cost (issue 12: a thread hop per request). What waits (a forced
latency, a held time-out) is awaited before the handler, in :func:`_forced`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from fssim.freshsales.accounts import Account
from fssim.freshsales.errors import FreshsalesError, ValidationError
from fssim.freshsales.fault_answers import act_out
from fssim.freshsales.hosts import subdomain_of_host
from fssim.freshsales.rest.answer_text import answer_text
from fssim.freshsales.rest.errors import error_response, parse_json, unauthorized
from fssim.guard import ANSWER_STARTED, REST_LIMIT, BodyTooLarge, Limit, marking

if TYPE_CHECKING:
    from fssim.freshsales.service import Freshsales

__all__ = ["Call", "Gate", "Handler", "guarded", "read_body", "send_json", "token_of"]

_log = logging.getLogger(__name__)
_TOKEN = re.compile(r'^\s*Token\s+token\s*=\s*"?([^"\s]+)"?\s*$', re.IGNORECASE)


@dataclass(slots=True)  # no __dict__ made per call (issue 12: every REST call makes one Call)
class Call:
    """One authenticated REST request, as a handler sees it."""

    fs: Freshsales
    account: Account
    path: dict[str, Any]
    query: dict[str, str]
    raw_body: bytes

    def json(self) -> Any:
        return parse_json(self.raw_body)

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise ValidationError(f"The request body must be a JSON object, not {type(body).__name__}")
        return body

    def record_body(self, entity: str, *, required: bool = True) -> dict[str, Any]:
        """``{"lead": {...}}`` (the documented form) or, leniently, the bare object some clients send."""
        if not required and not self.raw_body.strip():
            return {}
        body = self.json_object()
        inner = body.get(entity, body)
        if not isinstance(inner, dict):
            raise ValidationError(f"The type for {entity} is invalid.")
        return inner

    def path_id(self, name: str = "id") -> int:
        value = self.path[name]
        return value if isinstance(value, int) else int(value)

    def query_int(self, name: str, default: int) -> int:
        value = self.query.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise ValidationError(f"{name} must be a whole number, got {value!r}") from None


Handler = Callable[[Call], tuple[int, Any]]


# A client sends the same Authorization and Host headers on every call, so each is read once (a
# bounded cache: a client trying many keys only pushes old ones out).
@lru_cache(maxsize=256)
def token_of(header: str | None) -> str | None:
    match = _TOKEN.match(header or "")
    return match.group(1) if match else None


_subdomain_of_host = lru_cache(maxsize=256)(subdomain_of_host)


async def _forced(fs: Freshsales, request: Request, key: str | None, host: str | None) -> Response | None:
    """A fault a test installed for this REST call (``surface: rest``), acted out; checked once the key
    names an account (faults are per account) and before plan and rate limits (a forced answer uses
    none of the account's quota). ``None``: go on as usual."""
    account = fs.accounts.by_api_key(key) if key else None
    if account is None or _subdomain_of_host(host) not in (None, account.subdomain):
        return None
    fault = fs.forced_failures.take(account.subdomain, "rest", request.method, request.url.path)
    return await act_out(fault, request, lambda status, message, headers: error_response(status, [message], headers))


async def read_body(receive: Receive, limit: Limit = REST_LIMIT, *, first: Message | None = None) -> bytes:
    """The whole request body, as ``Request.body()`` reads it (a client gone is ``ClientDisconnect``),
    counted as it is read: :class:`~fssim.guard.BodyTooLarge` the moment it passes ``limit``, as the
    edge guard's ``counting`` raises it, which the guard answers (413). The guard hands a gate the
    server's ``receive`` unwrapped (``EdgeGuard.admit``, in ``fssim.app.SimulatorApp``): the gate reads the body anyway,
    so counting here saves a wrapper's call per message (issue 12: REST server CPU). ``first``: the first
    message, when the caller already received it."""
    chunks: list[bytes] = []
    received = 0
    while True:
        message = await receive() if first is None else first
        first = None
        if message["type"] == "http.request":
            body = message.get("body", b"")
            if body:
                received += len(body)
                if received > limit.size:
                    raise BodyTooLarge(limit, received)
                chunks.append(body)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()


def _two_headers(scope: Scope) -> tuple[str | None, str | None]:
    """The first ``Authorization`` and ``Host`` headers, as ``request.headers.get`` reads them."""
    authorization = host = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            if authorization is None:
                authorization = value.decode("latin-1")
        elif name == b"host" and host is None:
            host = value.decode("latin-1")
    return authorization, host


_JSON_TYPE = (b"content-type", b"application/json")


async def send_json(send: Send, status: int, payload: bytes, headers: dict[str, str]) -> None:
    """A JSON answer, header for header what ``Response(payload, status, headers, "application/json")``
    sends, without building one (a REST answer is sent once, as soon as it is encoded)."""
    # Most answers have no headers of their own: no comprehension (a frame of its own) for none.
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()] \
        if headers else []
    if not (status < 200 or status in (204, 304)):
        raw.append((b"content-length", str(len(payload)).encode("latin-1")))
    raw.append(_JSON_TYPE)
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


class Gate:
    """One REST endpoint as an ASGI app: the gate (key, host, plan, rate limits), then ``handler``.

    An ASGI app, not a ``request -> response`` function: Starlette's ``Route`` then calls it as it is,
    with no ``Request``, no exception-handler wrapper and no ``Response`` object per call. Everything
    a handler needs is in the scope (path parameters, query string, two headers) and the body; the
    answers are the same bytes, header for header (issue 12: REST server CPU).
    """

    # Reads its body through read_body, which counts it against the REST limit, and marks the scope as its
    # answer starts: the REST router hands it the server's receive and send as they are
    # (fssim.guard.EdgeGuard.admit).
    counts_body = True

    def __init__(self, fs: Freshsales, handler: Handler) -> None:
        self.fs, self.handler = fs, handler
        self.__name__ = handler.__name__
        self.__doc__ = handler.__doc__

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            # The whole body in one message (every body a client sends with its length, up to the server's
            # read size): read_body's work for it, without its coroutine and list (issue 12).
            raw = message.get("body", b"")
            if len(raw) > REST_LIMIT.size:
                raise BodyTooLarge(REST_LIMIT, len(raw))
        else:
            raw = await read_body(receive, first=message)
        authorization, host = _two_headers(scope)
        key = token_of(authorization)
        if self.fs.forced_failures.active():
            forced = await _forced(self.fs, Request(scope, receive), key, host)
            if forced is not None:
                await forced(scope, receive, marking(send, scope))
                return
        answer = self._answer(scope, key, host, raw)
        if isinstance(answer, Response):
            await answer(scope, receive, marking(send, scope))
        else:
            # The guard in front wraps no watcher around send (EdgeGuard.admit): from here on
            # it must not answer an error of its own, and send_json raises none before it sends.
            scope[ANSWER_STARTED] = True
            status, payload, headers = answer
            if headers or status < 200 or status in (204, 304):
                await send_json(send, status, payload, headers)
                return
            # What send_json sends for an answer with a body and no headers of its own (nearly every
            # one), without its coroutine (issue 12).
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-length", b"%d" % len(payload)), _JSON_TYPE]})
            await send({"type": "http.response.body", "body": payload})

    def _answer(self, scope: Scope, key: str | None, host: str | None,
                raw: bytes) -> Response | tuple[int, bytes, dict[str, str]]:
        """A refusal or an error as a ``Response``; the handler's answer as (status, JSON, headers)."""
        fs = self.fs
        account = fs.accounts.by_api_key(key) if key else None
        if account is None:
            return unauthorized()
        claimed = _subdomain_of_host(host)
        if claimed is not None and claimed != account.subdomain:
            return unauthorized()  # the key is not a key of the account this host names
        if not account.plan.rest_access:
            return error_response(403, [
                f"Access Denied: the {account.plan.name.capitalize()} plan has no REST API access; "
                f"move the account to a paid plan (POST /_sim/accounts/{account.subdomain}/plan)"])
        limiter = fs.rate_limiter
        # Off for every account (fssim serve --no-rate-limits): nothing to count, no call to say so.
        decision = limiter.check(account) if limiter.enabled else None
        headers = decision.headers() if decision else {}
        if decision is not None and not decision.allowed:
            per = f"{account.plan.per_hour} per hour" if decision.window == "hour" else \
                f"{account.plan.per_minute} per minute"
            return error_response(429, [
                f"Too many requests: the {account.plan.name} plan allows {per} for account "
                f"{account.subdomain}; retry after {decision.retry_after} s. Simulator switch to turn limits "
                f"off: POST /_sim/accounts/{account.subdomain}/rate_limits {{\"enabled\": false}} for this "
                "account, or start `fssim serve --no-rate-limits` for every account."], headers)
        # Most calls have no query string: no parser for it then.
        query = dict(QueryParams(scope["query_string"])) if scope.get("query_string") else {}
        # The path parameters are this call's own: the REST router makes them for it (no copy of them).
        params = scope.get("path_params")
        try:
            status, body = self.handler(Call(fs, account, {} if params is None else params, query, raw))
        except FreshsalesError as error:
            return error_response(error.status, error.messages, headers)
        except Exception:
            # A bug of ours must still answer JSON: clients such as the Ruby gem fail on any other body.
            _log.exception("fake Freshsales: %s %s failed", scope["method"], Request(scope).url.path)
            return error_response(500, ["Internal error in the fake Freshsales (a simulator bug; "
                                        "the traceback is in the server log)"], headers)
        # ``true`` (a deleted record) and arrays (search) are valid answers too, so no dict-only helper.
        return status, answer_text(body), headers


def guarded(fs: Freshsales, handler: Handler) -> Gate:
    return Gate(fs, handler)
