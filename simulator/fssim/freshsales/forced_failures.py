"""Faults on demand: rules that make Freshsales misbehave on purpose, so a sender's retry code meets them.

A rule belongs to one account and one *surface*:

* ``"segment"`` (the default): Segment's deliveries to the receiver (``POST /integrations/segment``);
* ``"rest"``: the REST API, narrowed by ``method`` (default any) and a ``path`` pattern with ``*``
  wildcards (default every path). A pattern written under ``/api`` also matches the same endpoint
  under ``/crm/sales/api`` (one set of handlers serves both prefixes).

What it does (``kind``, inferred when absent: ``status`` if a status is given, else ``latency``):

* ``status``: answer that status (400-599) with a JSON body saying it is on purpose; ``retry_after``
  sets ``Retry-After`` (a 429 or 503 without one gets the seconds left of a timed rule, else 1);
* ``latency``: wait ``latency`` real seconds, then answer normally (see :mod:`fault_answers` for why
  real seconds); ``latency`` may also precede any other kind;
* ``reset``: the connection is dropped without an answer;
* ``timeout``: no answer within the client's time-out (over a socket the answer is held ``hold``
  seconds, then a 504; in process the caller's time-out fires at once).

How often (``probability``, default 1): each request the rule matches draws a number from the rule's
``seed`` and the request's ordinal (``seen``), so the same seed gives the same sequence of faults, run
after run, restart after restart (the draw needs no stored generator state). A seed is chosen and shown
when none is given, so a failing run can be replayed.

How long: ``count`` faults (served, not requests seen), a window of ``seconds`` of *simulated* time,
both (whichever ends first), or neither: until cleared. Several rules may be active; they are consulted
in the order they were added: latency-only rules that fire add their wait and let the next rule speak,
and the first rule that fires with another kind decides the answer.
"""

from __future__ import annotations

import fnmatch
import math
import random
from dataclasses import dataclass
from typing import Any

from fssim.clock import Clock, isoformat, later
from fssim.store import Database

__all__ = ["KINDS", "MAX_HOLD_SECONDS", "MAX_LATENCY_SECONDS", "SURFACES", "Fault", "ForcedFailures",
           "parse_rule"]

_COLLECTION = "fs_forced_failures"
SURFACES = ("segment", "rest")
KINDS = ("status", "latency", "reset", "timeout")
# Simulator policy: a fault must never tie up a server for long, whatever a test asks for.
MAX_LATENCY_SECONDS = 60.0
MAX_HOLD_SECONDS = 120.0
DEFAULT_HOLD_SECONDS = 30.0
_FIELDS = ("surface", "method", "path", "kind", "status", "retry_after", "latency", "hold", "probability",
           "seed", "count", "seconds")
_METHODS = ("*", "GET", "POST", "PUT", "PATCH", "DELETE")
_SUITE_PREFIX = "/crm/sales/api/"
# Rules stored before faults had kinds (a --db file of an older fssim) read as status rules.
_DEFAULTS = {"surface": "segment", "kind": "status", "latency": None, "hold": None, "probability": 1.0, "seed": 0,
             "seen": 0}


@dataclass(frozen=True)
class Fault:
    """What one request meets: a wait, then an answer (``kind`` ``None``: answer normally after the wait)."""

    kind: str | None
    latency: float = 0.0
    status: int | None = None
    message: str = ""
    retry_after: int | None = None
    hold: float = DEFAULT_HOLD_SECONDS


def _number(body: dict[str, Any], name: str, *, low: float, high: float, whole: bool = False,
            low_open: bool = False) -> float | int | None:
    value = body.get(name)
    if value is None:
        return None
    ok_type = isinstance(value, int) or (isinstance(value, float) and not whole)
    if isinstance(value, bool) or not ok_type or not math.isfinite(value) \
            or value < low or (low_open and value == low) or value > high:
        what = "a whole number" if whole else "a number"
        bounds = f"> {low:g}" if low_open else f">= {low:g}"
        raise ValueError(f"'{name}' must be {what} {bounds} and <= {high:g}, got {value!r}")
    return value


def parse_rule(body: dict[str, Any]) -> dict[str, Any]:
    """A rule's fields checked and completed; ``ValueError`` naming the first bad one."""
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}: use {', '.join(_FIELDS)}")
    surface = body.get("surface") or "segment"
    if surface not in SURFACES:
        raise ValueError(f"'surface' must be 'segment' (Segment's deliveries) or 'rest' (the REST API), "
                         f"got {surface!r}")
    method, path = body.get("method"), body.get("path")
    if surface == "segment" and (method is not None or path is not None):
        raise ValueError("'method' and 'path' narrow REST rules only: add \"surface\": \"rest\"")
    method = "*" if method is None else method
    if not isinstance(method, str) or method.upper() not in _METHODS:
        raise ValueError(f"'method' must be one of {', '.join(_METHODS)}, got {method!r}")
    path = "*" if path is None else path
    if not isinstance(path, str) or not path or len(path) > 300 or not (path.startswith("/") or path == "*"):
        raise ValueError(f"'path' must be a pattern such as \"/api/leads*\" (starting with /), got {path!r}")
    status = body.get("status")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599):
        raise ValueError(f"'status' must be an HTTP error status from 400 to 599, got {status!r}")
    latency = _number(body, "latency", low=0, high=MAX_LATENCY_SECONDS, low_open=True)
    kind = body.get("kind") or ("status" if status is not None else "latency" if latency is not None else None)
    if kind is None:
        raise ValueError("'status' is required (e.g. 429), or say what should happen otherwise: 'latency' "
                         "(seconds), or 'kind': 'reset' (drop the connection) or 'timeout' (never answer in time)")
    if kind not in KINDS:
        raise ValueError(f"'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "status" and status is None:
        raise ValueError("'kind': 'status' needs a 'status' from 400 to 599")
    if kind != "status" and status is not None:
        raise ValueError(f"a '{kind}' rule answers no status: drop 'status' or the 'kind'")
    if kind == "latency" and latency is None:
        raise ValueError("'kind': 'latency' needs 'latency' (seconds)")
    retry_after = _number(body, "retry_after", low=0, high=86400, whole=True)
    if retry_after is not None and kind != "status":
        raise ValueError("'retry_after' goes with a 'status' answer (429 or 503, typically)")
    hold = _number(body, "hold", low=0, high=MAX_HOLD_SECONDS, low_open=True)
    if hold is not None and kind != "timeout":
        raise ValueError("'hold' goes with 'kind': 'timeout' only")
    probability = _number(body, "probability", low=0, high=1, low_open=True)
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"'seed' must be a whole number, got {seed!r}")
    count = body.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError(f"'count' must be a whole number >= 1, got {count!r}")
    seconds = body.get("seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int | float)
                                or not math.isfinite(seconds) or seconds <= 0):
        raise ValueError(f"'seconds' must be a number > 0, got {seconds!r}")
    return {
        "surface": surface, "method": method.upper(), "path": path, "kind": kind, "status": status,
        "retry_after": retry_after, "latency": latency, "hold": hold if kind == "timeout" else None,
        "probability": 1.0 if probability is None else float(probability),
        # Chosen when absent and shown in every answer, so any run can be replayed with the same faults.
        "seed": random.SystemRandom().randrange(2**31) if seed is None else seed,
        "count": count, "seconds": seconds,
    }


def _draw(seed: int, ordinal: int) -> float:
    # Derived from (seed, ordinal) alone: no generator state to store, so a restart (--db) and a replay
    # see the very same sequence.
    return random.Random(f"fssim-fault:{seed}:{ordinal}").random()


def _path_matches(pattern: str, path: str) -> bool:
    if fnmatch.fnmatchcase(path, pattern):
        return True
    # /crm/sales/api/leads is /api/leads to the handlers, so one pattern covers both prefixes.
    return path.startswith(_SUITE_PREFIX) and fnmatch.fnmatchcase("/api/" + path[len(_SUITE_PREFIX):], pattern)


class ForcedFailures:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._rules = db.collection(_COLLECTION)
        self._index = self._rules.index(lambda doc: doc["account"])
        # Whether there is any rule, which every REST call asks first: known until the rules change (the
        # collection tells its watchers of every write, a clear included), not counted under the lock
        # on every call.
        self._any: bool | None = None
        self._rules.watch(self._forget_any)

    def _forget_any(self) -> None:
        self._any = None

    def add(self, account: str, body: dict[str, Any], *, replace: bool = False) -> dict[str, Any]:
        """Install a rule (after :func:`parse_rule`); ``replace`` drops the account's other rules first."""
        rule = parse_rule(body)
        now = self._clock.now()
        until = later(now, rule["seconds"]) if rule["seconds"] is not None else None
        doc = {**rule, "account": account, "remaining": rule["count"],
               "until": until.timestamp() if until else None, "until_iso": isoformat(until) if until else None,
               "created": isoformat(now), "seen": 0, "answered": 0}
        with self._db.transaction():
            if replace:
                self.clear(account)
            doc_id = self._rules.insert(doc)
        return self._public(doc_id, doc)

    def set(self, account: str, status: int, *, count: int | None = None, seconds: float | None = None,
            retry_after: int | None = None) -> dict[str, Any]:
        """The original one-rule form: the receiver answers ``status``; replaces the account's rules."""
        body = {"status": status, "count": count, "seconds": seconds, "retry_after": retry_after}
        return self.add(account, {k: v for k, v in body.items() if v is not None}, replace=True)

    def clear(self, account: str, rule_id: int | None = None) -> int:
        """Remove the account's rules (or the one ``rule_id``); how many were removed."""
        with self._db.transaction():
            ids = self._index.ids(account)
            if rule_id is not None:
                ids = {rule_id} & ids
            for doc_id in ids:
                self._rules.delete(doc_id)
            return len(ids)

    def rules(self, account: str) -> list[dict[str, Any]]:
        """The account's active rules, oldest first (expired ones are dropped on the way)."""
        with self._db.transaction():
            return [self._public(doc_id, doc) for doc_id, doc in self._active(account)]

    def get(self, account: str) -> dict[str, Any] | None:
        """The account's first active rule, or ``None`` (the original one-rule view)."""
        rules = self.rules(account)
        return rules[0] if rules else None

    def active(self) -> bool:
        """Whether any account has a rule: the cheap check every REST call makes first."""
        known = self._any
        if known is None:
            with self._db.lock:
                known = self._any = len(self._rules) > 0
        return known

    def take(self, account: str, surface: str = "segment", method: str = "POST", path: str = "") -> Fault | None:
        """What one request to ``account`` on ``surface`` meets, counting it; ``None``: answer normally."""
        with self._db.lock:
            if self._index.first(account) is None:
                return None  # the usual case, answered without a transaction
        wait = 0.0
        with self._db.transaction():
            for doc_id, doc in self._active(account):
                if not self._matches(doc, surface, method, path):
                    continue
                updated = {**doc, "seen": doc["seen"] + 1}
                fires = _draw(doc["seed"], doc["seen"]) < doc["probability"]
                if fires:
                    updated["answered"] = doc["answered"] + 1
                    if doc["remaining"] is not None:
                        updated["remaining"] = doc["remaining"] - 1
                if updated["remaining"] == 0:
                    self._rules.delete(doc_id)
                else:
                    self._rules.replace(doc_id, updated)
                if not fires:
                    continue
                wait += float(doc["latency"] or 0)
                if doc["kind"] != "latency":
                    return Fault(doc["kind"], min(wait, MAX_LATENCY_SECONDS), doc["status"],
                                 self._message(doc_id, updated), self._retry_after(doc),
                                 float(doc["hold"] or DEFAULT_HOLD_SECONDS))
        return Fault(None, min(wait, MAX_LATENCY_SECONDS)) if wait else None

    @staticmethod
    def _matches(doc: dict[str, Any], surface: str, method: str, path: str) -> bool:
        if doc.get("surface", "segment") != surface:
            return False
        if surface == "segment":
            return True
        return doc["method"] in ("*", method.upper()) and _path_matches(doc["path"], path)

    def _active(self, account: str) -> list[tuple[int, dict[str, Any]]]:
        now = self._clock.timestamp()
        found = []
        for doc_id in sorted(self._index.ids(account)):
            doc = self._rules.get(doc_id)
            if doc is None:
                continue
            if doc["until"] is not None and now >= doc["until"]:
                self._rules.delete(doc_id)
                continue
            found.append((doc_id, {**_DEFAULTS, **doc}))
        return found

    def _retry_after(self, doc: dict[str, Any]) -> int | None:
        if doc["retry_after"] is not None:
            return int(doc["retry_after"])
        if doc["status"] not in (429, 503):
            return None
        if doc["until"] is not None:
            return max(1, math.ceil(doc["until"] - self._clock.timestamp()))
        return 1

    def _message(self, doc_id: int, doc: dict[str, Any]) -> str:
        what = {"status": f"status {doc['status']}", "reset": "dropped connection",
                "timeout": "time-out"}.get(doc["kind"], doc["kind"])
        parts = []
        if doc["remaining"] is not None:
            parts.append(f"{doc['remaining']} more forced answer(s) after this one")
        if doc["until_iso"] is not None:
            parts.append(f"until {doc['until_iso']} simulated time")
        if not parts:
            parts.append("until cleared")
        if doc["probability"] < 1:
            parts.append(f"probability {doc['probability']:g}, seed {doc['seed']}")
        return (
            f"Freshsales is failing on purpose (simulator forced failure #{doc_id}, {what}: "
            f"{', '.join(parts)}); clear it with DELETE /_sim/accounts/{doc['account']}/failures"
        )

    @staticmethod
    def _public(doc_id: int, doc: dict[str, Any]) -> dict[str, Any]:
        public = {"id": doc_id, "account": doc["account"], "surface": doc.get("surface", "segment")}
        if public["surface"] == "rest":
            public.update(method=doc["method"], path=doc["path"])
        public.update(
            kind=doc.get("kind", "status"), status=doc["status"], retry_after=doc["retry_after"],
            latency=doc.get("latency"), hold=doc.get("hold"), probability=doc.get("probability", 1.0),
            seed=doc.get("seed"), remaining=doc["remaining"], until=doc["until_iso"],
            lifetime="count" if doc["remaining"] is not None and doc["until"] is None else
            "window" if doc["remaining"] is None and doc["until"] is not None else
            "count and window" if doc["remaining"] is not None else "until cleared",
            seen=doc.get("seen", 0), answered=doc["answered"],
        )
        return public
