"""pytest-xdist: the plugin's own tests pass under ``pytest -n 2``, and each worker has its own server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

HERE = Path(__file__).resolve().parent
PLUGIN_TESTS = ["test_harness_fixtures.py", "test_harness_intercept.py", "test_harness_plugin.py",
                "test_harness_scenarios.py", "test_harness_reproduce.py", "test_harness_docs.py"]


def test_the_plugins_own_tests_pass_under_two_workers() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider",
         *(str(HERE / name) for name in PLUGIN_TESTS)],
        capture_output=True, text=True, cwd=HERE.parents[1], timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_each_worker_gets_its_own_server_and_simulators(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_workers='''
        import os

        import pytest


        @pytest.mark.parametrize("n", range(6))
        def test_record(fssim_server, fssim, n, tmp_path_factory):
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            # Both fixtures start empty in every test, whatever ran before on this worker.
            assert fssim.sim.freshsales.accounts.all() == []
            assert fssim_server.sim.freshsales.accounts.all() == []
            fssim_server.account("acme")
            fssim.account("acme")
            out = tmp_path_factory.getbasetemp().parent / f"{worker}-{n}.txt"
            out.write_text(fssim_server.base_url)
    ''')
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
    records = list(pytester.path.parent.rglob("gw*-*.txt"))
    urls = {path.name.split("-")[0]: path.read_text() for path in records}
    assert sorted(urls) == ["gw0", "gw1"], records
    assert urls["gw0"] != urls["gw1"]  # one server (and port) per worker
