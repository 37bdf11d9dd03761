"""Fixtures for the fake Segment on its own (no Freshsales): tracking API in process, a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from seg_world import World
from starlette.applications import Starlette
from starlette.testclient import TestClient

from fssim.clock import Clock
from fssim.segment import Segment
from fssim.store import Database


@pytest.fixture
def segment() -> Iterator[Segment]:
    """A Segment with one web source (write key ``web-key``) and no destination yet."""
    db = Database()
    seg = Segment(db, Clock(frozen=True))
    seg.add_source("web", "web-key", "web")
    yield seg
    db.close()


@pytest.fixture
def tracking(segment: Segment) -> TestClient:
    """In-process HTTP to the Tracking API routes alone."""
    return TestClient(Starlette(routes=segment.tracking_routes()))


@pytest.fixture
def world(live: Any) -> Iterator[World]:
    """The shared ``live`` server (tests/conftest.py) seen through :class:`World`."""
    client = World(live.base_url)
    yield client
    client.close()
