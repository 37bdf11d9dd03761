"""``--db FILE`` at 1k / 10k / 50k leads (``FSSIM_BENCH_DB_LEADS``): what one write costs as the
database grows, beside the same work in memory and beside json-server's ``db.json`` of the same size.

For each size, ``fssim serve --db`` opens a copy of a file seeded with that many leads and their
timelines (``benchmarks/seed.py``, through ``fssim serve --db`` itself; kept in ``benchmarks/.cache/``
per source tree, so only the first run pays for it). In interleaved rounds (``FSSIM_BENCH_DB_ROUNDS``,
one operation each) it measures:

* **pipeline message**: ``POST /v1/identify`` of a new user, then ``POST /_sim/flush`` -- with
  ``--db``, and on an in-memory ``fssim serve`` seeded over HTTP with ``FSSIM_BENCH_DB_MEMORY_LEADS``
  leads (default 1,000; a larger figure only makes the run longer);
* **REST create**: ``POST /api/leads`` with ``--db``, and ``POST /leads`` to json-server 0.17 (npm,
  ``benchmarks/json-server/``, installed with ``npm ci`` from its lockfile) on a ``db.json`` holding
  the same number of leads. Without npm that comparison is skipped with a message.

A size whose ``--db`` write takes longer than ``FSSIM_BENCH_DB_SLOW_MS`` (default 5,000) ends the run
of sizes there, so a store whose writes grow with the file cannot make ``make bench`` unbounded. All
servers run in their own processes on 127.0.0.1 and are stopped gracefully at the end.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks.report import interleaved, ratio
from benchmarks.seed import seed
from benchmarks.servers import (
    API_KEY,
    ROOT,
    WRITE_KEY,
    Revision,
    ServerProcess,
    env_int,
    env_sizes,
    free_port,
    fssim_serve,
    setup_pipeline_world,
)

__all__ = ["main"]

CACHE = Path(__file__).resolve().parent / ".cache"
JSON_SERVER = Path(__file__).resolve().parent / "json-server"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()}
_users = itertools.count()


def seeded(revision: Revision, leads: int) -> Path:
    """A ``--db`` file of ``leads`` leads made by ``revision``'s code, cached per source tree."""
    tree = subprocess.run(["git", "-C", str(revision.checkout or ROOT), "rev-parse", "HEAD:simulator"],
                          capture_output=True, text=True, check=True).stdout.strip()
    path = CACHE / f"seed-{tree[:12]}-{leads}.json"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        print(f"  seeding {leads} leads through the pipeline into {path.name} (once per source tree) ...",
              flush=True)
        started = time.perf_counter()
        seed(path, leads, revision)
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def timed(action: Callable[[], httpx.Response], expect: int) -> float:
    started = time.perf_counter()
    answer = action()
    seconds = time.perf_counter() - started
    if answer.status_code != expect:
        raise SystemExit(f"{answer.request.method} {answer.request.url} answered {answer.status_code}: "
                         f"{answer.text[:300]}")
    return seconds


def pipeline_message(http: httpx.Client) -> float:
    """One new user's identify through ingest, delivery and the rules, as a user of fssim waits for it."""
    user = f"bench-{next(_users)}@bench.example"
    started = time.perf_counter()
    http.post("/v1/identify", json={"userId": user, "traits": {"firstName": "Bench"}},
              headers=AUTH).raise_for_status()
    flushed = http.post("/_sim/flush")
    flushed.raise_for_status()
    return time.perf_counter() - started


def rest_create(http: httpx.Client, path: str, envelope: bool) -> float:
    n = next(_users)
    lead = {"first_name": "Bench", "last_name": f"R{n}", "email": f"rest-{n}@bench.example"}
    return timed(lambda: http.post(path, json={"lead": lead} if envelope else lead), 201)


def json_server(leads: int, folder: Path) -> ServerProcess | None:
    npm = shutil.which("npm")
    if npm is None:
        print("  npm is not installed: the json-server comparison is skipped")
        return None
    binary = JSON_SERVER / "node_modules" / ".bin" / "json-server"
    if not binary.exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=JSON_SERVER, check=True)
    database = folder / f"db-{leads}.json"
    database.write_text(json.dumps({"leads": [
        {"id": i, "first_name": "Seed", "last_name": f"Lead {i}", "email": f"seed{i}@bench.example",
         "job_title": "Tester"} for i in range(1, leads + 1)]}), encoding="utf-8")
    port = free_port()
    return ServerProcess("json-server", ["node", str(binary), "--quiet", "--port", str(port), "--host", "127.0.0.1",
                                         str(database)], port=port, probe="/leads/1", cwd=folder)


def memory_reference(leads: int) -> tuple[ServerProcess, httpx.Client]:
    server = fssim_serve(Revision("now"))
    http = httpx.Client(base_url=server.base_url, timeout=600)
    setup_pipeline_world(http)
    for start in range(0, leads, 500):
        batch = [{"type": "identify", "userId": f"seed{i}@bench.example", "traits": {"firstName": "Seed"}}
                 for i in range(start, min(leads, start + 500))]
        http.post("/v1/batch", json={"batch": batch}, headers=AUTH).raise_for_status()
    http.post("/_sim/flush").raise_for_status()
    return server, http


def main() -> None:
    sizes = env_sizes("FSSIM_BENCH_DB_LEADS", "1000,10000,50000")
    rounds = env_int("FSSIM_BENCH_DB_ROUNDS", 5)
    memory_leads = env_int("FSSIM_BENCH_DB_MEMORY_LEADS", 1000)
    print(f"sizes {sizes} leads; median of {rounds} interleaved rounds of one operation each; "
          f"in-memory reference holds {memory_leads} leads")
    memory, memory_http = memory_reference(memory_leads)
    try:
        for _ in range(2):
            pipeline_message(memory_http)  # warm-up
        slow = env_int("FSSIM_BENCH_DB_SLOW_MS", 5000) / 1e3
        with tempfile.TemporaryDirectory() as temp:
            for number, leads in enumerate(sizes):
                worst = _one_size(leads, rounds, Path(temp), memory_http)
                if worst > slow and number + 1 < len(sizes):
                    # Keeps make bench bounded for a store whose writes grow with the file.
                    print(f"  one --db write took {worst:.1f} s at {leads} leads (over FSSIM_BENCH_DB_SLOW_MS): "
                          f"the larger sizes {sizes[number + 1:]} are skipped")
                    break
    finally:
        memory_http.close()
        memory.stop()


def _one_size(leads: int, rounds: int, folder: Path, memory_http: httpx.Client) -> float:
    """Measures one size and prints its ratios; returns the slowest --db operation's median seconds."""
    print(f" {leads} leads:", flush=True)
    database = folder / f"fssim-{leads}.json"
    shutil.copyfile(seeded(Revision("now"), leads), database)
    rest_headers = {"Authorization": f"Token token={API_KEY}"}
    with fssim_serve(Revision("now"), "--db", str(database)) as server, \
            httpx.Client(base_url=server.base_url, timeout=600) as http, \
            httpx.Client(base_url=server.base_url, timeout=600, headers=rest_headers) as rest:
        print(f"  fssim serve --db opened {leads} leads in {server.seconds_to_first_answer:.2f} s", flush=True)
        measures: dict[str, Callable[[], float]] = {
            "pipeline --db": lambda: pipeline_message(http),
            "pipeline in memory": lambda: pipeline_message(memory_http),
            "REST create --db": lambda: rest_create(rest, "/api/leads", True),
        }
        other = json_server(leads, folder)
        try:
            if other is not None:
                other_http = httpx.Client(base_url=other.base_url, timeout=600)
                measures["REST create json-server"] = lambda: rest_create(other_http, "/leads", False)
            seconds = interleaved(rounds, measures)
        finally:
            if other is not None:
                other_http.close()
                other.stop()
    for name, value in seconds.items():
        print(f"  {name:<26} {value * 1e3:9.1f} ms")
    ratio(f"--db pipeline message at {leads} leads / in memory",
          seconds["pipeline --db"] / seconds["pipeline in memory"], at_most=2.0 if leads >= 50_000 else None)
    if "REST create json-server" in seconds:
        ratio(f"--db REST create at {leads} leads / json-server db.json",
              seconds["REST create --db"] / seconds["REST create json-server"],
              at_most=1.0 if leads >= 50_000 else None)
    return max(seconds["pipeline --db"], seconds["REST create --db"])


if __name__ == "__main__":
    main()
