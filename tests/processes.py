"""Stopping a server process a test started: SIGTERM (what a user's ``kill`` sends), then SIGKILL if it
has not exited in time, so a hung server never outlives its test."""

from __future__ import annotations

import subprocess
from typing import Any

__all__ = ["stop"]


def stop(process: subprocess.Popen[Any], grace_seconds: float = 20) -> None:
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
