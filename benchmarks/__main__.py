"""Run every ``benchmarks/bench_*.py`` (or the ones named on the command line) and print their ratios."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def main(names: list[str]) -> None:
    found = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    chosen = [n for n in found if not names or n in names or n.removeprefix("bench_") in names]
    if not chosen:
        sys.exit(f"no benchmark matches {names}; available: {', '.join(found)}")
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
