"""Delivery to destinations with Segment's retry policy, every attempt recorded.

Each message goes to the Freshsales receiver as one HTTP POST (reference/segment.md §2.7, the partner
destination contract): ``{base_url}/integrations/segment`` with the destination's API key as HTTP Basic
user, its other settings base64-encoded in ``X-Segment-Settings`` and ``User-Agent: Segment.io/1.0``.
Two ways to get there, both handed in by the app, so this module never imports the receiver: in
process, the receiver's core as an :data:`~fssim.wire.Exchange` (the same request as a value, no HTTP
emulation: :meth:`Deliverer.set_exchange`); otherwise an httpx transport, a real network one to any base
URL (``--delivery-url``) or any other (:meth:`Deliverer.set_transport`). Both record the same log.

Outcomes (reference/segment.md §2.7): 2xx delivered; 429, 408, 5xx other than 501/505, timeouts and
connection errors retried with exponential back-off until 4 hours of *simulated* time have passed since
the first attempt; any other status (400, 401, 403, 404, 501, ...) discarded at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from fssim.clock import Clock
from fssim.segment.enrich import iso_ms
from fssim.segment.link import (
    MAX_BACKOFF_SECONDS,
    RECEIVER_PATH,
    SETTINGS_HEADER,
    USER_AGENT,
    NoReply,
    ReceiverLink,
    TransportSource,
    network_error_code,
)
from fssim.segment.logs import OPEN_STATUSES, DeliveryLog
from fssim.segment.shapes import Attempt, FlushResult
from fssim.wire import Exchange

# RECEIVER_PATH, SETTINGS_HEADER and USER_AGENT live with the link and are named here too, where the
# wire-agreement test and readers look for what a delivery sends.
__all__ = [
    "DELIVERY_ORDERS",
    "RECEIVER_PATH",
    "RETRY_WINDOW_SECONDS",
    "SETTINGS_HEADER",
    "USER_AGENT",
    "Deliverer",
    "TransportSource",
    "backoff_seconds",
    "classify_status",
    "network_error_code",
]

RETRY_WINDOW_SECONDS = 4 * 3600
# Simulator policy (Segment publishes only "randomized exponential backoff"): 30 s doubling per
# failure, at most one hour apart (link.MAX_BACKOFF_SECONDS), +/-20 % jitter seeded by the messageId so
# runs are repeatable.
FIRST_BACKOFF_SECONDS = 30.0
# Simulator policy: the code of a delivery whose attempt raised instead of answering (a simulator bug, or
# a message stored before a bound existed), e.g. ``errors.internal.RecursionError``.
FAILED_INTERNAL_CODE = "errors.internal"

_log = logging.getLogger("fssim.segment")

# How long a flush runs in the event loop before it lets other requests in (simulator policy).
YIELD_EVERY_SECONDS = 0.002

# Simulator policy (Segment promises destinations no order): "ordered" holds a user's later messages
# while an earlier one awaits a retry; "unordered" (seeded) lets them overtake, as in production.
DELIVERY_ORDERS = ("ordered", "unordered")


def classify_status(status_code: int) -> str:
    """``"delivered"``, ``"retry"`` or ``"discard"`` for an HTTP answer of the destination."""
    if 200 <= status_code < 300:
        return "delivered"
    if status_code in (408, 429) or (500 <= status_code < 600 and status_code not in (501, 505)):
        return "retry"
    return "discard"


def backoff_seconds(failures: int, message_id: str, retry_after: float | None = None) -> float:
    """How long to wait after the ``failures``-th failed attempt (1-based)."""
    base = min(FIRST_BACKOFF_SECONDS * 2 ** (failures - 1), MAX_BACKOFF_SECONDS)
    jitter = random.Random(f"{message_id}:{failures}").uniform(0.8, 1.2)
    delay = base * jitter
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


class Deliverer:
    """Tries due deliveries; one delivery is never tried by two callers at once."""

    def __init__(self, log: DeliveryLog, clock: Clock,
                 destination_of: Callable[[int], Mapping[str, Any] | None], *, order: str = "ordered",
                 seed: int = 0) -> None:
        # ``destination_of`` gives the stored destination document (a :class:`Destination`), or None.
        self.log = log
        self.clock = clock
        self._destination_of = destination_of
        self.link = ReceiverLink()  # how the receiver is reached: its core in process, or httpx
        self._inflight: set[int] = set()
        self._inflight_lock = threading.Lock()
        self.set_order(order, seed)

    def set_transport(self, transport: TransportSource, base_url: str) -> None:
        """Deliver over httpx: a transport (or a factory of them) and the receiver's base URL."""
        self.link.set_transport(transport, base_url)

    def set_exchange(self, exchange: Exchange, base_url: str) -> None:
        """Deliver in process: the receiver's core, handed each delivery as a request value."""
        self.link.set_exchange(exchange, base_url)

    @property
    def base_url(self) -> str | None:
        return self.link.base_url

    def _claim(self, delivery_id: int) -> bool:
        with self._inflight_lock:
            if delivery_id in self._inflight:
                return False
            self._inflight.add(delivery_id)
            return True

    def _release(self, delivery_id: int) -> None:
        with self._inflight_lock:
            self._inflight.discard(delivery_id)

    def set_order(self, order: str, seed: int = 0) -> None:
        """``ordered`` (the default) or ``unordered`` with a seed (docs/segment.md §6, "Order")."""
        if order not in DELIVERY_ORDERS:
            raise ValueError(f"unknown delivery order {order!r}; use {' or '.join(DELIVERY_ORDERS)}")
        self.order = order
        self.seed = seed
        self._shuffle = random.Random(seed)

    async def flush(self) -> FlushResult:
        """Try every delivery due now once; returns when each was tried (here or by a concurrent flush).

        Ordered (the default): oldest first, and a delivery waits while an earlier open one of the same
        user (``userId`` or ``anonymousId``) to the same destination waits for its retry. Unordered:
        every due delivery is tried, in an order shuffled by the seed.
        """
        if not self.link.configured:
            return {"tried": 0, "open": self.log.open_count(), "note": "no delivery transport configured"}
        now = self.clock.timestamp()
        queue = self.log.open_in_order()
        if self.order == "unordered":
            queue = [(delivery_id, entry) for delivery_id, entry in queue if float(entry["due"]) <= now]
            self._shuffle.shuffle(queue)
        tried = held = 0
        ordered = self.order == "ordered"
        inflight, inflight_lock = self._inflight, self._inflight_lock
        next_yield = time.perf_counter() + YIELD_EVERY_SECONDS
        elsewhere: list[int] = []
        # (destination, "u"|"a", id) -> the earliest delivery still open for it: later ones wait for it.
        waiting: dict[tuple[Any, str, Any], int] = {}
        # The moment the last attempt finished, while nothing else ran since: the next attempt starts then,
        # so one clock read is one attempt's end and the next one's start.
        last_finished: datetime | None = None
        # The loop runs once per delivery, so its steps are written out in it (no call per step).
        for delivery_id, entry in queue:
            due = float(entry["due"]) <= now
            user_key = anonymous_key = blocker = None
            if ordered:
                # Who the delivery belongs to: its destination with its userId and with its anonymousId.
                # Both count, so an anonymous page, the identify that names the user (carrying the same
                # anonymousId) and the user's later tracks form one chain.
                destination, user, anonymous = entry.get("destination_id"), entry.get("user_id"), \
                    entry.get("anonymous_id")
                if user is not None:
                    user_key = (destination, "u", user)
                    blocker = waiting.get(user_key)
                if anonymous is not None:
                    anonymous_key = (destination, "a", anonymous)
                    if blocker is None:
                        blocker = waiting.get(anonymous_key)
            if blocker is not None:
                held += due
                self._hold(delivery_id, entry, blocker)
            elif due:
                with inflight_lock:  # claimed: one delivery is never tried by two flushes at once
                    claimed = delivery_id not in inflight
                    if claimed:
                        inflight.add(delivery_id)
                if not claimed:
                    elsewhere.append(delivery_id)  # another flush is trying it: still open, for all we know
                else:
                    try:
                        attempted, still_open, last_finished = await self._attempt(delivery_id, last_finished)
                    finally:
                        with inflight_lock:
                            inflight.discard(delivery_id)
                    tried += attempted
                    # An in-process delivery never really suspends; yield so that the server keeps
                    # answering SDKs (and /_sim/...) while a long flush runs in its event loop. Every
                    # few milliseconds, not after every delivery: a turn of the loop (a select call)
                    # per message cost more than some of the deliveries themselves.
                    if time.perf_counter() >= next_yield:
                        await asyncio.sleep(0)
                        next_yield = time.perf_counter() + YIELD_EVERY_SECONDS
                        last_finished = None  # other work ran: the next attempt reads the clock
                    if not still_open:  # the attempt knows how it left the entry: no read to ask
                        continue
            if user_key is not None:
                waiting.setdefault(user_key, delivery_id)
            if anonymous_key is not None:
                waiting.setdefault(anonymous_key, delivery_id)
        while elsewhere:
            # Another flush (the background loop, another request) is trying these right now.
            await asyncio.sleep(0.005)
            with self._inflight_lock:
                elsewhere = [i for i in elsewhere if i in self._inflight]
        result: FlushResult = {"tried": tried, "open": self.log.open_count()}
        if held:
            result["held"] = held
        return result

    def _hold(self, delivery_id: int, entry: Mapping[str, Any], blocker: int) -> None:
        """Say in the log what a held delivery waits for (written once per blocker, not per flush)."""
        if entry.get("held_by") == blocker or not self._claim(delivery_id):
            return  # already said so, or another flush is trying it right now and will write its state
        try:
            delivery = self.log.stored(delivery_id)  # fresh, under the claim
            if delivery is None or delivery["status"] not in OPEN_STATUSES:
                return
            self.log.update(delivery_id, {
                **delivery,
                "held_by": blocker,
                "reason": f"waits for delivery {blocker}, an earlier message of the same user to this "
                          "destination that is not delivered yet (ordered delivery)",
            })
        finally:
            self._release(delivery_id)

    async def _attempt(self, delivery_id: int, started_at: datetime | None = None) -> tuple[int, bool, datetime | None]:
        """Try one delivery: (how many were tried, 0 or 1; whether it is still open afterwards; the moment
        it finished, if it read the clock). ``started_at``: when the attempt before it finished, if nothing
        ran in between (then this one starts at that moment, without reading the clock again)."""
        # The stored entry itself, fresh under the claim and not copied: nothing here changes it. Its
        # message is sent as it is, and each new state is a new dict built from it (:meth:`_write`).
        delivery = self.log.stored(delivery_id)
        if delivery is None or delivery["status"] not in OPEN_STATUSES:
            return 0, False, started_at
        destination = self._destination_of(int(delivery["destination_id"]))
        if destination is None or not destination.get("enabled", True):
            return 1, False, self._finish(delivery_id, delivery, None, "discarded",
                                          "errors.discarded.INVALID_SETTINGS",
                                          "the destination no longer exists or was disabled", attempt=None)
        settings = destination["settings"]
        if started_at is None:
            started_at = self.clock.now()
        deadline = delivery.get("deadline")
        if deadline is None:
            # The 4-hour retry window starts with the first attempt.
            deadline = started_at.timestamp() + RETRY_WINDOW_SECONDS
        started = time.perf_counter()
        number = len(delivery["attempts"]) + 1
        try:
            reply = await self.link.send(delivery["message"], settings)
        except Exception as error:
            # The attempt itself raised: in process the receiver's own exception comes straight through.
            # Trying again would raise again and hold up every delivery behind this one, so it is given
            # up at once, with the exception named (simulator policy).
            return 1, False, self._give_up(delivery_id, delivery, deadline, number, started_at, started, error)
        if isinstance(reply, NoReply):
            attempt: Attempt = {"number": number, "at": iso_ms(started_at), "status_code": None,
                                "error": reply.code, "message": reply.message, "duration_ms": _ms(started)}
            return (1, *self._after_failure(delivery_id, delivery, deadline, attempt, reply.code, None))
        # The whole answer is kept: the receiver lists ignored traits (R7) and what it changed there.
        attempt = {"number": number, "at": iso_ms(started_at), "status_code": reply.status,
                   "message": reply.message, "response": reply.body, "duration_ms": _ms(started)}
        verdict = classify_status(reply.status)
        if verdict == "delivered":
            return 1, False, self._finish(delivery_id, delivery, deadline, "delivered", f"success.{reply.status}",
                                          reply.message, attempt)
        if verdict == "discard":
            return 1, False, self._finish(delivery_id, delivery, deadline, "discarded",
                                          f"errors.discarded.{reply.status}", reply.message, attempt)
        return (1, *self._after_failure(delivery_id, delivery, deadline, attempt, str(reply.status),
                                        reply.retry_after))

    def _give_up(self, delivery_id: int, delivery: Mapping[str, Any], deadline: float, number: int,
                 started_at: datetime, started: float, error: BaseException) -> datetime:
        name = type(error).__name__
        detail = (str(error) or name)[:500]
        attempt: Attempt = {"number": number, "at": iso_ms(started_at), "status_code": None, "error": name,
                            "message": detail, "duration_ms": _ms(started)}
        _log.warning("delivery %s (messageId %r) raised %s and was given up: %s",
                     delivery_id, delivery.get("message_id"), name, detail)
        return self._finish(delivery_id, delivery, deadline, "failed", f"{FAILED_INTERNAL_CODE}.{name}",
                            f"delivering this message raised {name} ({detail}); it is not retried, and the "
                            "deliveries after it go on", attempt)

    def _after_failure(self, delivery_id: int, delivery: Mapping[str, Any], deadline: float, attempt: Attempt,
                       reason_code: str, retry_after: float | None) -> tuple[bool, datetime]:
        """Schedule the retry, or give up past the window: whether the delivery is still open, and when."""
        moment = self.clock.now()
        now = moment.timestamp()
        attempts = [*delivery["attempts"], attempt]
        deadline = float(deadline)
        if now >= deadline:
            self._finish(delivery_id, delivery, deadline, "failed", f"errors.retries-exhausted.{reason_code}",
                         f"still failing after {len(attempts)} attempts over 4 hours: {attempt['message']}",
                         attempt, finished=moment)
            return False, moment
        due = min(now + backoff_seconds(len(attempts), delivery["message_id"], retry_after), deadline)
        new = _next_state(delivery, deadline)
        new["status"] = "awaiting-retry"
        new["code"] = f"errors.awaiting-retry.{reason_code}"
        new["reason"] = attempt["message"]
        new["attempts"] = attempts
        new["deadline"] = deadline
        new["due"] = due
        new["next_attempt_at"] = iso_ms(datetime.fromtimestamp(due, tz=UTC))
        return self.log.update(delivery_id, new), moment

    def _finish(self, delivery_id: int, delivery: Mapping[str, Any], deadline: float | None, status: str,
                code: str, reason: str | None, attempt: Attempt | None, finished: datetime | None = None) -> datetime:
        """Write the delivery's final state; returns the moment it finished (``finished``, if the caller
        has just read the clock)."""
        if finished is None:
            finished = self.clock.now()
        new = _next_state(delivery, deadline)
        new["status"] = status
        new["code"] = code
        new["reason"] = reason
        new["attempts"] = delivery["attempts"] if attempt is None else [*delivery["attempts"], attempt]
        new["next_attempt_at"] = None
        new["finished_at"] = iso_ms(finished)
        self.log.update(delivery_id, new)
        return finished


def _next_state(delivery: Mapping[str, Any], deadline: float | None) -> dict[str, Any]:
    """The stored entry's one new copy, for its next state: its retry window's end set once an attempt
    opened it, and ``held_by`` cleared once it is tried (a never-held entry keeps its shape). Keys that
    are new go last, and the ones it has keep their place, so the log's JSON keeps its key order."""
    new = dict(delivery)
    if deadline is not None:
        new["deadline"] = deadline
    if "held_by" in new:
        new["held_by"] = None
    return new


def _ms(started: float) -> float:
    """Milliseconds since ``started``, to the hundredth. ``round(x * 100) / 100``, not ``round(x, 2)``,
    which goes through decimal digits and back and cost more than the rest of an attempt's entry; they
    can differ only when the duration is within a rounding error of a half hundredth."""
    return round((time.perf_counter() - started) * 100_000) / 100
