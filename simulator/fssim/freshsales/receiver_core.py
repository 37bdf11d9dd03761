"""The Segment receiver's core: one delivered message in (:class:`~fssim.wire.WireRequest`), its answer
out (:class:`~fssim.wire.WireAnswer`, or :class:`~fssim.wire.NoAnswer` for a forced reset or time-out).

Every check and every answer of ``POST /integrations/segment`` lives here, with no HTTP framework in
between. Two callers share it: the Starlette endpoint (:mod:`fssim.freshsales.receiver`, for deliveries
over a socket and for contract tests) and Segment's in-process delivery, which the app wires straight
to :meth:`ReceiverCore.exchange`. So a delivery costs no HTTP emulation in process, and both paths give
the same bytes for the same request (``tests/freshsales/test_fs_receiver_core.py`` proves it).

The checks run in this order, each with its own answer:

1. R3 auth — missing or unknown API key, or settings naming another subdomain: **401**; a settings
   header that is not base64 of a JSON object: **400**.
2. Faults installed by a test (``POST /_sim/accounts/{subdomain}/failures``, surface ``segment``): a
   status, latency, a dropped connection or a time-out (:mod:`fssim.freshsales.fault_answers`).
3. R1 gate — the account's Segment toggle is off: **403**, saying where to switch it on. Checked before
   the body is looked at (over HTTP: before it is read), so with the toggle off nothing is changed.
4. The body — not JSON: **400**; then the rules (:func:`fssim.integration.apply`): a malformed
   message **400** naming the field, screen/group/alias **501** (R9), **200** with what was done,
   **202** when nothing matched (R8), a replayed messageId the first answer again (R10).

The rules and their writes run inside one store transaction (the message's only one), so concurrent
deliveries never interleave and a ``--db`` file is written once per message.

Over HTTP the edge guard (:mod:`fssim.guard`) also refuses a body over 1 MiB before the endpoint runs;
the core has no copy of that limit because Segment never delivers a message that large (32 KB a
message, 500 KB a batch: :mod:`fssim.segment.spec`).
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fssim import strictjson
from fssim.freshsales.accounts import Account
from fssim.freshsales.crm_adapter import FreshsalesCRM, ProcessedMessages
from fssim.freshsales.fault_answers import fault_headers, no_answer, settle
from fssim.freshsales.hosts import subdomain_of_setting
from fssim.integration import apply
from fssim.wire import NoAnswer, WireAnswer, WireRequest, json_answer

if TYPE_CHECKING:
    from fssim.freshsales.service import Freshsales

__all__ = ["RECEIVER_METHOD", "RECEIVER_PATH", "SEGMENT_TIMEOUT_SECONDS", "SETTINGS_HEADER", "ReceiverCore",
           "error_answer", "toggle_off_message"]

RECEIVER_METHOD = "POST"
RECEIVER_PATH = "/integrations/segment"
SETTINGS_HEADER = "X-Segment-Settings"
_SETTINGS_KEY = SETTINGS_HEADER.lower()
# Keys under which the destination's settings carry the subdomain: the classic destination calls it
# ``apiSecret`` (label "Freshsales subdomain"), the Suite one ``domain`` (reference/segment.md §4.1).
_SUBDOMAIN_KEYS = ("subdomain", "domain", "apiSecret")
# How long Segment waits for an answer (written on both ends, like the path): a forced latency this
# long is a time-out to Segment (fssim.freshsales.fault_answers).
SEGMENT_TIMEOUT_SECONDS = 10.0
_REPLAYED = {"X-Fssim-Replayed": "true"}


def toggle_off_message(subdomain: str) -> str:
    """R1's answer: what is wrong and exactly where to fix it (the seed's "common error")."""
    return (
        f"Freshsales is not accepting data from Segment: the Segment integration toggle is off for the "
        f"Freshsales account '{subdomain}'. Log in to Freshsales as an administrator and switch it on under "
        "Admin Settings > Integrations > Third party integrations > Segment (enabling Freshsales only from "
        "Segment's catalog does not switch it on). In the simulator: "
        f"POST /_sim/accounts/{subdomain}/segment/enable with {{\"source\": \"<your Segment source>\"}}."
    )


def error_answer(status: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any) -> WireAnswer:
    """The receiver's error shape: ``{"message": ..., ...}`` with the status."""
    return json_answer({"message": message, **extra}, status, headers)


# Segment sends the same two headers with every message of a destination, so their decoding is kept
# (a few destinations' worth; pure functions of the header text, so a hit is the same answer).
_HEADER_CACHE_SIZE = 64


def _api_key(headers: Mapping[str, str]) -> str | None:
    """The key from ``Authorization: Basic base64(key:)``; ``None`` if absent or unreadable."""
    return _decoded_api_key(headers.get("authorization", ""))


@functools.lru_cache(maxsize=_HEADER_CACHE_SIZE)
def _decoded_api_key(header: str) -> str | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # ValueError: non-ASCII header text, or bad UTF-8 inside
        return None
    key = decoded.partition(":")[0]
    return key or None


def _settings_subdomain(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """``(subdomain, problem)`` from ``X-Segment-Settings``; both ``None`` when the header is absent."""
    raw = headers.get(_SETTINGS_KEY)
    if raw is None or not raw.strip():
        return None, None
    return _decoded_settings_subdomain(raw)


@functools.lru_cache(maxsize=_HEADER_CACHE_SIZE)
def _decoded_settings_subdomain(raw: str) -> tuple[str | None, str | None]:
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


class ReceiverCore:
    """The receiver bound to one :class:`Freshsales`: request value in, answer value out."""

    def __init__(self, freshsales: Freshsales) -> None:
        self._fs = freshsales
        self.processed = ProcessedMessages(freshsales.db, freshsales.clock)
        self.failures = freshsales.forced_failures

    async def exchange(self, request: WireRequest) -> WireAnswer | NoAnswer:
        """One whole delivery: what Segment's in-process delivery calls."""
        if request.path != RECEIVER_PATH:
            return error_answer(404, f"Not Found: {request.method} {request.path}")
        if request.method != RECEIVER_METHOD:
            return error_answer(405, f"Method Not Allowed: {request.method} {request.path}",
                                {"Allow": RECEIVER_METHOD})
        admitted = await self.admit(request.headers)
        if not isinstance(admitted, Account):
            return admitted
        made_from = request.rendered_from
        if made_from is not None and strictjson.reads_back_as_itself(made_from[0]):
            return self.apply(admitted, made_from)
        return self.apply(admitted, request.body)

    def authenticate(self, headers: Mapping[str, str]) -> Account | WireAnswer:
        """R3: the account the API key (and the settings' subdomain) names, or the 401/400 answer."""
        key = _api_key(headers)
        if key is None:
            return error_answer(
                401,
                "Missing or unreadable API key: Segment sends the Freshsales API key as "
                "'Authorization: Basic base64(API_KEY + \":\")'. Check the destination's API key setting.",
            )
        account = self._fs.accounts.by_api_key(key)
        if account is None:
            return error_answer(401, "Incorrect or expired API key: no Freshsales account has this API key. "
                                     "Copy it from Freshsales: Profile Settings > API Settings.")
        subdomain, problem = _settings_subdomain(headers)
        if problem is not None:
            return error_answer(400, problem, field=SETTINGS_HEADER)
        if subdomain is not None and subdomain != account.subdomain:
            return error_answer(
                401,
                f"The API key belongs to the Freshsales account '{account.subdomain}', not to '{subdomain}': "
                "check the destination's subdomain setting.",
            )
        return account

    async def admit(self, headers: Mapping[str, str]) -> Account | WireAnswer | NoAnswer:
        """Steps 1-3, which need no body: the account to apply the message to, or the answer instead."""
        account = self.authenticate(headers)
        if not isinstance(account, Account):
            return account
        fault = self.failures.take(account.subdomain, "segment")
        if fault is not None:  # the usual case, no fault, needs no coroutine of settle's
            fault = await settle(fault, client_timeout=SEGMENT_TIMEOUT_SECONDS)
        if fault is not None:
            gone = no_answer(fault)
            if gone is not None:
                return gone
            assert fault.status is not None
            return error_answer(fault.status, fault.message, fault_headers(fault))
        if not account.segment_enabled:
            return error_answer(403, toggle_off_message(account.subdomain), rule="R1")
        return account

    def apply(self, account: Account, body: bytes | tuple[Any]) -> WireAnswer:
        """Step 4: the body through the rules, in the message's one store transaction.

        ``body``: its bytes, or ``(value,)`` when the request was made from a JSON value (in-process
        delivery) that strict parsing of its text would give back as it is
        (:func:`fssim.strictjson.reads_back_as_itself`): then the value is used without the text. A
        value that would not (a message a ``--db`` file kept from before the depth limit, one handed to
        the Python API with a tuple or NaN) goes as its text, through the same checks as over HTTP."""
        if isinstance(body, tuple):
            message = body[0]
        else:
            try:
                message = strictjson.loads(body)
            except strictjson.NotJSON as error:
                return error_answer(400, f"The body is not valid JSON: {error}", field="body")
        with self._fs.db.transaction():
            # Re-read under the lock: a toggle switched off a moment ago must win (R1). The rules then
            # work on this very snapshot; nothing on the way reads the account again.
            current = self._fs.accounts.get(account.subdomain)
            if current is None or not current.segment_enabled:
                return error_answer(403, toggle_off_message(account.subdomain), rule="R1")
            # One clock read per message: its receipt, its writes and the exactly-once window.
            now = self._fs.clock.now()
            crm = FreshsalesCRM(self._fs, current, self.processed, now)
            outcome = apply(message, crm, received_at=now)
        kept = crm.kept_answer
        if kept is not None and not outcome.replayed:
            # The answer the rules just kept for this messageId (R10): its text is already rendered.
            status, content, text = kept
            return json_answer(content, status, text=text)
        return json_answer(outcome.to_json(), outcome.status, _REPLAYED if outcome.replayed else None)
