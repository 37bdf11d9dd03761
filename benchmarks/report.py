"""How the benchmarks measure and print: medians of interleaved rounds, and ratios with their targets.

The machine is shared and noisy, so a figure alone says little; each benchmark measures its baseline
in the same run, alternating with the thing measured (round 1: A B C, round 2: B C A, ...), and
reports the median of each. ``python -m benchmarks`` repeats every ratio in one summary at the end.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

__all__ = ["RATIOS", "Measured", "Ratio", "interleaved", "interleaved_then_close", "ratio", "summary"]


@dataclass(frozen=True)
class Ratio:
    name: str
    value: float
    target: str  # e.g. "<= 1.5x"; empty when the figure is for information only
    met: bool | None  # None: no target, or nothing to compare with
    aim: bool = False  # a figure to work towards (an issue's "aim"), not one a change must meet

    def line(self) -> str:
        if self.aim:
            verdict = {True: "reached", False: "not reached", None: ""}[self.met]
            target = f"aim {self.target}"
        else:
            verdict = {True: "met", False: "NOT met", None: ""}[self.met]
            target = f"target {self.target}" if self.target else ""
        return f"  {self.name:<62} {self.value:9.3f}x   {target:<18} {verdict}"


RATIOS: list[Ratio] = []


def ratio(name: str, value: float, *, at_most: float | None = None, at_least: float | None = None,
          aim: bool = False) -> Ratio:
    """Print and record one ratio; ``at_most`` / ``at_least`` give its target, if it has one (``aim``:
    a figure to work towards, printed as reached or not, never as a target missed)."""
    if at_most is not None:
        found = Ratio(name, value, f"<= {at_most:g}x", value <= at_most, aim)
    elif at_least is not None:
        found = Ratio(name, value, f">= {at_least:g}x", value >= at_least, aim)
    else:
        found = Ratio(name, value, "", None)
    RATIOS.append(found)
    print(found.line(), flush=True)
    return found


def interleaved(rounds: int, measures: dict[str, Callable[[], float]]) -> dict[str, float]:
    """The median of each measure over ``rounds`` rounds, the order rotating from round to round."""
    names = list(measures)
    seen: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            seen[name].append(measures[name]())
    return {name: statistics.median(values) for name, values in seen.items()}


class Measured(Protocol):
    """A load on one server: one measurement per call, and the server stopped by ``close``."""

    def measure(self) -> float: ...

    def close(self) -> None: ...


def interleaved_then_close(rounds: int, loads: Mapping[str, Measured]) -> dict[str, float]:
    """:func:`interleaved` over each load's ``measure``; every load is closed afterwards, even on an error."""
    try:
        return interleaved(rounds, {name: load.measure for name, load in loads.items()})
    finally:
        for load in loads.values():
            load.close()


def summary() -> str:
    if not RATIOS:
        return ""
    return "\n".join(["", "=== every ratio of this run ===", *(found.line() for found in RATIOS)])
