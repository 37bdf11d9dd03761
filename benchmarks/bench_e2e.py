"""End to end over HTTP: messages per second through ``fssim serve``, beside a bare Starlette endpoint
that only parses the JSON, each server in its own process and this process the client.

One measurement: ``FSSIM_BENCH_E2E_BATCHES`` (default 20) raw ``/v1/batch`` bodies of 100 messages
(half identify, half track, users never seen before), then ``POST /_sim/flush``, which answers once
every message was delivered to the receiver and its rules applied. The bare server gets the same
batches and no flush. Server CPU per message comes from the server process's own counters. With
``make bench BEFORE=<rev>`` the same measurement runs against that revision's ``fssim serve`` too.
"""

from __future__ import annotations

import base64
import itertools
import json
import socket
import statistics
import time
from typing import Any

import httpx

from benchmarks.report import interleaved_then_close, ratio
from benchmarks.servers import WRITE_KEY, ServerProcess, baseline, env_int, fssim_serve, revisions, setup_pipeline_world

__all__ = ["main"]

BATCH_SIZE = 100
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode(),
        "Content-Type": "application/json"}
_runs = itertools.count()


def bodies(batches: int) -> list[bytes]:
    """Raw batch bodies of users and messageIds never sent before in this run."""
    run = next(_runs)
    made = []
    for b in range(batches):
        batch: list[dict[str, Any]] = []
        for i in range(BATCH_SIZE // 2):
            user = f"r{run}-{b}-{i}@bench.example"
            batch.append({"type": "identify", "userId": user, "messageId": f"{user}-id",
                          "traits": {"firstName": "Bench", "lastName": f"User {i}", "title": "Tester"}})
            batch.append({"type": "track", "userId": user, "event": "Trial Started", "messageId": f"{user}-tr",
                          "properties": {"plan": "pro", "seats": i}})
        made.append(json.dumps({"batch": batch, "sentAt": "2026-01-01T00:00:00Z"}).encode())
    return made


def client(base_url: str) -> httpx.Client:
    # TCP_NODELAY: httpx writes headers and body separately; Nagle plus delayed ACKs would add ~40 ms to
    # each request and measure the kernel instead of the server.
    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    return httpx.Client(base_url=base_url, timeout=600, transport=transport)


def delivered(http: httpx.Client) -> int:
    """Deliveries finished so far: those in the delivery log's window that were delivered, and those that
    left it (only finished ones do, and none fails here), so that a run past the window's 10,000
    entries (five rounds of the default load) still counts every message."""
    segment = http.get("/_sim/state").json()["segment"]
    # A revision from before the window (issue 12) has no "dropped".
    return int(segment["deliveries"].get("delivered", 0)) + int(segment.get("dropped", {}).get("deliveries", 0))


class Load:
    """Sends one measurement's batches to one server; keeps the server's CPU per message."""

    def __init__(self, server: ServerProcess, batches: int, pipeline: bool) -> None:
        self.server, self.batches, self.pipeline = server, batches, pipeline
        self.http = client(server.base_url)
        self.cpu_per_message: list[float] = []
        if pipeline:
            setup_pipeline_world(self.http)
        self.send(bodies(2))  # warm-up: first requests pay one-off imports and caches

    def send(self, batch_bodies: list[bytes]) -> float:
        before = delivered(self.http) if self.pipeline else 0
        cpu = self.server.cpu_seconds()
        started = time.perf_counter()
        for body in batch_bodies:
            self.http.post("/v1/batch", content=body, headers=AUTH).raise_for_status()
        if self.pipeline:
            self.http.post("/_sim/flush").raise_for_status()
        seconds = time.perf_counter() - started
        messages = len(batch_bodies) * BATCH_SIZE
        self.cpu_per_message.append((self.server.cpu_seconds() - cpu) / messages)
        if self.pipeline and delivered(self.http) - before != messages:
            # A fast figure for a pipeline that lost messages would be meaningless.
            raise SystemExit(f"{self.server.name}: {delivered(self.http) - before} of {messages} delivered")
        return messages / seconds

    def measure(self) -> float:
        return self.send(bodies(self.batches))

    def close(self) -> None:
        self.http.close()
        self.server.stop()


def main() -> None:
    batches, rounds = env_int("FSSIM_BENCH_E2E_BATCHES", 20), env_int("FSSIM_BENCH_ROUNDS", 3)
    print(f"{batches} batches of {BATCH_SIZE} messages per measurement, median of {rounds} interleaved rounds")
    loads = {f"fssim {rev.label}": Load(fssim_serve(rev), batches, pipeline=True) for rev in revisions()}
    loads["bare Starlette parse-only"] = Load(baseline("parse"), batches, pipeline=False)
    rates = interleaved_then_close(rounds, loads)
    for name, load in loads.items():
        cpu = statistics.median(load.cpu_per_message[1:])  # the warm-up's figure left out
        print(f"  {name:<34} {rates[name]:9.0f} messages/s   server CPU {cpu * 1e6:8.1f} µs per message")
    bare = rates["bare Starlette parse-only"]
    now = rates["fssim now"]
    ratio("e2e: fssim messages/s / bare Starlette parse-only", now / bare, at_least=0.1, aim=True)  # the aim
    for name in loads:
        if name.startswith("fssim before"):
            ratio(f"e2e: fssim messages/s now / {name.removeprefix('fssim ')}", now / rates[name], at_least=4)


if __name__ == "__main__":
    main()
