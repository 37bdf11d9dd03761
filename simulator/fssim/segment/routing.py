"""Which destinations of a source get a message, and why the others do not (R9, R11).

Every enabled destination of the message's source is a candidate (R11). The message's
``integrations`` object can switch one off: the destination's own key (case-sensitive, e.g.
``"Freshsales"``) wins over ``All``, and ``All`` defaults to true (reference/segment.md §1.2). A
destination only receives the types it supports: Freshsales takes identify, page and track (R9,
reference/segment.md §4.1); screen, group and alias are filtered with a logged reason.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from fssim.segment.shapes import DestinationEntry, Message
from fssim.segment.workspace import DESTINATION_NAMES

__all__ = ["SUPPORTED_TYPES", "Route", "Router", "route"]

SUPPORTED_TYPES = {"freshsales": ("identify", "page", "track")}


class Route(NamedTuple):
    """One destination's verdict on one message: deliver it, or ``filtered`` with the reason.

    A named tuple, not a frozen dataclass: one is made per message and destination, and a frozen
    dataclass sets each field through ``object.__setattr__``."""

    destination: DestinationEntry
    filtered: str | None = None
    code: str | None = None


def _switched_off(integrations: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in integrations:
            # A settings object (``{"Freshsales": {...}}``) means "on, with these options".
            return None if integrations[name] is not False else f"integrations.{name} is false"
    if integrations.get("All") is False:
        return "integrations.All is false and the message does not name " + " or ".join(repr(n) for n in names)
    return None


def route(message: Message, destinations: list[DestinationEntry]) -> list[Route]:
    """A verdict for every enabled destination, in the order they were connected."""
    integrations = message.get("integrations") if isinstance(message.get("integrations"), dict) else {}
    verdicts: list[Route] = []
    for destination in destinations:
        if not destination.get("enabled", True):
            continue
        names = DESTINATION_NAMES.get(destination["type"], (destination["name"],))
        reason = _switched_off(integrations or {}, names)
        if reason is not None:
            verdicts.append(Route(destination, reason, "filtered.integrations"))
            continue
        supported = SUPPORTED_TYPES.get(destination["type"], ())
        if message["type"] not in supported:
            verdicts.append(
                Route(
                    destination,
                    f"the {destination['name']} destination does not accept {message['type']} calls "
                    f"(it takes {', '.join(supported)})",
                    "filtered.unsupported_type",
                )
            )
            continue
        verdicts.append(Route(destination))
    return verdicts


class Router:
    """:func:`route` over one request's destinations, for each of its messages.

    A message without an ``integrations`` object, or with an empty one (most messages: enrichment makes
    a missing one ``{}``), is routed by its type alone, so its verdicts are worked out once per type and
    request and shared (nobody changes them); any other message is routed on its own."""

    def __init__(self, destinations: list[DestinationEntry]) -> None:
        self.destinations = destinations
        self._by_type: dict[Any, list[Route]] = {}

    def __call__(self, message: Message) -> list[Route]:
        if message.get("integrations"):
            return route(message, self.destinations)
        kind = message["type"]
        verdicts = self._by_type.get(kind)
        if verdicts is None:
            verdicts = self._by_type[kind] = route(message, self.destinations)
        return verdicts
