"""The fssim pytest plugin: installing fssim is enough (it registers itself through ``pytest11``).

Fixtures:

* ``fssim`` — a fresh in-process simulator per test (no socket, frozen clock) wrapped in
  :class:`fssim.harness.Fssim`: set-up, messages, flush, clock, reads and assertion helpers.
* ``fssim_server`` — the same helpers over a real uvicorn server on a free port of 127.0.0.1, started
  once per test session (once per xdist worker) and reset before each test; ``fssim_server.base_url``
  is where code under test sends its HTTP.
* ``fssim_intercept`` — ``fssim`` with :meth:`~fssim.harness.Fssim.intercept` active for the whole
  test; the marker ``@pytest.mark.fssim_intercept(refuse_others=True, ...)`` does the same for a test
  that uses ``fssim`` (or only ``fssim_server``) and passes its keyword arguments on.

Heavy modules are imported inside the fixtures, so projects that have fssim installed but do not use
it pay nothing at pytest start-up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from fssim.app import Simulator
    from fssim.harness import Fssim
    from fssim.server import ServerThread

__all__ = ["fssim", "fssim_intercept", "fssim_server"]

MARKER = "fssim_intercept"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(refuse_others=False, extra_hosts=(), allow_hosts=()): route requests/httpx calls for "
        "api.segment.io, *.freshsales.io and *.myfreshworks.com into the test's fssim simulator",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    # The marker works through a fixture; without one it would silently intercept nothing.
    uses_fssim = {"fssim", "fssim_server", "fssim_intercept"} & set(getattr(item, "fixturenames", ()))
    if item.get_closest_marker(MARKER) is not None and not uses_fssim:
        pytest.fail(f"@pytest.mark.{MARKER} needs the fssim (or fssim_server) fixture: add it to the test's "
                    "arguments, or use the fssim_intercept fixture", pytrace=False)


def _intercept_options(request: pytest.FixtureRequest) -> dict[str, Any] | None:
    marker = request.node.get_closest_marker(MARKER)
    return None if marker is None else dict(marker.kwargs)


def _intercepting(harness: Fssim, options: dict[str, Any] | None) -> AbstractContextManager[None]:
    return contextlib.nullcontext() if options is None else harness.intercept(**options)


@pytest.fixture
def fssim(request: pytest.FixtureRequest) -> Iterator[Fssim]:
    """A fresh in-process fssim simulator for this test (see :class:`fssim.harness.Fssim`)."""
    from fssim.harness import open_fssim

    options = _intercept_options(request)
    with open_fssim() as harness, _intercepting(harness, options):
        yield harness


@pytest.fixture
def fssim_intercept(fssim: Fssim, request: pytest.FixtureRequest) -> Iterator[Fssim]:
    """``fssim`` with Segment and Freshsales hosts routed into it for the whole test."""
    if _intercept_options(request) is not None:
        yield fssim  # the marker already switched interception on
        return
    with fssim.intercept():
        yield fssim


@pytest.fixture(scope="session")
def _fssim_server_session() -> Iterator[tuple[Simulator, ServerThread]]:
    from fssim.app import Simulator, SimulatorConfig
    from fssim.server import ServerThread

    sim = Simulator(SimulatorConfig(frozen_clock=True))
    server = ServerThread(sim.app).start()
    try:
        yield sim, server
    finally:
        server.stop()
        sim.close()


@pytest.fixture
def fssim_server(_fssim_server_session: tuple[Simulator, ServerThread],
                 request: pytest.FixtureRequest) -> Iterator[Fssim]:
    """fssim over real HTTP (``fssim_server.base_url``), shared by the session, empty for each test."""
    import httpx

    from fssim.harness import Fssim

    sim, server = _fssim_server_session
    with httpx.Client(base_url=server.base_url, timeout=30.0) as client:

        def forward(request: httpx.Request) -> httpx.Response:
            # Intercepted calls keep their Host header (acme.freshsales.io) but travel to our socket.
            target = request.url.copy_with(scheme="http", host=server.host, port=server.port)
            outgoing = httpx.Request(request.method, target, headers=request.headers, content=request.content)
            return client.send(outgoing)

        harness = Fssim(sim, client, forward, base_url=server.base_url)
        harness.reset()
        # With both fixtures, the fssim fixture intercepts.
        options = None if "fssim" in request.fixturenames else _intercept_options(request)
        with _intercepting(harness, options):
            yield harness
