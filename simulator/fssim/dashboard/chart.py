"""The overview's chart: deliveries over time by outcome, as a small server-rendered SVG.

No chart library runs in the browser: the bars are computed here and drawn as ``<rect>`` elements, each
with a ``<title>`` (a tooltip, and what a screen reader announces), and the page prints the same counts
as a table beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fssim.clock import parse_iso

__all__ = ["OUTCOMES", "Bucket", "DeliveryChart", "outcome_of"]

# Segment's delivery statuses folded into the three outcomes a person asks about.
OUTCOMES = ("success", "discarded", "retrying")
_COLOURS = {"success": "#2e7d32", "discarded": "#c62828", "retrying": "#ef6c00"}
BUCKETS = 12
WIDTH, HEIGHT, PAD = 480, 160, 24


def outcome_of(status: str) -> str | None:
    if status == "delivered":
        return "success"
    if status in ("discarded", "failed"):
        return "discarded"
    if status in ("pending", "awaiting-retry"):
        return "retrying"
    return None  # filtered: never sent, so not a delivery outcome


@dataclass
class Bucket:
    start: datetime
    counts: dict[str, int]


class DeliveryChart:
    """Deliveries bucketed by when they were created, split by outcome."""

    def __init__(self, deliveries: Iterable[Mapping[str, Any]]) -> None:
        points = []
        for delivery in deliveries:
            outcome = outcome_of(str(delivery.get("status")))
            if outcome is not None:
                points.append((parse_iso(str(delivery["created_at"])), outcome))
        self.total = len(points)
        self.buckets: list[Bucket] = []
        if not points:
            return
        first = min(at for at, _ in points)
        last = max(at for at, _ in points)
        span = max((last - first).total_seconds(), 1.0)
        width = span / BUCKETS
        self.buckets = [Bucket(datetime.fromtimestamp(first.timestamp() + i * width, tz=first.tzinfo),
                               dict.fromkeys(OUTCOMES, 0)) for i in range(BUCKETS)]
        for at, outcome in points:
            index = min(int((at - first).total_seconds() / width), BUCKETS - 1)
            self.buckets[index].counts[outcome] += 1

    def bars(self) -> list[dict[str, Any]]:
        """Rectangles for the template: x, y, width, height, colour and a title per outcome per bucket."""
        if not self.buckets:
            return []
        tallest = max(sum(b.counts.values()) for b in self.buckets) or 1
        slot = (WIDTH - 2 * PAD) / len(self.buckets)
        bars = []
        for i, bucket in enumerate(self.buckets):
            base = float(HEIGHT - PAD)
            for outcome in OUTCOMES:
                count = bucket.counts[outcome]
                if not count:
                    continue
                height = count / tallest * (HEIGHT - 2 * PAD)
                base -= height
                bars.append({"x": round(PAD + i * slot + 2, 1), "y": round(base, 1), "width": round(slot - 4, 1),
                             "height": round(height, 1), "colour": _COLOURS[outcome],
                             "title": f"{bucket.start:%H:%M:%S}: {count} {outcome}"})
        return bars

    def totals(self) -> dict[str, int]:
        return {outcome: sum(b.counts[outcome] for b in self.buckets) for outcome in OUTCOMES}

    @staticmethod
    def colours() -> dict[str, str]:
        return dict(_COLOURS)

    @staticmethod
    def size() -> dict[str, int]:
        return {"width": WIDTH, "height": HEIGHT, "pad": PAD}
