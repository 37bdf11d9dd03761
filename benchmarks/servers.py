"""Servers for the benchmarks, each in its own process, and the revisions they run.

Every benchmark that compares servers starts them here: ``fssim serve`` of this checkout, of the
``BEFORE`` revision (``make bench BEFORE=<git rev>``: a temporary ``git worktree`` of that revision
whose ``simulator/`` goes first on ``PYTHONPATH``, same virtualenv), and baselines (``benchmarks/
baselines.py``, moto_server, json-server). They are driven only through public surfaces -- the CLI and
HTTP -- so the benchmarks keep measuring the same things while the code under them changes.

Server CPU is read from ``/proc/<pid>/stat`` (user + system time of the server process), so a figure
per message does not include the client's own work. Load goes only to 127.0.0.1, bounded in count.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

__all__ = ["API_KEY", "BEFORE_DIR_ENV", "BEFORE_REV_ENV", "ROOT", "WRITE_KEY", "Revision", "ServerProcess", "baseline",
           "before_worktree", "env_int", "env_sizes", "free_port", "fssim_serve", "revisions", "setup_pipeline_world"]

ROOT = Path(__file__).resolve().parent.parent
# Set by ``python -m benchmarks`` when BEFORE names a revision: the folder of its temporary worktree.
BEFORE_DIR_ENV = "FSSIM_BENCH_BEFORE_DIR"
BEFORE_REV_ENV = "FSSIM_BENCH_BEFORE"
_TICKS = os.sysconf("SC_CLK_TCK")
WRITE_KEY = "bench-write-key"
API_KEY = "bench-api-key"


def env_int(name: str, default: int) -> int:
    """A size from the environment (``FSSIM_BENCH_...=N``), so a run can be made smaller or larger."""
    value = os.environ.get(name)
    return int(value) if value else default


def env_sizes(name: str, default: str) -> list[int]:
    return [int(part) for part in (os.environ.get(name) or default).split(",") if part.strip()]


@dataclass(frozen=True)
class Revision:
    """Which fssim a server runs: this checkout (``checkout`` None) or another revision's worktree."""

    label: str
    checkout: Path | None = None

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.checkout is not None:
            # First on the path: the revision's package wins over the one installed (editable) in the venv.
            paths = [str(self.checkout / "simulator"), env.get("PYTHONPATH", "")]
            env["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
        return env


def revisions() -> list[Revision]:
    """This checkout ("now"), then the BEFORE revision when the run was given one."""
    found = [Revision("now")]
    before = os.environ.get(BEFORE_DIR_ENV)
    if before:
        found.append(Revision(f"before ({os.environ.get(BEFORE_REV_ENV, 'BEFORE')})", Path(before)))
    return found


@contextlib.contextmanager
def before_worktree(rev: str) -> Iterator[Path]:
    """A temporary detached ``git worktree`` of ``rev``, removed afterwards (``make bench BEFORE=rev``)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="fssim-before-")) / "checkout"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(folder), rev], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """One server in its own process: started, waited for, measured (CPU, RSS) and stopped."""

    def __init__(self, name: str, argv: Sequence[str], *, port: int, probe: str = "/",
                 env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120.0) -> None:
        self.name = name
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self._log = open(os.devnull, "wb")  # noqa: SIM115 - closed in stop()
        started = time.perf_counter()
        self.process = subprocess.Popen(list(argv), env=env, cwd=cwd, stdout=self._log, stderr=subprocess.PIPE)
        self.seconds_to_first_answer = self._wait(probe, started, timeout)

    def _wait(self, probe: str, started: float, timeout: float) -> float:
        deadline = started + timeout
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    error = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                    raise SystemExit(f"{self.name} exited with {self.process.returncode} before answering:\n{error}")
                try:
                    client.get(probe)  # any answer counts, even an error status: the server is up
                    return time.perf_counter() - started
                except httpx.TransportError:
                    time.sleep(0.005)
        self.stop()
        raise SystemExit(f"{self.name} did not answer on {self.base_url} within {timeout:.0f} s")

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far, its threads included.

        The scheduler's nanosecond counters of each live thread (``/proc/<pid>/task/*/schedstat``), as
        ``/proc/<pid>/stat`` counts in clock ticks of 10 ms: too coarse for a bare endpoint's few µs per
        message. A thread that ended takes its time with it; the servers here keep theirs (uvicorn's
        loop, the worker pool, fssim's delivery thread). Falls back to ``stat`` where schedstat is off.
        """
        total = 0
        try:
            for task in Path(f"/proc/{self.process.pid}/task").iterdir():
                with contextlib.suppress(FileNotFoundError):  # a thread that ended just now
                    total += int((task / "schedstat").read_text().split()[0])
            return total / 1e9
        except (FileNotFoundError, ValueError):
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime: fields 14 and 15 of stat

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        """A graceful stop (SIGTERM, as ``kill`` sends), then SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self._log.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def fssim_serve(revision: Revision, *args: str) -> ServerProcess:
    """``fssim serve`` of ``revision`` on a free port (``python -m fssim``, so the revision's own code)."""
    port = free_port()
    argv = [sys.executable, "-m", "fssim", "serve", "--port", str(port), "--no-rate-limits", *args]
    return ServerProcess(f"fssim serve [{revision.label}]", argv, port=port, probe="/_sim/health",
                         env=revision.env(), cwd=revision.checkout or ROOT)


def baseline(kind: str, *args: str) -> ServerProcess:
    """A server of ``benchmarks/baselines.py`` under uvicorn, set up like ``fssim serve`` unless ``args``
    say otherwise (``--loop asyncio --http h11``)."""
    port = free_port()
    argv = [sys.executable, "-m", "benchmarks.baselines", kind, "--port", str(port), *args]
    probe = "/_sim/health" if kind == "fssim" else "/health"
    return ServerProcess(f"{kind} {' '.join(args)}".strip(), argv, port=port, probe=probe, cwd=ROOT)


def setup_pipeline_world(client: httpx.Client) -> None:
    """An account with its Segment toggle on for a server source, through the control API."""
    steps: list[tuple[str, dict[str, Any]]] = [
        ("/_sim/accounts", {"subdomain": "bench", "plan": "forest", "api_key": API_KEY}),
        ("/_sim/sources", {"name": "bench", "write_key": WRITE_KEY}),
        ("/_sim/accounts/bench/segment/enable", {"source": "bench"}),
    ]
    for path, body in steps:
        client.post(path, json=body).raise_for_status()
