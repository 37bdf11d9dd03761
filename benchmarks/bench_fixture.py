"""Per-test cost of the ``fssim`` fixture beside an empty test (``make bench``), for this checkout and,
with ``make bench BEFORE=<rev>``, for that revision, in interleaved rounds.

Each measurement runs generated test files through pytest in a fresh process (so a revision's own
fssim and plugin are the ones loaded) and times each test's setup + call + teardown from pytest's own
reports: collection and start-up are left out, as a large suite pays them once. Prints medians in
microseconds, the ratios to the empty test, and the fixture's cost now against BEFORE.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from benchmarks.report import interleaved, ratio
from benchmarks.servers import ROOT, Revision, env_int, revisions

__all__ = ["main", "measure"]

BODIES = {
    "empty test": "def test_{n}():\n    pass\n",
    "fssim fixture, unused": "def test_{n}(fssim):\n    pass\n",
    "fssim: connect + identify + flush + assert_lead": textwrap.dedent("""\
        def test_{n}(fssim):
            fssim.connect()
            fssim.identify("ada@example.com", {{"firstName": "Ada"}})
            fssim.flush()
            fssim.assert_lead("ada@example.com", first_name="Ada")
        """),
}


class _Timer:
    def __init__(self) -> None:
        self.per_test: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.per_test[report.nodeid] = self.per_test.get(report.nodeid, 0.0) + report.duration


def measure(tests: int) -> dict[str, float]:
    """Median seconds per test of each body, measured in this process by one pytest run (pytest loads
    its plugins once per run: one run per body would measure start-ups)."""
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        for index, body in enumerate(BODIES.values()):
            (folder / f"test_body_{index}.py").write_text("\n".join(body.format(n=n) for n in range(tests)))
        timer = _Timer()
        code = pytest.main([str(folder), "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=",
                            "--rootdir", str(folder)], plugins=[timer])
        if code != 0:
            raise SystemExit(f"the benchmark tests failed (exit {code})")
    # The median ignores the first test of each file, which pays one-off imports, and any outlier.
    return {name: statistics.median(seconds for node, seconds in timer.per_test.items()
                                    if node.startswith(f"test_body_{index}.py"))
            for index, name in enumerate(BODIES)}


def _in_own_process(revision: Revision, tests: int, seen: list[dict[str, float]]) -> float:
    probe = f"import json; from benchmarks.bench_fixture import measure; print('RESULT', json.dumps(measure({tests})))"
    done = subprocess.run([sys.executable, "-c", probe], env=revision.env(), cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"fixture benchmark of {revision.label} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(lines[-1].removeprefix("RESULT "))
    seen.append(result)
    return result["fssim fixture, unused"] - result["empty test"]


def main() -> None:
    tests, rounds = env_int("FSSIM_BENCH_FIXTURE_TESTS", 30), env_int("FSSIM_BENCH_ROUNDS", 3)
    print(f"per-test cost: median of {tests} tests per body (setup + call + teardown), "
          f"median of {rounds} interleaved rounds, each in a fresh process")
    seen: dict[str, list[dict[str, float]]] = {rev.label: [] for rev in revisions()}
    overhead = interleaved(rounds, {rev.label: (lambda rev=rev: _in_own_process(rev, tests, seen[rev.label]))
                                    for rev in revisions()})
    for label, results in seen.items():
        print(f" {label}:")
        empty = statistics.median(result["empty test"] for result in results)
        for name in BODIES:
            seconds = statistics.median(result[name] for result in results)
            print(f"  {name:<50} {seconds * 1e6:9.0f} µs   ratio to empty test {seconds / empty:7.1f}x")
        print(f"  fssim fixture overhead: {overhead[label] * 1e3:.2f} ms per test, "
              f"{overhead[label] * 1e3:.1f} s per thousand tests")
    for label in overhead:
        if label != "now":
            ratio(f"fixture: per-test overhead now / {label}", overhead["now"] / overhead[label], at_most=1.0)


if __name__ == "__main__":
    main()
