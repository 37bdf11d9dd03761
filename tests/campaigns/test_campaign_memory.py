"""Memory campaign (issue 10, defect 5): a huge body costs the server no more than its surface's limit.

A real ``fssim serve`` in its own process; each surface gets a body far over its limit, streamed chunk by
chunk from a generator (the client never holds it) with no ``Content-Length``, so only the limit enforced
while reading can stop it. The server's peak RSS (``VmHWM``) before and after must differ by at most the
largest limit plus a small constant. Bounded: 20 MiB per body; soak: 200 MiB.
"""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from processes import stop

from fssim.guard import CONTROL_BODY_LIMIT, RECEIVER_BODY_LIMIT, REST_BODY_LIMIT

from .scale import pick, report

MIB = 1024 * 1024
BODY_MIB = pick(20, 200)
LARGEST_LIMIT = max(CONTROL_BODY_LIMIT, RECEIVER_BODY_LIMIT, REST_BODY_LIMIT)
# Python's allocator, uvicorn's read buffers (64 KB high-water mark) and one answer: a few MiB at most.
SMALL_CONSTANT = 8 * MIB
TARGETS = [
    ("/v1/batch", {"Authorization": "Basic ZGVtby13ZWItd3JpdGUta2V5Og=="}),
    ("/_sim/accounts", {}),
    ("/api/leads", {}),  # no key
    ("/api/leads", {"Authorization": "Token token=demo-api-key"}),
    ("/integrations/segment", {"Authorization": "Basic ZGVtby1hcGkta2V5Og=="}),
]

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read peak RSS")


def _peak_rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert match, "no VmHWM in /proc/PID/status"
    return int(match.group(1)) * 1024


def _start_server() -> tuple[subprocess.Popen[str], int]:
    """``fssim serve --port 0`` (the system picks a free port: no race with other tests); its port is read
    from the banner."""
    server = subprocess.Popen([sys.executable, "-m", "fssim", "serve", "--demo", "--no-rate-limits", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert server.stdout is not None
    seen = []
    for line in server.stdout:
        seen.append(line)
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if found:
            # Keep reading what it logs, so a full pipe can never block the server.
            threading.Thread(target=server.stdout.read, daemon=True).start()
            return server, int(found.group(1))
    server.wait()
    raise AssertionError("fssim serve did not start: " + "".join(seen))


def _chunks(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    """The body, made as it is sent: ``{"batch":[`` then filler until ``total`` bytes."""
    yield b'{"batch":["'
    piece = b"x" * size
    for _ in range(total // size):
        yield piece
    yield b'"]}'


def _stream(port: int, path: str, headers: dict[str, str], total: int) -> tuple[bytes, int]:
    """Send ``total`` bytes chunked until the server answers; (the answer's status line, bytes sent)."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                     f"Transfer-Encoding: chunked\r\n{head}\r\n".encode())
        for chunk in _chunks(total):
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:  # the server answered (or closed): stop sending
                break
            try:
                # A server that answered stops reading; a send that cannot finish soon means it has.
                sock.settimeout(2)
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except OSError:  # a timeout, or the server closed after answering
                break
            sent += len(chunk)
        else:
            sock.sendall(b"0\r\n\r\n")  # the whole body went: end it
        sock.settimeout(60)
        while b"\r\n" not in answer:
            try:
                more = sock.recv(65536)
            except OSError:
                break
            if not more:
                break
            answer += more
    return answer.split(b"\r\n", 1)[0], sent


def test_peak_memory_under_huge_bodies_stays_within_the_limit(tmp_path: Path) -> None:
    server, port = _start_server()
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/_sim/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "fssim serve did not start"
            time.sleep(0.2)
        # Warm up every route with a small body, so the baseline includes what any request costs.
        for path, headers in TARGETS:
            _stream(port, path, headers, 4 * 1024)
        before = _peak_rss(server.pid)
        answers = []
        for path, headers in TARGETS:
            status, sent = _stream(port, path, headers, BODY_MIB * MIB)
            answers.append((path, status.decode(errors="replace"), sent))
        after = _peak_rss(server.pid)
        assert httpx.get(f"{base}/_sim/health", timeout=10).status_code == 200
        growth = after - before
        report("memory", body_mib=BODY_MIB, peak_before_mib=round(before / MIB, 1),
               peak_after_mib=round(after / MIB, 1), growth_mib=round(growth / MIB, 2),
               allowed_mib=round((LARGEST_LIMIT + SMALL_CONSTANT) / MIB, 1),
               answers=[(p, s.split(" ")[1] if " " in s else s, round(n / MIB, 2)) for p, s, n in answers])
        for path, status, sent in answers:
            assert status.split(" ")[1] in ("400", "413"), (path, status)
            assert sent < BODY_MIB * MIB, f"{path}: the whole body was read before the answer"
        assert growth <= LARGEST_LIMIT + SMALL_CONSTANT, f"peak RSS grew by {growth / MIB:.1f} MiB"
    finally:
        stop(server)
