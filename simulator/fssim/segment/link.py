"""How Segment's delivery reaches the Freshsales receiver: one request per message, two ways.

* In process (what the app wires): the receiver's core, an :data:`~fssim.wire.Exchange`, is handed the
  request as a value (:class:`~fssim.wire.WireRequest`) and answers a value: no httpx client, no ASGI
  transport, no HTTP emulation.
* Otherwise (``--delivery-url``, tests that set one): an httpx transport, a real network one to any base
  URL, or any other.

Either way the answer comes back as a :class:`Reply` (status, message, JSON body, ``Retry-After``) or a
:class:`NoReply` (a Node-style network error code), so the delivery log cannot tell the two apart.
Neither way imports the receiver (DESIGN §4): the request's path and settings header are written on
both ends (tests/integration/test_wire_agreement.py).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import httpx

from fssim.segment.shapes import DestinationSettings
from fssim.wire import Exchange, NoAnswer, WireRequest, json_body

__all__ = ["MAX_BACKOFF_SECONDS", "RECEIVER_PATH", "REQUEST_TIMEOUT_SECONDS", "SETTINGS_HEADER", "USER_AGENT",
           "NoReply", "ReceiverLink", "Reply", "TransportSource", "network_error_code"]

REQUEST_TIMEOUT_SECONDS = 10.0
# Both ends of the wire must know these, and neither package may import the other: a test asserts
# that they equal the receiver's (tests/integration/test_wire_agreement.py).
RECEIVER_PATH = "/integrations/segment"
SETTINGS_HEADER = "X-Segment-Settings"
USER_AGENT = "Segment.io/1.0"
# Simulator policy: retries are at most an hour apart (delivery's back-off), and a longer Retry-After
# is cut to that too.
MAX_BACKOFF_SECONDS = 3600.0

TransportSource = httpx.AsyncBaseTransport | Callable[[], httpx.AsyncBaseTransport]


def network_error_code(error: httpx.TransportError) -> str:
    """The Node-style error name Segment shows for a delivery that got no HTTP answer."""
    if isinstance(error, httpx.TimeoutException):
        return "ETIMEDOUT"
    if isinstance(error, httpx.ConnectError):
        text = str(error).lower()
        if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
            return "ENOTFOUND"
        return "ECONNREFUSED"
    if isinstance(error, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError):
        return "ECONNRESET"
    return "ECONNABORTED"


@dataclass(frozen=True)
class Reply:
    """What the destination answered, however it was reached."""

    status: int
    message: str  # what Segment's debugger shows
    body: Any  # the whole JSON body, if it was JSON
    retry_after: float | None


@dataclass(frozen=True)
class NoReply:
    """No answer at all: a Node-style network error code and what the client said."""

    code: str
    message: str


def _answer(content: bytes, text: Callable[[], str], rendered_from: tuple[Any] | None = None) -> tuple[str, Any]:
    """The destination's message (what Segment's debugger shows) and its whole JSON body, if any.

    ``rendered_from``: the value an in-process answer's bytes were made from, so they need no parsing."""
    if rendered_from is not None:
        body = rendered_from[0]
    else:
        try:
            body = json.loads(content)
        except ValueError:  # also UnicodeDecodeError
            return text()[:500], None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"], body
    return json.dumps(body)[:500], body


def _retry_after(value: str | None) -> float | None:
    try:
        return min(float(value), MAX_BACKOFF_SECONDS) if value is not None else None
    except ValueError:
        return None


class ReceiverLink:
    """The one way to the receiver that is set now (the last ``set_transport`` or ``set_exchange`` wins)."""

    def __init__(self) -> None:
        self._transport: TransportSource | None = None
        self._exchange: Exchange | None = None
        self._client: httpx.AsyncClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self.base_url: str | None = None
        # The headers last made, with a copy of the settings they were made from: a destination's every
        # message carries the same settings, and comparing two small dicts costs far less than encoding.
        self._headers_for: tuple[DestinationSettings, dict[str, str]] | None = None

    @property
    def configured(self) -> bool:
        return self._exchange is not None or (self._transport is not None and self.base_url is not None)

    def set_transport(self, transport: TransportSource, base_url: str) -> None:
        """A transport (or a factory of them) and the receiver's base URL: deliveries go over httpx."""
        self._transport = transport
        self._exchange = None
        self._client = None
        self._client_loop = None
        self.base_url = base_url.rstrip("/")

    def set_exchange(self, exchange: Exchange, base_url: str) -> None:
        """The receiver's core, called with each delivery as a request value (in process, no HTTP
        emulation); ``base_url`` only names where that is, for ``/_sim/state``."""
        self._exchange = exchange
        self._transport = None
        self._client = None
        self._client_loop = None
        self.base_url = base_url.rstrip("/")

    def _client_for_this_loop(self) -> httpx.AsyncClient:
        """The HTTP client to use in the running event loop.

        A network transport's pooled connections belong to the event loop that opened them, and flush
        may run in several (the server's, a TestClient's, ``asyncio.run`` in a test). So a factory is
        called once per loop, and a plain ``httpx.AsyncHTTPTransport`` is replaced by a fresh default
        one in every loop after the first. Other transports (ASGI, mock) hold no such state and are
        shared. The old client is dropped, not closed: closing it would need its own, maybe closed, loop.
        """
        loop = asyncio.get_running_loop()
        if self._client is not None and self._client_loop is loop:
            return self._client
        source = self._transport
        assert source is not None
        if isinstance(source, httpx.AsyncBaseTransport):
            first_loop = self._client_loop is None
            transport = source if first_loop or not isinstance(source, httpx.AsyncHTTPTransport) \
                else httpx.AsyncHTTPTransport()
        else:
            transport = source()
        self._client = httpx.AsyncClient(transport=transport, timeout=REQUEST_TIMEOUT_SECONDS)
        self._client_loop = loop
        return self._client

    async def send(self, message: Any, settings: DestinationSettings) -> Reply | NoReply:
        """One message to the receiver, in process (the core) or over httpx; what came back.

        The body is ``json_body(message)``. In process the request carries the message itself, so the
        receiver reads it without parsing bytes back; the bytes are rendered only if something reads them.
        ``message`` is not changed by anyone while it is sent (the delivery log's stored message)."""
        headers = self._headers_of(settings)
        if self._exchange is not None:
            answer = await self._exchange(WireRequest.of_json("POST", RECEIVER_PATH, headers.items(), message))
            if isinstance(answer, NoAnswer):
                return NoReply("ECONNRESET" if answer.kind == "reset" else "ETIMEDOUT", answer.describe())
            message, parsed = _answer(answer.body, lambda: answer.body.decode("utf-8", "replace"),
                                      answer.rendered_from)
            return Reply(answer.status, message, parsed, _retry_after(answer.header("retry-after")))
        assert self.base_url is not None
        try:
            response = await self._client_for_this_loop().post(self.base_url + RECEIVER_PATH,
                                                                content=json_body(message), headers=headers)
        except httpx.TransportError as error:
            return NoReply(network_error_code(error), str(error) or type(error).__name__)
        message, parsed = _answer(response.content, lambda: response.text)
        return Reply(response.status_code, message, parsed, _retry_after(response.headers.get("Retry-After")))

    def _headers_of(self, settings: DestinationSettings) -> dict[str, str]:
        cached = self._headers_for
        if cached is not None and cached[0] == settings:
            return cached[1]
        headers = self._headers(settings)
        self._headers_for = (cast(DestinationSettings, dict(settings)), headers)
        return headers

    @staticmethod
    def _headers(settings: DestinationSettings) -> dict[str, str]:
        credentials = base64.b64encode(f"{settings['api_key']}:".encode()).decode()
        other = {key: value for key, value in settings.items() if key != "api_key"}
        return {
            "Authorization": f"Basic {credentials}",
            SETTINGS_HEADER: base64.b64encode(json.dumps(other).encode()).decode(),
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
            "Accept": "*/*",
            "Cache-Control": "no-cache",
        }

