"""The in-process client: one event loop per simulator, and a script that forgets to close still ends."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from fssim.harness import open_fssim


def test_a_script_that_never_closes_its_client_still_exits() -> None:
    script = textwrap.dedent("""
        from fssim.app import Simulator, SimulatorConfig
        from fssim.inprocess import InProcessClient
        client = InProcessClient(Simulator(SimulatorConfig(frozen_clock=True)).app)
        print(client.request("GET", "/_sim/health").json()["status"])
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


def test_requests_of_one_harness_share_one_event_loop() -> None:
    with open_fssim() as fssim:
        fssim.connect()
        portal = fssim.http.portal()  # type: ignore[union-attr]
        fssim.identify("ada@example.com", {"firstName": "Ada"})
        fssim.flush()
        assert fssim.http.portal() is portal  # type: ignore[union-attr]
        fssim.assert_lead("ada@example.com")
    assert not fssim.http.started  # type: ignore[union-attr]
