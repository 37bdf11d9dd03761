"""The fixed shapes of the fake Segment's records: sources, destinations, event- and delivery-log entries.

They are TypedDicts, not classes, because they *are* the JSON: the store keeps them as documents and
the control API returns them as they are (``GET /_sim/events``, ``/_sim/deliveries``, ``/_sim/sources``),
so typing them changes no byte a client sees. ``...Record`` is what is stored; ``...Entry`` is the same
read back with its store ``id``. Messages themselves stay ``dict[str, Any]``: they are whatever a client
sent, checked by ``spec.py`` but never narrowed.

Key order is part of the JSON a user reads, so every record is built in one place, in this order.
"""

# No ``from __future__ import annotations`` here: TypedDict reads NotRequired[...] at run time (the
# required and optional keys a test checks the JSON against), which string annotations would hide.
from typing import Any, NotRequired, TypedDict

__all__ = [
    "Attempt",
    "ConnectedDestination",
    "DeliveryEntry",
    "DeliveryRecord",
    "DeliveryState",
    "Destination",
    "DestinationEntry",
    "DestinationSettings",
    "DestinationSummary",
    "EventEntry",
    "EventRecord",
    "FlushResult",
    "Message",
    "RoutedDelivery",
    "Source",
    "SourceView",
    "Who",
]

Message = dict[str, Any]  # a Segment message as the client sent it (enriched once accepted)


# --- workspace --------------------------------------------------------------------------------------

class Source(TypedDict):
    """A source of the workspace, as stored."""

    name: str
    write_key: str
    kind: str  # web, mobile or server
    enabled: bool
    created_at: str


class DestinationSettings(TypedDict):
    """What Segment sends the destination with each message (the API key as HTTP Basic user)."""

    api_key: str
    subdomain: str


class Destination(TypedDict):
    """A destination connected to a source, as stored; keyed by (source, type)."""

    source: str
    type: str
    name: str
    settings: DestinationSettings
    enabled: bool
    created_by: str  # "segment" (the catalog) or "freshsales" (the R2 hand-over)
    created_at: str
    updated_at: NotRequired[str]  # set when connecting again updated it
    updated_by: NotRequired[str]


class DestinationEntry(Destination):
    id: int


class ConnectedDestination(DestinationEntry):
    """The answer to connecting a destination; ``created`` is false when an existing one was updated.
    Its ``settings.api_key`` is masked once it leaves the service."""

    created: bool


class DestinationSummary(TypedDict):
    """A destination as listed under its source (no settings but the subdomain)."""

    id: int
    type: str
    name: str
    enabled: bool
    subdomain: str
    created_by: str


class SourceView(Source):
    """A source with its destinations, as ``GET /_sim/sources`` lists it."""

    destinations: list[DestinationSummary]


# --- the event log ----------------------------------------------------------------------------------

class Who(TypedDict):
    """Whose message it was: copied from the message as sent, so any JSON value (or ``None``)."""

    message_id: Any
    type: Any
    user_id: Any
    anonymous_id: Any
    event: Any  # a track's event, a page's or screen's name


class RoutedDelivery(TypedDict):
    """One destination an accepted event was routed to. ``code`` is added when the log is read, with
    the delivery's current status and reason."""

    destination: str
    delivery_id: int
    status: str
    reason: str | None
    code: NotRequired[str | None]


class EventRecord(Who):
    """One message Segment received and what became of it at ingest (``EVENT_STATUSES``)."""

    received_at: str
    path: str
    source: str | None  # None: no source has the write key
    status: str
    code: str | None  # the discard or drop code
    reason: str | None
    warnings: list[str]
    destinations: list[RoutedDelivery]
    message: Any  # whatever was sent; not an object when it was discarded for that


class EventEntry(EventRecord):
    id: int


# --- the delivery log -------------------------------------------------------------------------------

class Attempt(TypedDict):
    """One try at delivering: an HTTP answer (``status_code``, ``response``) or a network ``error``."""

    number: int
    at: str
    status_code: int | None
    error: NotRequired[str]  # ECONNREFUSED, ETIMEDOUT, ... when there was no answer
    message: str
    response: NotRequired[Any]  # the destination's JSON body, when it had one
    duration_ms: float


class DeliveryState(TypedDict):
    """Where a delivery stands (``DELIVERY_STATUSES``); ``due`` is when its next attempt may run."""

    status: str
    code: str | None
    reason: str | None
    due: float | None
    deadline: NotRequired[float | None]  # the end of the 4-hour retry window, from the first attempt
    next_attempt_at: str | None
    finished_at: NotRequired[str]
    # Ordered delivery (docs/segment.md §6): the earlier delivery of the same user and destination this
    # one waits for; absent or None when it waits for nothing.
    held_by: NotRequired[int | None]


class DeliveryRecord(Who, DeliveryState):
    """One message on its way to one destination, with every attempt (Segment's Event Delivery view)."""

    event_id: int
    source: str
    destination: str
    destination_type: str
    destination_id: int
    subdomain: str
    created_at: str
    attempts: list[Attempt]
    message: Message


class DeliveryEntry(DeliveryRecord):
    id: int


class FlushResult(TypedDict):
    """``POST /_sim/flush``: how many deliveries were tried and how many are still open."""

    tried: int
    open: int
    held: NotRequired[int]  # due, but waiting behind an earlier delivery of the same user (ordered mode)
    note: NotRequired[str]
