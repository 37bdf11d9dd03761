"""REST throughput: the fake Freshsales through uvicorn beside a bare Starlette endpoint that parses the
same JSON, both served the same way (``ServerThread``: uvicorn in a thread on 127.0.0.1) in one run.

The headline is the ratio: what the simulator's gate (key, Host, plan, rate limits), validation, store,
indexes and timeline cost over HTTP + JSON alone. Requests are bounded in number and sent only to
127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

__all__ = ["main"]

REQUESTS = 1_500
CPU_PAIRS = 1_000  # create+read pairs per server-CPU measurement
# A server in its own process, so its CPU time is its own: argv = kind ("fssim" or "crud"), port, loop,
# http. "crud" is the bare baseline: a Starlette dict store answering the same create and read.
_SERVER = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
kind, port, loop, http = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
if kind == "fssim":
    from fssim.app import Simulator, SimulatorConfig
    sim = Simulator(SimulatorConfig(rate_limits=False, frozen_clock=True))
    sim.freshsales.accounts.create("bench", api_key="bench-key")
    app = sim.app
else:
    leads, ids = {}, iter(range(1, 10**9))
    async def create(request: Request) -> JSONResponse:
        lead = {"id": next(ids), **(await request.json())["lead"]}
        leads[lead["id"]] = lead
        return JSONResponse({"lead": lead}, status_code=201)
    async def read(request: Request) -> JSONResponse:
        lead = leads.get(int(request.path_params["id"]))
        return JSONResponse({"lead": lead} if lead else {"message": "not found"}, status_code=200 if lead else 404)
    app = Starlette(routes=[Route("/api/leads", create, methods=["POST"]), Route("/api/leads/{id}", read)])
uvicorn.run(app, host="127.0.0.1", port=port, loop=loop, http=http, log_level="warning", access_log=False)
"""
WARM_UP = 100
HEADERS = {"Authorization": "Token token=bench-key"}


def bare_app() -> Starlette:
    async def parse(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        return JSONResponse({"lead": {"id": 1, **body["lead"]}}, status_code=201)

    return Starlette(routes=[Route("/parse", parse, methods=["POST"])])


def rate(send: Callable[[int], httpx.Response], count: int) -> float:
    for index in range(WARM_UP):
        send(-1 - index)
    started = time.perf_counter()
    for index in range(count):
        response = send(index)
        if response.status_code >= 300:
            raise AssertionError(f"request {index} failed: {response.status_code} {response.text}")
    return count / (time.perf_counter() - started)


def body(index: int) -> dict[str, object]:
    return {"lead": {"first_name": "Bench", "last_name": f"L{index}", "email": f"b{index}@example.com",
                     "job_title": "Tester", "company": {"name": "Bench Ltd"}}}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_cpu_per_pair(kind: str, loop: str, http: str, pythonpath: str | None = None) -> float:
    """Server CPU seconds per REST create+read pair, the server alone in its own process (``pythonpath``:
    another fssim tree's ``simulator`` folder, to measure that one instead)."""
    port = _free_port()
    env = {**os.environ, **({"PYTHONPATH": pythonpath} if pythonpath else {})}
    server = subprocess.Popen([sys.executable, "-c", _SERVER, kind, str(port), loop, http], env=env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=HEADERS, timeout=30) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.get("/api/leads/0")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit(f"the {kind} server did not start") from None
                    time.sleep(0.05)

            def pairs(count: int, start: int) -> None:
                for index in range(start, start + count):
                    created = client.post("/api/leads", json=body(index))
                    if created.status_code != 201:
                        raise SystemExit(f"{kind}: create failed: {created.status_code} {created.text}")
                    client.get(f"/api/leads/{created.json()['lead']['id']}").raise_for_status()

            pairs(WARM_UP, 10**6)
            before = _cpu_seconds(server.pid)
            pairs(CPU_PAIRS, 0)
            return (_cpu_seconds(server.pid) - before) / CPU_PAIRS
    finally:
        server.terminate()
        server.wait(10)


def server_cpu() -> None:
    """REST create+read, server CPU, against the bare Starlette dict CRUD baseline (issue 12's target:
    at most 1.5x), with uvicorn's plain asyncio/h11 and, when installed (fssim[fast]), uvloop/httptools."""
    if not Path("/proc/self/stat").exists():
        print("  (server CPU: needs /proc; skipped)")
        return
    setups = [("asyncio", "h11")]
    if importlib.util.find_spec("uvloop") and importlib.util.find_spec("httptools"):
        setups.append(("uvloop", "httptools"))
    else:
        print("  (uvloop/httptools not installed: pip install 'fssim[fast]' to measure them too)")
    plain = None
    for loop, http in setups:
        fake, bare = server_cpu_per_pair("fssim", loop, http), server_cpu_per_pair("crud", loop, http)
        plain = plain or fake
        print(f"  server CPU per create+read, {loop}/{http}: fssim {fake * 1e6:7.0f} us, bare Starlette dict CRUD "
              f"{bare * 1e6:6.0f} us  ({fake / bare:.2f}x of bare; target <= 1.5x)")
    if len(setups) == 2 and plain:
        print(f"  uvloop/httptools vs asyncio/h11, fssim server CPU: {fake / plain:.2f}x")
    baseline = os.environ.get("FSSIM_BENCH_BASELINE")  # another checkout's simulator/ folder
    if baseline:
        now = server_cpu_per_pair("fssim", "asyncio", "h11")
        then = server_cpu_per_pair("fssim", "asyncio", "h11", baseline)
        print(f"  this tree / FSSIM_BENCH_BASELINE, server CPU per create+read (asyncio/h11): {now / then:.2f}x")


def main() -> None:
    sim = Simulator(SimulatorConfig(rate_limits=False, frozen_clock=True))
    sim.freshsales.accounts.create("bench", api_key="bench-key")
    with ServerThread(sim.app) as server, ServerThread(bare_app()) as bare, \
            httpx.Client(base_url=server.base_url, headers=HEADERS) as fake, \
            httpx.Client(base_url=bare.base_url) as plain:
        bare_rate = rate(lambda i: plain.post("/parse", json=body(i)), REQUESTS)
        create_rate = rate(lambda i: fake.post("/api/leads", json=body(i)), REQUESTS)
        lead = fake.get("/api/lookup?q=b7@example.com&f=email&entities=lead").json()["leads"]["leads"][0]
        read_rate = rate(lambda i: fake.get(f"/api/leads/{lead['id']}"), REQUESTS)
        lookup_rate = rate(lambda i: fake.get(f"/api/lookup?q=b{abs(i)}@example.com&f=email&entities=lead"),
                           REQUESTS)
    sim.close()
    print(f"  bare Starlette JSON parse  {bare_rate:8.0f} req/s   (1.00x)")
    for name, value in (("POST /api/leads (create)", create_rate), ("GET /api/leads/:id", read_rate),
                        ("GET /api/lookup by email", lookup_rate)):
        print(f"  {name:<26} {value:8.0f} req/s   ({value / bare_rate:.2f}x of bare)")
    print(f"  headline: a REST create costs {bare_rate / create_rate:.2f}x a bare JSON round trip, "
          f"a lookup {bare_rate / lookup_rate:.2f}x")
    server_cpu()


if __name__ == "__main__":
    main()
