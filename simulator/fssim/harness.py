"""The test author's view of a simulator: the object the ``fssim`` and ``fssim_server`` fixtures give.

    def test_signup_creates_a_lead(fssim):
        fssim.connect("acme", source="web")            # account + source, toggle on from Freshsales (R2)
        fssim.identify("ada@example.com", {"firstName": "Ada"})
        fssim.flush()                                  # Segment delivers what is due
        fssim.assert_lead("ada@example.com", first_name="Ada")

Writes go through the control and tracking APIs — the same surfaces a test in another language uses — so
a test exercises the real enablement flow, routing and delivery. Reads come straight from the store
(no REST rate limits, and Sprout accounts, which have no REST access, can be inspected too).
The assertion helpers live in :mod:`fssim.assertions`.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import httpx

from fssim.assertions import Assertions
from fssim.errors import FssimError
from fssim.freshsales.errors import FreshsalesError
from fssim.freshsales.shapes import Target
from fssim.inprocess import InProcessClient
from fssim.interception import DEFAULT_HOSTS, intercept
from fssim.segment.shapes import DeliveryEntry, EventEntry
from fssim.segment.workspace import SOURCE_KINDS
from fssim.transport import SimulatorTransport

if TYPE_CHECKING:
    from fssim.app import Simulator, SimulatorConfig

__all__ = ["Account", "Fssim", "HarnessError", "Source", "open_fssim"]


class HarnessError(FssimError, AssertionError):
    """The simulator refused a set-up step; the message carries its answer."""


@dataclass(frozen=True)
class Account:
    subdomain: str
    api_key: str
    plan: str
    product: str


@dataclass(frozen=True)
class Source:
    name: str
    write_key: str
    kind: str


class Fssim(Assertions):
    """Helpers over one simulator. ``http`` reaches its app (in-process or over a socket)."""

    def __init__(self, sim: Simulator, http: InProcessClient | httpx.Client,
                 forward: Callable[[httpx.Request], httpx.Response], *, base_url: str | None = None) -> None:
        self.sim = sim
        self.http = http
        self.base_url = base_url  # set for fssim_server: where code under test should send its HTTP
        self._forward = forward
        # The harness's own calls to a server must never be refused by interception.
        self._own_hosts = (httpx.URL(base_url).host,) if base_url else ()
        self._accounts: dict[str, Account] = {}
        self._sources: dict[str, Source] = {}
        self._message_ids = itertools.count(1)

    # --- plumbing -----------------------------------------------------------------------------------

    def call(self, method: str, path: str, body: Any = None, *, expect: int | Sequence[int] = (200, 201),
             **kwargs: Any) -> Any:
        """One control/API request; a status outside ``expect`` fails with the simulator's answer."""
        response = self.http.request(method, path, json=body, **kwargs) if body is not None else \
            self.http.request(method, path, **kwargs)
        allowed = (expect,) if isinstance(expect, int) else tuple(expect)
        if response.status_code not in allowed:
            raise HarnessError(f"{method} {path} answered {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def reset(self) -> None:
        self.call("POST", "/_sim/reset")
        self._accounts.clear()
        self._sources.clear()

    # --- set-up -------------------------------------------------------------------------------------

    def account(self, subdomain: str = "acme", *, plan: str = "garden", api_key: str | None = None,
                product: str = "classic", rate_limits: bool = True) -> Account:
        """A Freshsales account (``acme.freshsales.io``); its API key defaults to ``<subdomain>-api-key``."""
        key = api_key or f"{subdomain}-api-key"
        self.call("POST", "/_sim/accounts", {"subdomain": subdomain, "plan": plan, "api_key": key, "product": product})
        if not rate_limits:
            self.sim.freshsales.accounts.set_rate_limits(subdomain, False)
        created = Account(subdomain, key, plan, product)
        self._accounts[subdomain] = created
        return created

    def source(self, name: str = "web", *, kind: str = "web", write_key: str | None = None) -> Source:
        """A Segment source; its write key defaults to ``<name>-write-key``."""
        key = write_key or f"{name}-write-key"
        self.call("POST", "/_sim/sources", {"name": name, "write_key": key, "kind": kind})
        created = Source(name, key, kind)
        self._sources[name] = created
        return created

    def enable_segment(self, account: str | None = None, source: str | None = None) -> None:
        """Switch the Segment toggle on *from Freshsales* for ``source`` (R2): the account's key and
        subdomain are handed to Segment, which creates/enables the Freshsales destination."""
        subdomain = self._account_name(account)
        self.call("POST", f"/_sim/accounts/{subdomain}/segment/enable", {"source": self._source_name(source)})

    def disable_segment(self, account: str | None = None) -> None:
        self.call("POST", f"/_sim/accounts/{self._account_name(account)}/segment/disable", {})

    def connect_from_segment(self, source: str | None = None, account: str | None = None, *,
                             api_key: str | None = None, subdomain: str | None = None) -> None:
        """Add the Freshsales destination from *Segment's catalog only*: the toggle stays off (R1/R2)."""
        owner = self._accounts.get(self._account_name(account))
        body = {"type": "freshsales",
                "api_key": api_key or (owner.api_key if owner else None),
                "subdomain": subdomain or self._account_name(account)}
        self.call("POST", f"/_sim/sources/{self._source_name(source)}/destinations", body)

    def connect(self, account: str = "acme", source: str = "web", *, plan: str = "garden", kind: str | None = None,
                product: str = "classic", rate_limits: bool = True) -> tuple[Account, Source]:
        """The usual start of a test: an account and a source, connected as the real enablement flow
        connects them (toggle switched on in Freshsales for that source). Reuses ones already made."""
        made_account = self._accounts.get(account) or self.account(account, plan=plan, product=product,
                                                                    rate_limits=rate_limits)
        made_source = self._sources.get(source) or self.source(source, kind=kind or _kind_of(source))
        self.enable_segment(account, source)
        return made_account, made_source

    def fail(self, account: str | None = None, *, status: int | None = None, count: int | None = None,
             seconds: float | None = None, retry_after: int | None = None, kind: str | None = None,
             probability: float | None = None, seed: int | None = None, latency: float | None = None,
             hold: float | None = None, surface: str = "segment", method: str | None = None,
             path: str | None = None, replace: bool = False) -> dict[str, Any]:
        """Make Freshsales fail on purpose (``POST /_sim/accounts/{account}/failures``); returns the rule,
        with its ``id`` and ``seed`` (pass that seed again to replay the same faults).

        ``surface="segment"`` (default): Segment's deliveries to the receiver; ``surface="rest"``, with
        optional ``method`` and ``path`` (``"/api/leads*"``): the REST API. What happens: ``status``
        (with ``retry_after``), ``latency`` (real seconds), ``kind="reset"`` or ``kind="timeout"``
        (``hold``); how often: ``probability`` with ``seed``; how long: ``count`` faults, ``seconds`` of
        simulated time, or until :meth:`clear_failures`. Rules add up unless ``replace``.
        """
        body: dict[str, Any] = {"surface": surface}
        options = {"status": status, "count": count, "seconds": seconds, "retry_after": retry_after, "kind": kind,
                   "probability": probability, "seed": seed, "latency": latency, "hold": hold, "method": method,
                   "path": path}
        body.update({key: value for key, value in options.items() if value is not None})
        if replace:
            body["replace"] = True
        answer = self.call("POST", f"/_sim/accounts/{self._account_name(account)}/failures", body)
        return cast(dict[str, Any], answer["failure"])

    def failures(self, account: str | None = None) -> list[dict[str, Any]]:
        """The account's active forced failures, oldest first (with how often each was met and served)."""
        answer = self.call("GET", f"/_sim/accounts/{self._account_name(account)}/failures")
        return cast(list[dict[str, Any]], answer["failures"])

    def clear_failures(self, account: str | None = None, rule_id: int | None = None) -> int:
        """Remove the account's forced failures (or the one ``rule_id``); how many were removed."""
        path = f"/_sim/accounts/{self._account_name(account)}/failures"
        answer = self.call("DELETE", path if rule_id is None else f"{path}/{rule_id}")
        return int(answer["removed"])

    def add_record(self, entity: str, fields: Mapping[str, Any], account: str | None = None) -> dict[str, Any]:
        """An existing lead or contact, as if created in Freshsales (not through Segment)."""
        subdomain = self._account_name(account)
        try:
            return cast(dict[str, Any], self.sim.freshsales.records.create(subdomain, entity, dict(fields)))
        except FreshsalesError as refused:  # say it as the REST API would, not as a traceback
            raise HarnessError(f"Freshsales refused the {entity} {dict(fields)!r} in account {subdomain!r}: "
                               f"{refused}") from refused

    # --- messages -----------------------------------------------------------------------------------

    def send(self, *messages: Mapping[str, Any], source: str | None = None,
             write_key: str | None = None) -> list[dict[str, Any]]:
        """POST messages as one ``/v1/batch`` with the source's write key (HTTP Basic, like the SDKs).
        Each gets a ``messageId`` and ``timestamp`` unless it has one. Returns the messages as sent."""
        key = write_key or self._source(source).write_key
        batch = [self._complete(message) for message in messages]
        auth = base64.b64encode(f"{key}:".encode()).decode()
        self.call("POST", "/v1/batch", {"batch": batch, "sentAt": self._now()},
                  headers={"Authorization": f"Basic {auth}"})
        return batch

    def identify(self, user_id: str | None, traits: Mapping[str, Any] | None = None, *,
                 source: str | None = None, **fields: Any) -> dict[str, Any]:
        message = {"type": "identify", "userId": user_id, "traits": dict(traits or {}), **fields}
        return self.send(message, source=source)[0]

    def track(self, user_id: str | None, event: str, properties: Mapping[str, Any] | None = None, *,
              source: str | None = None, **fields: Any) -> dict[str, Any]:
        message = {"type": "track", "userId": user_id, "event": event, "properties": dict(properties or {}),
                   **fields}
        return self.send(message, source=source)[0]

    def page(self, user_id: str | None, name: str | None = None, properties: Mapping[str, Any] | None = None, *,
             source: str | None = None, **fields: Any) -> dict[str, Any]:
        message = {"type": "page", "userId": user_id, "properties": dict(properties or {}), **fields}
        if name is not None:
            message["name"] = name
        return self.send(message, source=source)[0]

    def flush(self) -> dict[str, Any]:
        """Segment tries every delivery that is due now (first attempts, and retries whose time came)."""
        return dict(self.call("POST", "/_sim/flush", {}))

    def delivery_order(self, order: str, *, seed: int = 0) -> None:
        """``"unordered"`` lets a user's messages overtake each other (seeded), as Segment allows;
        ``"ordered"`` (the default) holds a later one while an earlier one awaits a retry."""
        self.call("POST", "/_sim/delivery-order", {"order": order, "seed": seed})

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (retries, rate-limit windows); then :meth:`flush` to deliver."""
        self.call("POST", "/_sim/clock/advance", {"seconds": seconds})

    # --- reading ------------------------------------------------------------------------------------

    def leads(self, account: str | None = None) -> list[dict[str, Any]]:
        return self._records(account, "lead")

    def contacts(self, account: str | None = None) -> list[dict[str, Any]]:
        return self._records(account, "contact")

    def find(self, email: str, account: str | None = None) -> tuple[str, dict[str, Any]] | None:
        """``("lead" | "contact", record)`` for this email (case-insensitive, trimmed), or ``None``."""
        found = self.sim.freshsales.records.find_by_email(self._account_name(account), email)
        return None if found is None else (found.entity, self._record(found))

    def find_by_external_id(self, external_id: str, account: str | None = None) -> tuple[str, dict[str, Any]] | None:
        found = self.sim.freshsales.records.find_by_external_id(self._account_name(account), external_id)
        return None if found is None else (found.entity, self._record(found))

    def _record(self, found: Target) -> dict[str, Any]:
        return cast(dict[str, Any], self.sim.freshsales.records.get(found.account, found.entity, found.id))

    def lead(self, email: str, account: str | None = None) -> dict[str, Any] | None:
        found = self.find(email, account)
        return found[1] if found and found[0] == "lead" else None

    def contact(self, email: str, account: str | None = None) -> dict[str, Any] | None:
        found = self.find(email, account)
        return found[1] if found and found[0] == "contact" else None

    def timeline(self, email: str, account: str | None = None) -> list[dict[str, Any]]:
        """The record's activities, oldest first (empty when there is no such record)."""
        found = self.find(email, account)
        if found is None:
            return []
        entity, record = found
        return self.sim.freshsales.timeline.activities(self._account_name(account), entity, int(record["id"]))

    def events(self, **filters: str) -> list[EventEntry]:
        """Segment's event log (filters: source, status, user, type, message_id, code, event)."""
        return self.sim.segment.event_log(filters)

    def deliveries(self, **filters: str) -> list[DeliveryEntry]:
        """Segment's delivery log (filters: source, destination, status, user, type, message_id, code)."""
        return self.sim.segment.delivery_log(filters)

    # --- interception -------------------------------------------------------------------------------

    def intercept(self, *, hosts: Sequence[str] = DEFAULT_HOSTS, extra_hosts: Sequence[str] = (),
                  refuse_others: bool = False, allow_hosts: Sequence[str] = ()) -> AbstractContextManager[None]:
        """Serve ``requests``/``httpx`` calls to Segment and Freshsales hosts from this simulator
        (see :func:`fssim.intercept`); :meth:`transport` does it without patching, for code that takes
        an httpx transport."""
        return intercept(self._forward, hosts=hosts, extra_hosts=extra_hosts, refuse_others=refuse_others,
                         allow_hosts=(*allow_hosts, *self._own_hosts))

    def transport(self) -> SimulatorTransport:
        """An httpx transport (sync and async) that serves every request from this simulator, whatever
        its host: ``httpx.Client(transport=fssim.transport(), base_url="https://acme.freshsales.io")``
        (see :mod:`fssim.transport`). No patching, so it works beside or without :meth:`intercept`."""
        return SimulatorTransport(self._forward)

    # --- helpers ------------------------------------------------------------------------------------

    def _records(self, account: str | None, entity: str) -> list[dict[str, Any]]:
        subdomain = self._account_name(account)
        owner = self.sim.freshsales.accounts.get(subdomain)
        if owner is None or (entity == "lead" and not owner.has_leads):
            return []
        return cast(list[dict[str, Any]], self.sim.freshsales.records.all(subdomain, entity))

    def _account_name(self, account: str | None) -> str:
        if account is not None:
            return account
        known = self._known_accounts()
        if len(known) == 1:
            return known[0]
        if not known:
            raise HarnessError("there is no Freshsales account yet: call fssim.account() or fssim.connect() first")
        raise HarnessError(f"say which account: {len(known)} exist ({', '.join(known)})")

    def _known_accounts(self) -> list[str]:
        return list(self._accounts) or [account.subdomain for account in self.sim.freshsales.accounts.all()]

    def _source(self, source: str | None) -> Source:
        name = self._source_name(source)
        if name not in self._sources:
            raise HarnessError(f"unknown source {name!r}: this test created "
                               f"{', '.join(self._sources) or 'none yet'} (call fssim.source() or fssim.connect())")
        return self._sources[name]

    def _source_name(self, source: str | None) -> str:
        if source is not None:
            return source
        if len(self._sources) == 1:
            return next(iter(self._sources))
        raise HarnessError(f"say which source: {len(self._sources)} were created "
                           f"({', '.join(self._sources) or 'none yet — call fssim.source() or fssim.connect()'})")

    def _complete(self, message: Mapping[str, Any]) -> dict[str, Any]:
        completed = dict(message)
        completed.setdefault("messageId", f"fssim-{next(self._message_ids)}")
        completed.setdefault("timestamp", self._now())
        return completed

    def _now(self) -> str:
        # Full precision, like the SDKs' timestamps, so messages sent one after another keep their order.
        return self.sim.clock.now().isoformat()


def _kind_of(source: str) -> str:
    return source if source in SOURCE_KINDS else "server"


@contextlib.contextmanager
def open_fssim(config: SimulatorConfig | None = None) -> Iterator[Fssim]:
    """The ``fssim`` fixture's object outside pytest (scripts, notebooks, other test runners): a fresh
    in-process simulator, frozen clock unless ``config`` says otherwise, closed on exit."""
    from fssim.app import Simulator, SimulatorConfig

    sim = Simulator(config or SimulatorConfig(frozen_clock=True))
    try:
        with InProcessClient(sim.app) as client:
            yield Fssim(sim, client, client.send)
    finally:
        sim.close()
