"""Debian's Chromium driven by Playwright for Python, for the tests that need a real browser.

Playwright's own browser download cannot be reached here, so the tests launch ``/usr/bin/chromium``
(`apt-get install chromium`; `.ci/run` installs it) and skip, saying how to get it, when it is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["CHROMIUM_FLAGS", "launched_chromium"]

# Headless as root, and none of Chromium's own connections: this machine's closed network refuses them.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium(purpose: str) -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip(f"no Chromium found for {purpose}: install it with `apt-get install chromium` "
                "(Debian/Ubuntu; .ci/run does this)")


def launched_chromium(purpose: str) -> Iterator[Any]:
    """A launched browser for a module-scoped fixture (``yield from launched_chromium(...)``)."""
    executable = _chromium(purpose)
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is a dev extra: "
                                   "pip install -e '.[dev]'")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
