"""The fake Segment: Tracking API, workspace of sources and destinations, routing, delivery with retries.

It never imports ``simulator.freshsales`` or ``simulator.integration`` (DESIGN §4): it reaches the
Freshsales receiver only through the HTTP transport it is handed.
"""

from simulator.segment.service import Segment
from simulator.segment.workspace import WorkspaceError

__all__ = ["Segment", "WorkspaceError"]
