"""Per-test cost of the ``fssim`` fixture beside an empty test (``make bench``).

Runs generated test files through pytest in this process and times each test's setup + call +
teardown from pytest's own reports (collection and start-up are left out, as a large suite pays them
once). Prints medians in microseconds and the ratios to the empty test.
"""

from __future__ import annotations

import statistics
import tempfile
import textwrap
from pathlib import Path

import pytest

__all__ = ["main"]

TESTS = 300

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


def _median_seconds(folder: Path, name: str, body: str) -> float:
    path = folder / f"test_{name.split()[0].strip(':,')}_{abs(hash(name))}.py"
    path.write_text("\n".join(body.format(n=n) for n in range(TESTS)))
    timer = _Timer()
    code = pytest.main([str(path), "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=",
                        "--rootdir", str(folder)], plugins=[timer])
    if code != 0:
        raise SystemExit(f"the benchmark tests for {name!r} failed (exit {code})")
    # The median ignores the first test, which pays one-off imports, and any outlier.
    return statistics.median(timer.per_test.values())


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        results = {name: _median_seconds(Path(temp), name, body) for name, body in BODIES.items()}
    empty = results["empty test"]
    print(f"\nper-test cost, median of {TESTS} tests (setup + call + teardown):")
    for name, seconds in results.items():
        print(f"  {name:<50} {seconds * 1e6:9.0f} µs   ratio to empty test {seconds / empty:7.1f}x")
    fixture = results["fssim fixture, unused"]
    print(f"fssim fixture overhead: {(fixture - empty) * 1e3:.2f} ms per test, "
          f"{1000 * (fixture - empty):.1f} s per thousand tests")


if __name__ == "__main__":
    main()
