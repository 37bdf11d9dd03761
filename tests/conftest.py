"""Shared fixtures: a fresh simulator per test, in-process and over real HTTP.

Hypothesis profiles: ``default`` keeps ``make test`` quick; ``--hypothesis-profile=thorough`` runs many
more examples for a deeper check of the rules.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

settings.register_profile(
    "default",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "thorough",
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("default")


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A fresh in-memory simulator whose clock moves only when a test advances it."""
    simulator = Simulator(SimulatorConfig(frozen_clock=True))
    yield simulator
    simulator.close()


@pytest.fixture
def client(sim: Simulator) -> TestClient:
    """In-process HTTP to ``sim.app`` (no socket)."""
    return TestClient(sim.app)


@pytest.fixture
def live(sim: Simulator) -> Iterator[ServerThread]:
    """``sim.app`` served by a real uvicorn on a free port of 127.0.0.1."""
    with ServerThread(sim.app) as server:
        yield server
