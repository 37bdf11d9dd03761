"""Plan limits on the simulated clock (DESIGN R12): per-account hourly and per-minute counters.

Windows are fixed and aligned to the clock (12:00-13:00, 12:05-12:06): a client that is told
``Retry-After: N`` and waits N simulated seconds is then let through. Counters are kept in memory
(simulator policy): a restart forgets them, like the real service's windows rolling over. Only
authenticated requests of an account count, and a refused (429) request does not.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from fssim.clock import Clock
from fssim.freshsales.accounts import Account

__all__ = ["Decision", "RateLimiter"]

_HOUR = 3600
_MINUTE = 60


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int  # the hourly limit (X-RateLimit-Limit)
    remaining: int  # left in this hour (X-RateLimit-Remaining)
    reset: int  # epoch seconds when the hourly window ends (X-RateLimit-Reset)
    retry_after: int  # seconds until the exhausted window ends (0 if allowed)
    window: str  # "hour" or "minute": which limit refused (or the tighter one)
    minute_limit: int = 0
    minute_remaining: int = 0

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Minute-Limit": str(self.minute_limit),
            "X-RateLimit-Minute-Remaining": str(self.minute_remaining),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class RateLimiter:
    def __init__(self, clock: Clock, *, enabled: bool = True) -> None:
        self._clock = clock
        self.enabled = enabled
        self._lock = threading.Lock()
        # account -> (hour window start, count, minute window start, count)
        self._counts: dict[str, tuple[int, int, int, int]] = {}

    def applies_to(self, account: Account) -> bool:
        return self.enabled and account.rate_limits and account.plan.rest_access

    def check(self, account: Account) -> Decision | None:
        """Count one request, or refuse it; ``None`` when limits are off for this account."""
        if not self.applies_to(account):
            return None
        plan = account.plan
        now = self._clock.timestamp()
        hour_start = int(now // _HOUR) * _HOUR
        minute_start = int(now // _MINUTE) * _MINUTE
        with self._lock:
            hour_at, hour_count, minute_at, minute_count = self._counts.get(account.subdomain, (0, 0, 0, 0))
            if hour_at != hour_start:
                hour_at, hour_count = hour_start, 0
            if minute_at != minute_start:
                minute_at, minute_count = minute_start, 0
            refused = None
            if hour_count >= plan.per_hour:
                refused = ("hour", hour_start + _HOUR)
            elif minute_count >= plan.per_minute:
                refused = ("minute", minute_start + _MINUTE)
            if refused is None:
                hour_count += 1
                minute_count += 1
            self._counts[account.subdomain] = (hour_at, hour_count, minute_at, minute_count)
        window = refused[0] if refused else ("hour" if plan.per_hour - hour_count <= plan.per_minute - minute_count
                                             else "minute")
        return Decision(
            allowed=refused is None,
            limit=plan.per_hour,
            remaining=max(0, plan.per_hour - hour_count),
            reset=hour_start + _HOUR,
            retry_after=max(1, math.ceil(refused[1] - now)) if refused else 0,
            window=window,
            minute_limit=plan.per_minute,
            minute_remaining=max(0, plan.per_minute - minute_count),
        )

    def usage(self, account: Account) -> dict[str, object]:
        now = self._clock.timestamp()
        with self._lock:
            hour_at, hour_count, minute_at, minute_count = self._counts.get(account.subdomain, (0, 0, 0, 0))
        return {
            "applies": self.applies_to(account),
            "this_hour": hour_count if hour_at == int(now // _HOUR) * _HOUR else 0,
            "this_minute": minute_count if minute_at == int(now // _MINUTE) * _MINUTE else 0,
        }

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
