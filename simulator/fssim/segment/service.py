"""The fake Segment as one object: Tracking API, workspace, pipeline, delivery and the two logs.

    segment = Segment(db, clock, strict=False)
    app_routes = segment.tracking_routes()
    segment.set_exchange(receiver_core.exchange, "http://freshsales.fssim")  # in process (the app's wiring)
    segment.set_transport(httpx.AsyncHTTPTransport(), "http://localhost:8000")  # or over HTTP
    segment.connect_freshsales(source="web", api_key="k", subdomain="acme")   # R2 hand-over
    await segment.flush()                                                     # every due delivery tried

It never imports Freshsales: delivery goes through what it is handed, the receiver's core as a plain
request value (:mod:`fssim.wire`) or an httpx transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, cast

from starlette.routing import BaseRoute

from fssim.clock import Clock
from fssim.masking import mask
from fssim.segment.browser import browser_routes
from fssim.segment.dedupe import Deduplicator
from fssim.segment.delivery import Deliverer, TransportSource
from fssim.segment.logs import DeliveryLog, EventLog, LogFilter
from fssim.segment.pipeline import IngestResult, Pipeline
from fssim.segment.retention import LogWindow
from fssim.segment.shapes import (
    ConnectedDestination,
    DeliveryEntry,
    EventEntry,
    FlushResult,
    RoutedDelivery,
    Source,
    SourceView,
)
from fssim.segment.spec import MAX_BATCH_MESSAGES
from fssim.segment.tracking import TrackingError, tracking_routes
from fssim.segment.workspace import Workspace, WorkspaceError
from fssim.store import Database
from fssim.wire import Exchange

__all__ = ["BACKGROUND_INTERVAL_SECONDS", "Segment", "WorkspaceError"]

_log = logging.getLogger("fssim.segment")

# How often `fssim serve` looks for due retries when no new message wakes it (real seconds).
BACKGROUND_INTERVAL_SECONDS = 0.5


class Segment:
    def __init__(self, db: Database, clock: Clock, *, strict: bool = False, delivery_order: str = "ordered",
                 delivery_seed: int = 0, log_window: LogWindow | None = None) -> None:
        self.db = db
        self.clock = clock
        self.strict = strict
        self._configured_order = (delivery_order, delivery_seed)  # what a reset goes back to
        self.workspace = Workspace(db)
        self.dedupe = Deduplicator(db)
        self.log_window = log_window or LogWindow()
        self.events = EventLog(db, clock, self.log_window)
        self.deliveries = DeliveryLog(db, clock, self.log_window)
        self.pipeline = Pipeline(db, clock, self.workspace, self.dedupe, self.events, self.deliveries)
        self.deliverer = Deliverer(self.deliveries, clock, self.workspace.destination, order=delivery_order,
                                   seed=delivery_seed)
        self._wake: asyncio.Event | None = None
        self._wake_loop: asyncio.AbstractEventLoop | None = None

    # --- Tracking API -------------------------------------------------------------------------------

    def tracking_routes(self) -> list[BaseRoute]:
        return [*tracking_routes(self.ingest), *browser_routes(self.workspace)]

    def ingest(self, path: str, items: list[Any], shared: dict[str, Any], write_key: str) -> IngestResult:
        """Everything after the edge accepted a request (also usable without HTTP, e.g. benchmarks)."""
        source = cast(Source | None, self.workspace.source_by_key(write_key))  # the stored document
        if source is None:
            if self.strict:
                raise TrackingError(401, "invalid_write_key", f"Unknown write key {write_key!r}: no source has it "
                                    "(strict mode; the real Segment edge would answer 200 and drop the events)")
            # Its last characters make a typo visible at a glance; the log keeps no key in full.
            return self.pipeline.drop(items, path=path, source=None, code="invalid_write_key",
                                      reason=f"no source has this write key ({mask(write_key)!r}); Segment answers "
                                             "200 and drops the events (create the source with POST /_sim/sources)")
        if not source.get("enabled", True):
            return self.pipeline.drop(items, path=path, source=source["name"], code="source_disabled",
                                      reason=f"source {source['name']!r} is disabled")
        if len(items) > MAX_BATCH_MESSAGES:
            # reference/segment.md §2.3: the one limit answered 200 while the events are rejected.
            return self.pipeline.drop(items, path=path, source=source["name"], code="batch_too_many_messages",
                                      reason=f"the batch has {len(items)} messages; at most {MAX_BATCH_MESSAGES} "
                                             "are accepted per batch")
        result = self.pipeline.ingest(items, shared, path=path, source=source)
        if result.deliveries:
            self._notify()
        return result

    # --- Workspace ----------------------------------------------------------------------------------

    def add_source(self, name: Any, write_key: Any, kind: Any = "web") -> SourceView:
        return self.workspace.add_source(name, write_key, kind, now=self.clock.now())

    def add_destination(self, source: Any, type_: Any, api_key: Any, subdomain: Any) -> ConnectedDestination:
        """Enable a destination from Segment's catalog: the Freshsales toggle is not touched (R2)."""
        return self._public(self.workspace.connect(source, type_, api_key, subdomain, created_by="segment",
                                                   now=self.clock.now()))

    def connect_freshsales(self, source: str, api_key: str, subdomain: str) -> ConnectedDestination:
        """The R2 hand-over from Freshsales: create or enable its destination on ``source``.

        Raises :class:`WorkspaceError` (status 404) when the workspace has no such source.
        """
        return self._public(self.workspace.connect(source, "freshsales", api_key, subdomain,
                                                   created_by="freshsales", now=self.clock.now()))

    def sources(self) -> list[SourceView]:
        return self.workspace.all_sources()

    @staticmethod
    def _public(destination: dict[str, Any]) -> ConnectedDestination:
        """What the workspace answered for a connected destination, with its API key masked."""
        settings = destination["settings"]
        return cast(ConnectedDestination, {
            **{k: v for k, v in destination.items() if k != "settings"},
            "settings": {"subdomain": settings["subdomain"], "api_key": "*" * 4 + settings["api_key"][-4:]}})

    # --- Delivery -----------------------------------------------------------------------------------

    def set_transport(self, transport: TransportSource, base_url: str) -> None:
        """Where deliveries go: an httpx transport (or a zero-argument factory of them) and a base URL."""
        self.deliverer.set_transport(transport, base_url)

    def set_exchange(self, exchange: Exchange, base_url: str) -> None:
        """Deliveries go to ``exchange`` (the receiver's core, in process) as request values, no HTTP."""
        self.deliverer.set_exchange(exchange, base_url)

    def set_delivery_order(self, order: str, seed: int = 0) -> None:
        """``ordered`` or ``unordered`` (seeded) delivery; ``ValueError`` naming both for anything else."""
        self.deliverer.set_order(order, seed)

    def delivery_order(self) -> dict[str, Any]:
        return {"order": self.deliverer.order, "seed": self.deliverer.seed}

    async def flush(self) -> FlushResult:
        """Returns once every delivery due at the time of the call was tried."""
        return await self.deliverer.flush()

    async def deliver_in_background(self, interval: float = BACKGROUND_INTERVAL_SECONDS) -> None:
        """Deliver by itself (``fssim serve``): woken by new messages, and every ``interval`` for retries."""
        self._wake_loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=interval)
                self._wake.clear()
                try:
                    await self.deliverer.flush()
                except Exception:
                    # A bug must not silently end delivery for the rest of the server's life.
                    _log.exception("background delivery failed; trying again at the next tick")
        finally:
            self._wake = None
            self._wake_loop = None

    def _notify(self) -> None:
        loop, wake = self._wake_loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop may be closing
                loop.call_soon_threadsafe(wake.set)

    # --- Logs and state -----------------------------------------------------------------------------

    def event_log(self, filters: LogFilter, limit: int | None = None) -> list[EventEntry]:
        """Events with each routed delivery's *current* status (the event log is written at ingest)."""
        entries = cast(list[EventEntry], self.events.query(filters, limit))  # the records the pipeline wrote
        for entry in entries:
            # New dicts: the entries share their nested lists with the stored documents, and a read
            # must not write into the store (outside its lock, and into a file-backed one's next write).
            entry["destinations"] = [self._with_current_status(routed) for routed in entry.get("destinations") or []]
        return entries

    def _with_current_status(self, routed: RoutedDelivery) -> RoutedDelivery:
        delivery = cast(DeliveryEntry | None, self.deliveries.get(routed["delivery_id"]))
        if delivery is None:
            # Open deliveries are never dropped, so this one had finished; its outcome left with it.
            return {**routed, "reason": "no longer in the delivery log: it finished and fell out of the log's "
                                        "window (see log_window in GET /_sim/state)"}
        current: RoutedDelivery = {**routed, "status": delivery["status"], "code": delivery["code"],
                                   "reason": delivery["reason"]}
        return current

    def delivery_log(self, filters: LogFilter, limit: int | None = None) -> list[DeliveryEntry]:
        return cast(list[DeliveryEntry], self.deliveries.query(filters, limit))

    def state(self) -> dict[str, Any]:
        return {
            "sources": self.sources(),
            "events": self.events.counts(),
            "deliveries": self.deliveries.counts(),
            "open_deliveries": self.deliveries.open_count(),
            # The logs keep a window (docs/segment.md): what it is, and how many entries fell out of it.
            "log_window": self.log_window.describe(),
            "dropped": {"events": self.events.dropped, "deliveries": self.deliveries.dropped},
            "strict": self.strict,
            "delivery_base_url": self.deliverer.base_url,
            "delivery_order": self.delivery_order(),
        }

    def reset(self) -> None:
        """After the database was cleared (``POST /_sim/reset``): forget what is held in memory too."""
        self.dedupe.forget()
        self.events.forget()
        self.deliveries.forget()
        self.deliverer.set_order(*self._configured_order)  # and the seeded shuffle starts over
