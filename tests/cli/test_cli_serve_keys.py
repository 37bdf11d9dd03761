"""``fssim serve --show-keys``: a real process shows keys in full; without it they are masked (defect 6)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time

import httpx
import pytest
from processes import stop


def _port_from_banner(process: subprocess.Popen[str]) -> int:
    """``--port 0`` lets the system pick a free port (no race with other tests); the banner names it."""
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if found:
            threading.Thread(target=process.stdout.read, daemon=True).start()  # never let the pipe fill
            return int(found.group(1))
    raise AssertionError("fssim serve did not start: " + "".join(seen))


@pytest.mark.parametrize(("flags", "shown"), [((), "****-key"), (("--show-keys",), "demo-api-key")])
def test_serve_masks_keys_unless_asked_to_show_them(flags: tuple[str, ...], shown: str) -> None:
    process = subprocess.Popen([sys.executable, "-m", "fssim", "serve", "--demo", "--port", "0", *flags],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{_port_from_banner(process)}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "fssim serve exited"
            try:
                state = httpx.get(f"{base}/_sim/state", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "fssim serve did not answer within 60 s"
                time.sleep(0.2)
        assert state.json()["freshsales"]["accounts"][0]["api_keys"] == [shown]
        assert httpx.get(f"{base}/_sim/accounts/demo/api-key").json() == {"api_key": "demo-api-key"}
        assert httpx.get(f"{base}/_sim/state", headers={"Host": "evil.example"}).status_code == 403
    finally:
        stop(process)
