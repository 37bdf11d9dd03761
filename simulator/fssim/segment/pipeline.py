"""From accepted request to queued deliveries: validate, enrich, de-duplicate, route, log.

The Tracking API (``tracking.py``) has already answered or is about to answer 200; everything here is
what Segment does *after* acceptance, so a bad message ends up in the event log with a code and a
reason rather than as an HTTP error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from fssim.clock import Clock
from fssim.segment.dedupe import Deduplicator
from fssim.segment.enrich import enrich, iso_ms, merge_batch_fields
from fssim.segment.logs import DeliveryLog, EventLog
from fssim.segment.routing import Route, Router
from fssim.segment.shapes import (
    DeliveryRecord,
    DestinationEntry,
    EventRecord,
    Message,
    RoutedDelivery,
    Source,
    Who,
)
from fssim.segment.spec import validate
from fssim.segment.workspace import Workspace
from fssim.store import Database

__all__ = ["IngestResult", "Pipeline"]


@dataclass
class IngestResult:
    accepted: int = 0
    discarded: int = 0
    duplicates: int = 0
    dropped: int = 0
    deliveries: int = 0


def _who(message: Any) -> Who:
    if not isinstance(message, dict):
        return {"message_id": None, "type": None, "user_id": None, "anonymous_id": None, "event": None}
    return {
        "message_id": message.get("messageId"),
        "type": message.get("type"),
        "user_id": message.get("userId"),
        "anonymous_id": message.get("anonymousId"),
        "event": message.get("event") if message.get("type") == "track" else message.get("name"),
    }


def _event_entry(message: Any, *, received_at: str, path: str, source: str | None, status: str,
                 code: str | None = None, reason: str | None = None,
                 warnings: list[str] | None = None, who: Who | None = None,
                 destinations: list[RoutedDelivery] | None = None) -> EventRecord:
    """An event-log entry. The one place they are made, so every entry has the same keys whatever became
    of the message (docs/segment.md §7); an accepted one's ``destinations`` are the routes it was given.
    ``who``: ``_who(message)`` when the caller has it already (its deliveries carry the same)."""
    return {**(_who(message) if who is None else who), "received_at": received_at, "path": path, "source": source,
            "status": status, "code": code, "reason": reason, "warnings": warnings or [],
            "destinations": destinations or [], "message": message}


def _delivery_record(who: Who, event_id: int, source: str, destination: DestinationEntry, received_iso: str,
                     at: float, verdict: Route, message: Message) -> DeliveryRecord:
    """A new delivery-log entry: pending, or filtered with the route's reason. The one place they are made;
    who and where first, then how it stands (docs/segment.md §7)."""
    if verdict.filtered is not None:
        return {**who, "event_id": event_id, "source": source, "destination": destination["name"],
                "destination_type": destination["type"], "destination_id": destination["id"],
                "subdomain": destination["settings"]["subdomain"], "created_at": received_iso, "attempts": [],
                "message": message, "status": "filtered", "code": verdict.code, "reason": verdict.filtered,
                "due": None, "next_attempt_at": None}
    return {**who, "event_id": event_id, "source": source, "destination": destination["name"],
            "destination_type": destination["type"], "destination_id": destination["id"],
            "subdomain": destination["settings"]["subdomain"], "created_at": received_iso, "attempts": [],
            "message": message, "status": "pending", "code": None, "reason": None, "due": at, "deadline": None,
            "next_attempt_at": received_iso}


class _Received(NamedTuple):
    """When a request was received: the moment, as Segment prints it, and in epoch seconds."""

    moment: datetime
    iso: str
    epoch: float


def _received(moment: datetime) -> _Received:
    return _Received(moment, iso_ms(moment), moment.timestamp())


class Pipeline:
    def __init__(self, db: Database, clock: Clock, workspace: Workspace, dedupe: Deduplicator,
                 events: EventLog, deliveries: DeliveryLog) -> None:
        self.db = db
        self.clock = clock
        self.workspace = workspace
        self.dedupe = dedupe
        self.events = events
        self.deliveries = deliveries

    def drop(self, items: list[Any], *, path: str, source: str | None, code: str, reason: str) -> IngestResult:
        """Log every message of a request Segment answered 200 for but will not process."""
        received = _received(self.clock.now())
        with self.db.transaction():
            for item in items or [None]:
                self.events.add(_event_entry(item, received_at=received.iso, path=path, source=source,
                                             status="dropped", code=code, reason=reason), received.epoch)
        return IngestResult(dropped=len(items))

    def ingest(self, items: list[Any], batch: Message, *, path: str, source: Source) -> IngestResult:
        """Process the messages of one accepted request, in order, in one store transaction."""
        result = IngestResult()
        # One request, one server time: read and printed once, not several times per message (its
        # entries' times, the dedupe window and the log windows all use it).
        received = _received(self.clock.now())
        with self.db.transaction(), self.dedupe.request(received.epoch):
            if not items:
                self.events.add(_event_entry(None, received_at=received.iso, path=path,
                                             source=source["name"], status="discarded", code="empty_batch",
                                             reason="the batch contained no messages"), received.epoch)
            # The workspace hands back stored documents; they are the destinations it wrote.
            destinations = cast(list[DestinationEntry], self.workspace.destinations_of(source["name"]))
            router = Router(destinations)
            for item in items:
                self._one(item, batch, path, source, router, received, result)
        return result

    def _one(self, item: Any, batch: Message, path: str, source: Source, router: Router, received: _Received,
             result: IngestResult) -> None:
        received_at, received_iso, at = received.moment, received.iso, received.epoch
        source_name = source["name"]
        message = merge_batch_fields(item, batch) if isinstance(item, dict) else item
        discard = validate(message)
        if discard is not None:
            result.discarded += 1
            self.events.add(_event_entry(message, received_at=received_iso, path=path, source=source_name,
                                         status="discarded", code=discard.code, reason=discard.reason), at)
            return
        enriched, warnings = enrich(message, received_at=received_at, source_kind=source.get("kind"),
                                    received_iso=received_iso)
        first_seen = self.dedupe.first_seen(enriched["messageId"], at)
        if first_seen is not None:
            result.duplicates += 1
            self.events.add(_event_entry(
                enriched, received_at=received_iso, path=path, source=source_name, status="duplicate",
                code="duplicate_message_id", warnings=warnings,
                reason=f"messageId {enriched['messageId']!r} was already received at "
                       f"{iso_ms(datetime.fromtimestamp(first_seen, tz=received_at.tzinfo))}"
                       " (24 h de-duplication window)"), at)
            return
        result.accepted += 1
        who = _who(enriched)
        # The event entry is written once, after its deliveries, which name it by the id it will get:
        # writing it first and again with its routes cost a second write (and index update) per message.
        event_id = self.events.next_id()
        routed: list[RoutedDelivery] = []
        for verdict in router(enriched):
            delivery = _delivery_record(who, event_id, source_name, verdict.destination, received_iso, at, verdict,
                                        enriched)
            if verdict.filtered is None:
                result.deliveries += 1
            routed.append({"destination": delivery["destination"], "delivery_id": self.deliveries.add(delivery, at),
                           "status": delivery["status"], "reason": delivery["reason"]})
        self.events.add(_event_entry(enriched, received_at=received_iso, path=path, source=source_name,
                                     status="accepted", warnings=warnings, who=who, destinations=routed,
                                     reason=None if routed else "the source has no enabled destination"),
                        at, doc_id=event_id)
