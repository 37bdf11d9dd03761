"""Run every ``benchmarks/bench_*.py`` (or the ones named on the command line), then print every ratio
they reported in one summary.

``FSSIM_BENCH_BEFORE=<git rev>`` (``make bench BEFORE=<rev>``) checks that revision out in a temporary
``git worktree`` for the whole run; the benchmarks that compare revisions then run its ``fssim serve``
beside this checkout's (see ``benchmarks/servers.py``). The worktree is removed at the end.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import sys
import traceback
from collections.abc import Iterator

import benchmarks
from benchmarks.report import summary
from benchmarks.servers import BEFORE_DIR_ENV, BEFORE_REV_ENV, before_worktree


@contextlib.contextmanager
def _before() -> Iterator[None]:
    rev = os.environ.get(BEFORE_REV_ENV)
    if not rev:
        yield
        return
    with before_worktree(rev) as checkout:
        print(f"BEFORE: {rev} checked out at {checkout} (a temporary git worktree)")
        os.environ[BEFORE_DIR_ENV] = str(checkout)
        try:
            yield
        finally:
            del os.environ[BEFORE_DIR_ENV]


def main(names: list[str]) -> None:
    found = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    chosen = [n for n in found if not names or n in names or n.removeprefix("bench_") in names]
    if not chosen:
        sys.exit(f"no benchmark matches {names}; available: {', '.join(found)}")
    failed = []
    with _before():
        for name in chosen:
            print(f"\n=== {name} ===", flush=True)
            try:
                importlib.import_module(f"benchmarks.{name}").main()
            except (Exception, SystemExit) as error:  # one broken benchmark must not hide the others' ratios
                traceback.print_exc()
                failed.append(f"{name}: {error}")
    print(summary())
    if failed:
        sys.exit("benchmarks that failed:\n  " + "\n  ".join(failed))


if __name__ == "__main__":
    main(sys.argv[1:])
