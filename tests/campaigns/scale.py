"""One switch for the size of the reliability campaigns.

`make test` runs each campaign bounded (seconds); `make soak` sets ``FSSIM_SOAK=1`` and runs the same tests
at full size (minutes), printing their figures. A campaign asks for its numbers here, so the bounded and
the big run are the same code.
"""

from __future__ import annotations

import os

__all__ = ["SOAK", "pick", "report"]

SOAK = os.environ.get("FSSIM_SOAK", "") not in ("", "0")


def pick(bounded: int, soak: int) -> int:
    """``soak`` under ``make soak``, else ``bounded``."""
    return soak if SOAK else bounded


def report(campaign: str, **figures: object) -> None:
    """Print a campaign's figures on one line (``make soak`` runs pytest with ``-s`` to show them)."""
    print(f"[{campaign}] " + ", ".join(f"{name}={value}" for name, value in figures.items()))
