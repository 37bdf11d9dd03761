"""An httpx transport that serves every request from a simulator, like ``httpx.MockTransport``.

For code that takes an httpx transport (most httpx-based clients do) there is no need to patch
anything::

    client = httpx.Client(transport=fssim.transport(), base_url="https://acme.freshsales.io")
    client.get("/api/leads/filters", headers={"Authorization": "Token token=acme-api-key"})

The request keeps its URL and Host (``acme.freshsales.io``, ``api.segment.io``...), so the simulator
sees what the real service would: the Freshsales REST API, the Segment Tracking API and the control
API (``/_sim/...``) all answer. One object serves ``httpx.Client`` and ``httpx.AsyncClient``.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread
import httpx

__all__ = ["SimulatorTransport", "transport_response"]

Sender = Callable[[httpx.Request], httpx.Response]


def transport_response(answer: httpx.Response) -> httpx.Response:
    """A fresh, unread response carrying ``answer``'s status, headers and (decoded) body.

    ``answer`` was already read, so its body is decoded: the headers that described the wire form
    (encoding, length, chunking) are dropped, or the caller's client would decode it a second time.
    """
    headers = [(k, v) for k, v in answer.headers.multi_items()
               if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")]
    return httpx.Response(answer.status_code, headers=headers, content=answer.content)


class SimulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Hands each request to ``send`` (the simulator's own client) and returns its answer."""

    def __init__(self, send: Sender) -> None:
        self._send = send

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return transport_response(self._send(request))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        # The simulator runs in its own event-loop thread; hand the call over instead of running the app
        # on the caller's loop, so the simulator only ever meets one loop.
        answer = await anyio.to_thread.run_sync(self._send, request)
        return transport_response(answer)
