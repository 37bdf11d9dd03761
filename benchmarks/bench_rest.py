"""REST throughput: the fake Freshsales through uvicorn beside a bare Starlette endpoint that parses the
same JSON, both served the same way (``ServerThread``: uvicorn in a thread on 127.0.0.1) in one run.

The headline is the ratio: what the simulator's gate (key, Host, plan, rate limits), validation, store,
indexes and timeline cost over HTTP + JSON alone. Requests are bounded in number and sent only to
127.0.0.1.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

__all__ = ["main"]

REQUESTS = 1_500
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


if __name__ == "__main__":
    main()
