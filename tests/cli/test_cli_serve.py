"""``fssim serve`` as a user starts it: a real process, a real port, real HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fssim.server import bind_listener


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fssim", "serve", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_healthy(base_url: str, process: subprocess.Popen[str]) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"fssim serve exited early: {process.stdout.read() if process.stdout else ''}"
        try:
            return dict(httpx.get(f"{base_url}/_sim/health", timeout=1).json())
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("fssim serve did not answer /_sim/health within 30 s")


def test_serve_demo_answers_with_the_printed_key_and_keeps_a_db_file(tmp_path: Path) -> None:
    port, db = _free_port(), tmp_path / "fssim.json"
    process = _serve("--demo", "--port", str(port), "--db", str(db))
    base_url = f"http://127.0.0.1:{port}"
    try:
        health = _wait_healthy(base_url, process)
        assert health["store"] == str(db)
        filters = httpx.get(f"{base_url}/api/leads/filters", headers={"Authorization": "Token token=demo-api-key"})
        assert filters.status_code == 200
        assert "All Leads" in {view["name"] for view in filters.json()["filters"]}
        overview = httpx.get(f"{base_url}/")  # the dashboard, on the same port
        assert overview.status_code == 200 and "<h1>Overview</h1>" in overview.text and "demo" in overview.text
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"fssim is running at {base_url}" in output
    assert "demo-api-key" in output and "demo-web-write-key" in output
    assert f"Dashboard          {base_url}/" in output
    # The demo account was written to the file and is there for the next start.
    assert "demo" in db.read_text()


def test_a_busy_port_is_reported_before_any_banner() -> None:
    with bind_listener("127.0.0.1", 0) as busy:
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "fssim", "serve", "--demo", "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert "fssim is running" not in result.stdout


@pytest.mark.parametrize("content", ["{\"x\":", "[1, 2]", "{\"x\": 1}"])
def test_a_db_file_that_is_not_a_fssim_database_is_refused_and_left_alone(tmp_path: Path, content: str) -> None:
    db = tmp_path / "other.json"
    db.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "fssim", "serve", "--port", "0", "--db", str(db)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "is not a fssim database" in result.stderr
    assert "fssim is running" not in result.stdout
    assert db.read_text() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.json"]  # no journal started beside it


def test_serve_prints_the_analytics_js_settings_and_honours_cors_origin() -> None:
    port = _free_port()
    process = _serve("--demo", "--port", str(port), "--cors-origin", "http://localhost:3000")
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, process)
        asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
        allowed = httpx.options(f"{base_url}/v1/t", headers={"Origin": "http://localhost:3000", **asked})
        assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert httpx.options(f"{base_url}/v1/t", headers={"Origin": "http://other:8000", **asked}).status_code == 403
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    # The exact line a page needs, for the demo's web source (and only for it).
    assert f"AnalyticsBrowser.load({{ writeKey: 'demo-web-write-key', cdnURL: '{base_url}' }})" in output
    assert "demo-server-write-key', cdnURL" not in output
