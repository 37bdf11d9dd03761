"""The fake Segment: Tracking API, workspace of sources and destinations, routing, delivery with retries.

It never imports ``fssim.freshsales`` or ``fssim.integration`` (DESIGN §4): it reaches the
Freshsales receiver only through what it is handed (:mod:`fssim.segment.link`): the receiver's core,
called with plain request values (:mod:`fssim.wire`), or an httpx transport.
"""

from fssim.segment.service import Segment
from fssim.segment.workspace import WorkspaceError

__all__ = ["Segment", "WorkspaceError"]
