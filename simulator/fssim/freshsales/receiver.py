"""Freshsales' Segment receiver over HTTP: ``POST /integrations/segment``, where Segment delivers one
message at a time.

The contract is Segment's partner-destination one (reference/segment.md §2.7): one spec-shaped message
per request, ``Authorization: Basic base64(api_key + ":")``, ``X-Segment-Settings: base64(JSON)`` with
the destination's other settings, and JSON ``{"message": ...}`` bodies.

This endpoint is a thin wrapper: every check and answer is the core's
(:class:`~fssim.freshsales.receiver_core.ReceiverCore`, which Segment's in-process delivery calls
directly). What only HTTP has stays here: the body is read only once auth, the faults and the R1 gate
let the request through, and a forced reset or time-out is acted out on the real socket
(:func:`~fssim.freshsales.fault_answers.act_no_answer`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from fssim.endpoints import Endpoint, bound_to, to_routes
from fssim.freshsales.fault_answers import act_no_answer
from fssim.freshsales.receiver_core import (
    RECEIVER_PATH,
    SEGMENT_TIMEOUT_SECONDS,
    SETTINGS_HEADER,
    ReceiverCore,
    error_answer,
    toggle_off_message,
)
from fssim.wire import NoAnswer, WireAnswer

if TYPE_CHECKING:
    from fssim.freshsales.service import Freshsales

__all__ = ["ENDPOINTS", "RECEIVER_PATH", "SEGMENT_TIMEOUT_SECONDS", "SETTINGS_HEADER", "SegmentReceiver",
           "receiver_routes", "to_response", "toggle_off_message"]


def to_response(answer: WireAnswer) -> Response:
    """The core's answer as a Starlette response: the same status, headers (in order) and bytes."""
    return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))


def _render(status: int, message: str, headers: dict[str, str]) -> Response:
    return to_response(error_answer(status, message, headers))


class SegmentReceiver:
    """The endpoint, bound to one :class:`ReceiverCore` (its ``processed`` and ``failures`` are the core's)."""

    def __init__(self, core: ReceiverCore) -> None:
        self.core = core
        self.processed = core.processed
        self.failures = core.failures

    async def handle(self, request: Request) -> Response:
        admitted = await self.core.admit(request.headers)
        if isinstance(admitted, NoAnswer):
            return await act_no_answer(admitted, request, _render)
        if isinstance(admitted, WireAnswer):
            return to_response(admitted)
        return to_response(self.core.apply(admitted, await request.body()))


# The one endpoint; its handler is the receiver's own ``handle``, called as ``handle(receiver, request)``.
ENDPOINTS: list[Endpoint[Callable[[SegmentReceiver, Request], Awaitable[Response]]]] = [
    Endpoint("POST", RECEIVER_PATH, SegmentReceiver.handle, "Segment delivers one message (R1, R3, R8-R10)",
             "receiver"),
]


def receiver_routes(freshsales: Freshsales, core: ReceiverCore | None = None) -> list[BaseRoute]:
    """The receiver's route, mounted by the app at the top level (no ``/api`` prefix).

    Pass the ``core`` Segment's in-process delivery also uses, so both share one R10 memory."""
    return to_routes(ENDPOINTS, bound_to(SegmentReceiver(core or ReceiverCore(freshsales))))
