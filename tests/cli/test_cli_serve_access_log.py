"""``fssim serve``'s access log: on only at a level that shows it, and then with keys masked.

uvicorn builds an access-log line's arguments (the client's address, the path quoted again) for every
answer whenever the access logger has a handler, even at a level that drops the line; at ``warning`` (the
default) no line is ever shown, so that work was thrown away on every request (issue 12: REST server CPU).
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from processes import stop

from fssim.app import Simulator
from fssim.commands.serve import ACCESS_LOG_LEVELS, server_config
from fssim.masking import MaskKeysInAccessLog


@pytest.fixture
def access_logger() -> Iterator[logging.Logger]:
    """uvicorn's access logger, put back as it was: making a uvicorn ``Config`` configures logging."""
    logger = logging.getLogger("uvicorn.access")
    saved = (list(logger.handlers), list(logger.filters), logger.propagate, logger.level)
    yield logger
    logger.handlers, logger.filters, logger.propagate = saved[0], saved[1], saved[2]
    logger.setLevel(saved[3])


@pytest.mark.parametrize("level", ["critical", "error", "warning"])
def test_no_access_log_at_a_level_that_never_shows_it(access_logger: logging.Logger, level: str) -> None:
    config = server_config(Simulator(), level, show_keys=False)
    # uvicorn's protocols log each answer exactly when the access logger has a handler.
    assert config.access_log is False and not access_logger.hasHandlers()


@pytest.mark.parametrize("level", sorted(ACCESS_LOG_LEVELS))
def test_the_access_log_is_on_and_masked_where_it_shows(access_logger: logging.Logger, level: str) -> None:
    sim = Simulator()
    server_config(sim, level, show_keys=False)
    server_config(sim, level, show_keys=False)
    assert access_logger.hasHandlers() and access_logger.isEnabledFor(logging.INFO)
    assert sum(isinstance(kept, MaskKeysInAccessLog) for kept in access_logger.filters) == 1


def test_serve_at_info_logs_each_request_with_the_write_key_masked() -> None:
    process = subprocess.Popen([sys.executable, "-m", "fssim", "serve", "--demo", "--port", "0", "--log-level", "info"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        port = None
        for line in process.stdout:
            found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        assert port is not None, "fssim serve printed no address"
        reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
        reader.start()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                settings = httpx.get(f"{base}/v1/projects/demo-web-write-key/settings", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "fssim serve did not answer"
                time.sleep(0.2)
        assert settings.status_code == 200
    finally:
        stop(process)
    logged = [line for line in lines if '"GET /v1/projects/' in line]  # the banner names the key: it is the user's
    assert logged and all("demo-web-write-key" not in line for line in logged), lines
    assert any("/v1/projects/****-key/settings" in line and " 200" in line for line in logged), logged
