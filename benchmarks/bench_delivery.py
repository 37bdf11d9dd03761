"""In-process delivery: what Segment's flush costs per message when each delivery reaches the receiver's
core as a request value (what the app wires), beside the same flush through httpx + ``ASGITransport``
into the app (the HTTP emulation that delivery replaced), in one process, in interleaved rounds.

One measurement: ``FSSIM_BENCH_DELIVERY_BATCHES`` (default 10) batches of 100 messages (half identify,
half track, users never seen before) are accepted by ``/v1/batch``, then only the flush is timed (CPU
time of this process: every thread, nothing of other work on a shared machine). The end-to-end figure,
servers in their own processes, is ``bench_e2e``'s.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from benchmarks.bench_e2e import AUTH, BATCH_SIZE, bodies
from benchmarks.report import interleaved, ratio
from benchmarks.servers import API_KEY, WRITE_KEY, env_int
from fssim.app import IN_PROCESS_BASE_URL, Simulator, SimulatorConfig

__all__ = ["main"]



def flush_seconds_per_message(batches: int, via_http: bool) -> float:
    sim = Simulator(SimulatorConfig(rate_limits=False))
    try:
        sim.segment.add_source("bench", WRITE_KEY, "server")
        sim.freshsales.accounts.create("bench", plan="forest", api_key=API_KEY)
        sim.freshsales.enable_segment("bench", source="bench", via="freshsales")
        if via_http:
            sim.segment.set_transport(httpx.ASGITransport(app=sim.app), IN_PROCESS_BASE_URL)

        async def run() -> float:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app),
                                         base_url="http://127.0.0.1") as client:
                for body in bodies(batches):
                    (await client.post("/v1/batch", content=body, headers=AUTH)).raise_for_status()
            started = time.process_time()
            await sim.segment.flush()
            return time.process_time() - started

        seconds = asyncio.run(run())
        delivered = sim.segment.deliveries.counts().get("delivered", 0)
        if delivered != batches * BATCH_SIZE:
            # A fast figure for a pipeline that lost messages would be meaningless.
            raise SystemExit(f"{delivered} of {batches * BATCH_SIZE} messages delivered")
        return seconds / (batches * BATCH_SIZE)
    finally:
        sim.close()


def main() -> None:
    batches, rounds = env_int("FSSIM_BENCH_DELIVERY_BATCHES", 10), env_int("FSSIM_BENCH_ROUNDS", 3)
    print(f"{batches} batches of {BATCH_SIZE} messages per measurement, median of {rounds} interleaved rounds")
    flush_seconds_per_message(1, via_http=False)  # warm-up: one-off imports and caches
    seconds = interleaved(rounds, {
        "receiver core": lambda: flush_seconds_per_message(batches, via_http=False),
        "httpx + ASGITransport": lambda: flush_seconds_per_message(batches, via_http=True),
    })
    for name, value in seconds.items():
        print(f"  flush through {name:<24} {value * 1e6:8.0f} µs CPU per message")
    # Information (issue 12 sets no target for it): the share of delivery the HTTP emulation took.
    ratio("in-process delivery: receiver core / httpx+ASGITransport",
          seconds["receiver core"] / seconds["httpx + ASGITransport"])


if __name__ == "__main__":
    main()
