"""Freshsales' Segment receiver: ``POST /integrations/segment``, where Segment delivers one message at a time.

The contract is Segment's partner-destination one (reference/segment.md §2.7): one spec-shaped message
per request, ``Authorization: Basic base64(api_key + ":")``, ``X-Segment-Settings: base64(JSON)`` with
the destination's other settings, and JSON ``{"message": ...}`` bodies. The checks run in this order,
each with its own answer:

1. R3 auth — missing or unknown API key, or settings naming another subdomain: **401**.
2. Faults installed by a test (``POST /_sim/accounts/{subdomain}/failures``, surface ``segment``): a
   status, latency, a dropped connection or a time-out (:mod:`fssim.freshsales.fault_answers`).
3. R1 gate — the account's Segment toggle is off: **403**, saying where to switch it on. Checked before
   the body is read, so with the toggle off nothing at all is looked at, let alone changed.
4. The body — not JSON: **400**; then the rules (:func:`fssim.integration.apply`): a malformed
   message **400** naming the field, screen/group/alias **501** (R9), **200** with what was done,
   **202** when nothing matched (R8), a replayed messageId the first answer again (R10).

The rules and their writes run inside one store transaction, so concurrent deliveries never interleave.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from fssim import strictjson
from fssim.endpoints import Endpoint, bound_to, to_routes
from fssim.freshsales.accounts import Account
from fssim.freshsales.crm_adapter import FreshsalesCRM, ProcessedMessages
from fssim.freshsales.fault_answers import act_out
from fssim.freshsales.hosts import subdomain_of_setting
from fssim.integration import apply

if TYPE_CHECKING:
    from fssim.freshsales.service import Freshsales

__all__ = ["ENDPOINTS", "RECEIVER_PATH", "SEGMENT_TIMEOUT_SECONDS", "SETTINGS_HEADER", "SegmentReceiver",
           "receiver_routes", "toggle_off_message"]

RECEIVER_PATH = "/integrations/segment"
SETTINGS_HEADER = "X-Segment-Settings"
# Keys under which the destination's settings carry the subdomain: the classic destination calls it
# ``apiSecret`` (label "Freshsales subdomain"), the Suite one ``domain`` (reference/segment.md §4.1).
_SUBDOMAIN_KEYS = ("subdomain", "domain", "apiSecret")
# How long Segment waits for an answer (written on both ends, like the path): a forced latency this
# long is a time-out to Segment (fssim.freshsales.fault_answers).
SEGMENT_TIMEOUT_SECONDS = 10.0


def toggle_off_message(subdomain: str) -> str:
    """R1's answer: what is wrong and exactly where to fix it (the seed's "common error")."""
    return (
        f"Freshsales is not accepting data from Segment: the Segment integration toggle is off for the "
        f"Freshsales account '{subdomain}'. Log in to Freshsales as an administrator and switch it on under "
        "Admin Settings > Integrations > Third party integrations > Segment (enabling Freshsales only from "
        "Segment's catalog does not switch it on). In the simulator: "
        f"POST /_sim/accounts/{subdomain}/segment/enable with {{\"source\": \"<your Segment source>\"}}."
    )


def _forced_answer(status: int, message: str, headers: dict[str, str]) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status, headers=headers or None)


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"message": message, **extra}, status_code=status)


def _api_key(request: Request) -> str | None:
    """The key from ``Authorization: Basic base64(key:)``; ``None`` if absent or unreadable."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # ValueError: non-ASCII header text, or bad UTF-8 inside
        return None
    key = decoded.partition(":")[0]
    return key or None


def _settings_subdomain(request: Request) -> tuple[str | None, str | None]:
    """``(subdomain, problem)`` from ``X-Segment-Settings``; both ``None`` when the header is absent."""
    raw = request.headers.get(SETTINGS_HEADER)
    if raw is None or not raw.strip():
        return None, None
    try:
        # The strict reader, as for bodies: plain json.loads raises RecursionError (a 500) on a header
        # of nested brackets.
        settings = strictjson.loads(base64.b64decode(raw.strip(), validate=True).decode("utf-8"))
    except (binascii.Error, ValueError, strictjson.NotJSON):  # ValueError: non-ASCII header text
        return None, f"{SETTINGS_HEADER} must be base64 of a JSON object (the destination's settings)"
    if not isinstance(settings, dict):
        return None, f"{SETTINGS_HEADER} must be base64 of a JSON object, not of {type(settings).__name__}"
    for key in _SUBDOMAIN_KEYS:
        value = settings.get(key)
        if isinstance(value, str) and value.strip():
            return subdomain_of_setting(value), None
    return None, None


class SegmentReceiver:
    """The endpoint's logic, bound to one :class:`Freshsales`."""

    def __init__(self, freshsales: Freshsales) -> None:
        self._fs = freshsales
        self.processed = ProcessedMessages(freshsales.db, freshsales.clock)
        self.failures = freshsales.forced_failures

    def _authenticate(self, request: Request) -> Account | JSONResponse:
        key = _api_key(request)
        if key is None:
            return _error(
                401,
                "Missing or unreadable API key: Segment sends the Freshsales API key as "
                "'Authorization: Basic base64(API_KEY + \":\")'. Check the destination's API key setting.",
            )
        account = self._fs.accounts.by_api_key(key)
        if account is None:
            return _error(401, "Incorrect or expired API key: no Freshsales account has this API key. "
                               "Copy it from Freshsales: Profile Settings > API Settings.")
        subdomain, problem = _settings_subdomain(request)
        if problem is not None:
            return _error(400, problem, field=SETTINGS_HEADER)
        if subdomain is not None and subdomain != account.subdomain:
            return _error(
                401,
                f"The API key belongs to the Freshsales account '{account.subdomain}', not to '{subdomain}': "
                "check the destination's subdomain setting.",
            )
        return account

    async def handle(self, request: Request) -> Response:
        account = self._authenticate(request)
        if isinstance(account, JSONResponse):
            return account
        forced = await act_out(self.failures.take(account.subdomain, "segment"), request, _forced_answer,
                               client_timeout=SEGMENT_TIMEOUT_SECONDS)
        if forced is not None:
            return forced
        if not account.segment_enabled:
            return _error(403, toggle_off_message(account.subdomain), rule="R1")
        try:
            message = strictjson.loads(await request.body())
        except strictjson.NotJSON as error:
            return _error(400, f"The body is not valid JSON: {error}", field="body")
        with self._fs.db.transaction():
            # Re-read under the lock: a toggle switched off a moment ago must win (R1). The rules then
            # work on this very snapshot; nothing on the way reads the account again.
            current = self._fs.accounts.get(account.subdomain)
            if current is None or not current.segment_enabled:
                return _error(403, toggle_off_message(account.subdomain), rule="R1")
            crm = FreshsalesCRM(self._fs, current, self.processed)
            outcome = apply(message, crm, received_at=self._fs.clock.now())
        headers = {"X-Fssim-Replayed": "true"} if outcome.replayed else None
        return JSONResponse(outcome.to_json(), status_code=outcome.status, headers=headers)


# The one endpoint; its handler is the receiver's own ``handle``, called as ``handle(receiver, request)``.
ENDPOINTS: list[Endpoint[Callable[[SegmentReceiver, Request], Awaitable[Response]]]] = [
    Endpoint("POST", RECEIVER_PATH, SegmentReceiver.handle, "Segment delivers one message (R1, R3, R8-R10)",
             "receiver"),
]


def receiver_routes(freshsales: Freshsales) -> list[BaseRoute]:
    """The receiver's route, mounted by the app at the top level (no ``/api`` prefix)."""
    return to_routes(ENDPOINTS, bound_to(SegmentReceiver(freshsales)))
