"""Clean stops of a real ``fssim serve --db`` process: SIGTERM closes the simulator and exits 0, and the
temporary files a ``kill -9`` leaves beside the file are removed on the next start and on every stop."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from fssim.journal import journal_paths
from fssim.storage import stale_temporaries

ADMIN = {"Content-Type": "application/json"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(db: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fssim", "serve", "--port", str(port), "--db", str(db), "--no-rate-limits"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_healthy(base_url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"fssim serve exited early: {process.stdout.read() if process.stdout else ''}"
        try:
            httpx.get(f"{base_url}/_sim/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("fssim serve did not answer /_sim/health within 30 s")


def _leftover(db: Path, random_part: str) -> Path:
    """A temporary file exactly as a write killed between mkstemp and os.replace leaves it."""
    path = db.parent / f".{db.name}.{random_part}.tmp"
    path.write_text('{"half": ')
    return path


def test_sigterm_closes_the_simulator_and_exits_0(tmp_path: Path) -> None:
    db, port = tmp_path / "fssim.json", _free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = _serve(db, port)
    try:
        _wait_healthy(base_url, process)
        created = httpx.post(f"{base_url}/_sim/accounts", headers=ADMIN,
                             json={"subdomain": "acme", "plan": "garden", "api_key": "k-acme"})
        assert created.status_code in (200, 201), created.text
        # Left by an earlier crash while this process runs: closing the simulator must remove it.
        stale = _leftover(db, "k9left00")
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert not stale.exists(), "closing the simulator removes the temporary files of its --db file"
    # The account was only in the journal: the clean stop folded it into a plain TinyDB JSON file.
    assert "acme" in json.dumps(json.loads(db.read_text()))
    assert not any(journal.exists() for journal in journal_paths(db))


def test_stale_temporary_files_of_the_db_are_removed_on_start_and_others_are_kept(tmp_path: Path) -> None:
    db, port = tmp_path / "fssim.json", _free_port()
    stale = [_leftover(db, "a1b2c3d4"), _leftover(db, "zz_9y8x7")]
    # Not this database's: another db's temporary file, and a user's file that only looks alike.
    other_db_tmp = tmp_path / ".fssim.json.old.a1b2c3d4.tmp"
    other_db_tmp.write_text("{}")
    users_file = tmp_path / ".fssim.json.notes.tmp"
    users_file.write_text("keep me")
    assert stale_temporaries(db) == sorted(stale)
    base_url = f"http://127.0.0.1:{port}"
    process = _serve(db, port)
    try:
        _wait_healthy(base_url, process)
        assert stale_temporaries(db) == []
        assert other_db_tmp.exists() and users_file.read_text() == "keep me"
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert process.returncode == 0


def test_kill_9_during_writes_leaves_nothing_after_the_next_start(tmp_path: Path) -> None:
    """The defect as found: kills during writes leave ``.tmp`` files; the restart removes them all."""
    db, port = tmp_path / "fssim.json", _free_port()
    base_url = f"http://127.0.0.1:{port}"
    for round_number in range(2):
        process = _serve(db, port)
        try:
            _wait_healthy(base_url, process)
            with httpx.Client(base_url=base_url, headers=ADMIN, timeout=5) as http:
                for n in range(15):
                    http.post("/_sim/accounts", json={"subdomain": f"r{round_number}n{n}", "plan": "garden",
                                                      "api_key": f"k{round_number}-{n}"})
        finally:
            process.kill()
            process.communicate(timeout=30)
        # A real crash leaves temporaries at random; make sure this round has at least one.
        _leftover(db, f"crash{round_number:03d}")
    process = _serve(db, port)
    try:
        _wait_healthy(base_url, process)
        assert stale_temporaries(db) == []
        accounts = json.loads(db.read_text())
        assert accounts  # the file loaded, and is whole JSON
    finally:
        process.terminate()
        process.communicate(timeout=30)
