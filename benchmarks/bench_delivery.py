"""What Segment's delivery costs per message, and the pipeline end to end against another fssim tree.

* **in-process delivery**: the same messages flushed by the same tree, once handed to the receiver's
  core as request values (what the app wires) and once through httpx + ``ASGITransport`` into the app
  (the HTTP emulation it replaced). Only the flush is timed; the ratio is the point.
* **end to end, servers in their own processes**: ``POST /v1/batch`` x100 then ``POST /_sim/flush``,
  messages/s and the server's CPU per message (read from ``/proc``), beside a bare Starlette endpoint
  that only parses the batch. Set ``FSSIM_BENCH_BASELINE`` to the ``simulator`` folder of another fssim
  checkout (say, the commit before a change) and it is measured in the same run, rounds interleaved,
  so the before/after ratio comes from one run on one machine.

Load goes only to 127.0.0.1, bounded in count.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchmarks.bench_pipeline import AUTH, BATCH_SIZE, _bodies, _delivered, _world
from fssim.app import IN_PROCESS_BASE_URL

__all__ = ["main"]

ROUNDS = 3
BATCHES = 10
_SERVER = """
import json, sys, uvicorn
kind, port = sys.argv[1], int(sys.argv[2])
if kind == "fssim":
    from fssim.app import Simulator, SimulatorConfig
    sim = Simulator(SimulatorConfig(rate_limits=False))
    sim.segment.add_source("bench", "bench-write-key", "server")
    sim.freshsales.accounts.create("bench", plan="forest", api_key="bench-api-key")
    sim.freshsales.enable_segment("bench", source="bench", via="freshsales")
    app = sim.app
else:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    async def parse_only(request):
        json.loads(await request.body())
        return JSONResponse({"success": True})
    app = Starlette(routes=[Route("/v1/batch", parse_only, methods=["POST"])])
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""


def _flush_seconds(via_http: bool) -> float:
    sim = _world()
    if via_http:
        sim.segment.set_transport(httpx.ASGITransport(app=sim.app), IN_PROCESS_BASE_URL)

    async def run() -> float:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://fssim") as client:
            for body in _bodies("delivery")[:BATCHES]:
                (await client.post("/v1/batch", content=body, headers=AUTH)).raise_for_status()
        started = time.perf_counter()
        await sim.segment.flush()
        return time.perf_counter() - started

    seconds = asyncio.run(run())
    if _delivered(sim) != BATCHES * BATCH_SIZE:
        raise SystemExit("not every message was delivered: the figure would be meaningless")
    sim.close()
    return seconds


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _end_to_end(kind: str, pythonpath: str | None, run: str) -> tuple[float, float]:
    """(messages/s, server CPU seconds per message) for one server in its own process."""
    from benchmarks.bench_rest import _free_port

    port = _free_port()
    env = {**os.environ, **({"PYTHONPATH": pythonpath} if pythonpath else {})}
    server = subprocess.Popen([sys.executable, "-c", _SERVER, kind, str(port)], env=env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.post("/v1/batch", content=_bodies(f"warm-{run}")[0], headers=AUTH).raise_for_status()
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit(f"the {kind} server did not start") from None
                    time.sleep(0.05)
            if kind == "fssim":
                client.post("/_sim/flush").raise_for_status()
            bodies = _bodies(run)[:BATCHES]
            cpu_before, started = _cpu_seconds(server.pid), time.perf_counter()
            for body in bodies:
                client.post("/v1/batch", content=body, headers=AUTH).raise_for_status()
            if kind == "fssim":
                flushed = client.post("/_sim/flush").json()
                if flushed.get("open"):
                    raise SystemExit(f"{flushed['open']} deliveries still open after the flush")
            seconds, cpu = time.perf_counter() - started, _cpu_seconds(server.pid) - cpu_before
        messages = BATCHES * BATCH_SIZE
        return messages / seconds, cpu / messages
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    direct = statistics.median(_flush_seconds(via_http=False) for _ in range(ROUNDS))
    emulated = statistics.median(_flush_seconds(via_http=True) for _ in range(ROUNDS))
    per = BATCHES * BATCH_SIZE
    print(f"  in-process flush per message: core {direct / per * 1e6:6.0f} us, httpx+ASGITransport "
          f"{emulated / per * 1e6:6.0f} us  (core {direct / emulated:.2f}x the HTTP emulation's time)")
    if not Path("/proc/self/stat").exists():
        print("  (end to end: needs /proc for the server's CPU; skipped)")
        return
    baseline = os.environ.get("FSSIM_BENCH_BASELINE")
    trees = [("this tree", None)] + ([("baseline", baseline)] if baseline else [])
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in [*trees, ("bare", None)]}
    for round_number in range(ROUNDS):  # interleaved, so a busy moment hits every server alike
        for name, path in trees:
            figures[name].append(_end_to_end("fssim", path, f"{name[:4]}{round_number}"))
        figures["bare"].append(_end_to_end("bare", None, f"bare{round_number}"))
    rate = {name: statistics.median(r for r, _ in values) for name, values in figures.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in figures.items()}
    for name in figures:
        print(f"  end to end, {name:<9}: {rate[name]:8.0f} messages/s, server CPU {cpu[name] * 1e6:6.0f} us/message"
              f"  (CPU ratio to bare parse-only {cpu['bare'] / cpu[name]:.3f})")
    if baseline:
        print(f"  this tree / baseline: {rate['this tree'] / rate['baseline']:.2f}x messages/s, "
              f"{cpu['this tree'] / cpu['baseline']:.2f}x server CPU per message")
    else:
        print("  (set FSSIM_BENCH_BASELINE to another checkout's simulator/ folder to compare in the same run)")
