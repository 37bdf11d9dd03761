"""REST create + read: the server CPU ``fssim serve`` spends per pair, beside a bare Starlette CRUD
server on a dict (``benchmarks/baselines.py crud``), each in its own process, in interleaved rounds.

One measurement: ``FSSIM_BENCH_REST_PAIRS`` (default 300) pairs of ``POST /api/leads`` and
``GET /api/leads/{id}`` of the lead just made. CPU is the server process's own (``/proc``), so the
client's work in this process is left out. With ``make bench BEFORE=<rev>`` that revision runs too.

When ``uvicorn[standard]`` (uvloop, httptools; ``fssim[fast]``) is installed, ``fssim serve`` picks
them up by itself (uvicorn's "auto"). So the same fssim app also runs once more under uvicorn forced to
asyncio + h11 (``benchmarks/baselines.py fssim --loop asyncio --http h11``), and the ratio of the two
says what they buy. Without them that figure is skipped with a message.
"""

from __future__ import annotations

import importlib.util
import itertools
import socket

import httpx

from benchmarks.report import interleaved_then_close, ratio
from benchmarks.servers import API_KEY, ServerProcess, baseline, env_int, fssim_serve, revisions

__all__ = ["main"]

_leads = itertools.count()
BARE = "bare Starlette dict CRUD"
PLAIN = "fssim app, asyncio/h11"


class Pairs:
    def __init__(self, server: ServerProcess, fssim: bool, pairs: int) -> None:
        self.server, self.pairs = server, pairs
        transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        headers = {"Authorization": f"Token token={API_KEY}"} if fssim else {}
        self.http = httpx.Client(base_url=server.base_url, headers=headers, timeout=120, transport=transport)
        if fssim:
            self.http.post("/_sim/accounts", json={"subdomain": "bench", "plan": "forest", "api_key": API_KEY},
                           headers={}).raise_for_status()
        self.run(20)  # warm-up

    def run(self, pairs: int) -> float:
        """Server CPU seconds per create + read pair."""
        cpu = self.server.cpu_seconds()
        for _ in range(pairs):
            n = next(_leads)
            made = self.http.post("/api/leads", json={"lead": {
                "first_name": "Bench", "last_name": f"L{n}", "email": f"rest{n}@bench.example",
                "job_title": "Tester"}})
            if made.status_code != 201:
                raise SystemExit(f"{self.server.name}: create answered {made.status_code} {made.text[:300]}")
            read = self.http.get(f"/api/leads/{made.json()['lead']['id']}")
            if read.status_code != 200:
                raise SystemExit(f"{self.server.name}: read answered {read.status_code} {read.text[:300]}")
        return (self.server.cpu_seconds() - cpu) / pairs

    def measure(self) -> float:
        return self.run(self.pairs)

    def close(self) -> None:
        self.http.close()
        self.server.stop()


def _fast_installed() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("uvloop", "httptools"))


def main() -> None:
    pairs, rounds = env_int("FSSIM_BENCH_REST_PAIRS", 300), env_int("FSSIM_BENCH_ROUNDS", 3)
    print(f"{pairs} create + read pairs per measurement, median of {rounds} interleaved rounds")
    servers = {f"fssim {rev.label}": Pairs(fssim_serve(rev), True, pairs) for rev in revisions()}
    servers[BARE] = Pairs(baseline("crud"), False, pairs)
    fast = _fast_installed()
    if fast:
        servers[PLAIN] = Pairs(baseline("fssim", "--loop", "asyncio", "--http", "h11"), True, pairs)
    else:
        print("  uvloop/httptools are not installed (pip install 'fssim[fast]'): fssim serve runs on "
              "asyncio/h11 and their figure is skipped")
    cpu = interleaved_then_close(rounds, servers)
    for name, seconds in cpu.items():
        print(f"  {name:<34} server CPU {seconds * 1e3:7.3f} ms per create + read")
    ratio("REST create+read server CPU: fssim / bare Starlette CRUD", cpu["fssim now"] / cpu[BARE], at_most=1.5)
    if fast:
        # Information: what fssim[fast] buys; no target in the issue ("measure it").
        ratio("REST create+read server CPU: uvloop+httptools / asyncio+h11", cpu["fssim now"] / cpu[PLAIN])
    for name, seconds in cpu.items():
        if name.startswith("fssim before"):
            ratio(f"REST create+read server CPU: now / {name.removeprefix('fssim ')}", cpu["fssim now"] / seconds)


if __name__ == "__main__":
    main()
