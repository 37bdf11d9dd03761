"""Messages per second through the whole Segment -> Freshsales pipeline.

Three figures, all with the same raw batches of 100 messages (half identify, half track, distinct users):

* **pipeline over HTTP**: ``POST /v1/batch`` to fssim under uvicorn on 127.0.0.1, then ``POST /_sim/flush``
  (validate, enrich, dedupe, route, deliver each message to the receiver, apply the rules, store).
* **bare Starlette over HTTP**: the same batches to a Starlette endpoint on the same server set-up that
  only parses the JSON and answers ``{"success": true}`` -- the ceiling of the HTTP layer itself.
* **pipeline in process**: the same requests through ``httpx.ASGITransport`` (no socket), then flush.

The load goes only to 127.0.0.1, is bounded in count, and stops by itself.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

__all__ = ["main"]

BATCH_SIZE = 100
BATCHES = 20
WRITE_KEY = "bench-write-key"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode(),
        "Content-Type": "application/json"}


def _bodies(run: str) -> list[bytes]:
    """Raw batch bodies; ``run`` keeps users and messageIds apart between measurements."""
    bodies = []
    for b in range(BATCHES):
        batch: list[dict[str, Any]] = []
        for i in range(BATCH_SIZE // 2):
            email = f"{run}-{b}-{i}@bench.example"
            batch.append({"type": "identify", "userId": email, "messageId": f"{run}-{b}-{i}-id",
                          "traits": {"firstName": "Bench", "lastName": f"User {i}", "title": "Tester"}})
            batch.append({"type": "track", "userId": email, "event": "Trial Started", "messageId": f"{run}-{b}-{i}-tr",
                          "properties": {"plan": "pro", "seats": i}})
        bodies.append(json.dumps({"batch": batch, "sentAt": "2026-01-01T00:00:00Z"}).encode())
    return bodies


def _world() -> Simulator:
    # No plan limits: they guard the REST API, and the bench measures the pipeline, not refusals.
    sim = Simulator(SimulatorConfig(rate_limits=False))
    sim.segment.add_source("bench", WRITE_KEY, "server")
    sim.freshsales.accounts.create("bench", plan="forest", api_key="bench-api-key")
    sim.freshsales.enable_segment("bench", source="bench", via="freshsales")
    return sim


def _delivered(sim: Simulator) -> int:
    return sim.segment.deliveries.counts().get("delivered", 0)


def _check_delivered(delivered: int, messages: int) -> None:
    # A fast figure for a pipeline that lost messages would be meaningless.
    if delivered != messages:
        raise SystemExit(f"only {delivered} of {messages} messages were delivered: the pipeline is broken")


def _over_http(base_url: str, bodies: list[bytes], flush: bool) -> float:
    started = time.perf_counter()
    # TCP_NODELAY: httpx writes headers and body separately, and Nagle's algorithm plus delayed ACKs
    # would otherwise add ~40 ms to every request, measuring the kernel instead of the server.
    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    with httpx.Client(base_url=base_url, timeout=120, transport=transport) as client:
        for body in bodies:
            answer = client.post("/v1/batch", content=body, headers=AUTH)
            answer.raise_for_status()
        if flush:
            client.post("/_sim/flush").raise_for_status()
    return time.perf_counter() - started


async def _in_process(sim: Simulator, bodies: list[bytes]) -> float:
    started = time.perf_counter()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        for body in bodies:
            (await client.post("/v1/batch", content=body, headers=AUTH)).raise_for_status()
        (await client.post("/_sim/flush")).raise_for_status()
    return time.perf_counter() - started


def _bare_app() -> Starlette:
    async def parse_only(request: Request) -> JSONResponse:
        json.loads(await request.body())
        return JSONResponse({"success": True})

    return Starlette(routes=[Route("/v1/batch", parse_only, methods=["POST"])])


def main() -> None:
    messages = BATCH_SIZE * BATCHES
    print(f"{BATCHES} raw batches of {BATCH_SIZE} messages ({messages} messages) per measurement")

    sim = _world()
    with ServerThread(sim.app) as server:
        _over_http(server.base_url, _bodies("warm")[:2], flush=True)
        before = _delivered(sim)
        pipeline_seconds = _over_http(server.base_url, _bodies("http"), flush=True)
        _check_delivered(_delivered(sim) - before, messages)
    sim.close()

    with ServerThread(_bare_app()) as bare:
        _over_http(bare.base_url, _bodies("warm")[:2], flush=False)
        bare_seconds = _over_http(bare.base_url, _bodies("bare"), flush=False)

    sim = _world()
    asyncio.run(_in_process(sim, _bodies("warm")[:2]))
    before = _delivered(sim)
    in_process_seconds = asyncio.run(_in_process(sim, _bodies("inproc")))
    _check_delivered(_delivered(sim) - before, messages)
    sim.close()

    pipeline_rate = messages / pipeline_seconds
    bare_rate = messages / bare_seconds
    in_process_rate = messages / in_process_seconds
    print(f"pipeline over HTTP (ingest + delivery + rules): {pipeline_rate:10.0f} messages/s")
    print(f"bare Starlette over HTTP (parse only):          {bare_rate:10.0f} messages/s")
    print(f"pipeline in process (ASGI transport):           {in_process_rate:10.0f} messages/s")
    print(f"ratio pipeline HTTP / bare Starlette:           {pipeline_rate / bare_rate:10.3f}")
    print(f"ratio pipeline in process / pipeline HTTP:      {in_process_rate / pipeline_rate:10.3f}")
