"""Load campaign: concurrent clients send Segment messages over real HTTP (uvicorn on 127.0.0.1), then a
flush; every message is accounted for: logged once as accepted, delivered once, 0 lost, 0 duplicate leads.

Every user is identified by two different clients at once (the race that could create two leads for one
email), then tracked. Tracks go after the identifies (a second phase): a track that beats its identify is
"no lead" by design (R8), which is the faults campaign's subject, not this one's.
Bounded: ~2,000 messages from 8 clients; ``make soak``: 100,000 from 20.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from campaigns.scale import pick, report
from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

WRITE_KEY = "load-write-key"
BATCH = 25


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """The logs are the evidence here, so they keep every entry: at full size (make soak) the campaign's
    100,000 messages are ten times the default log window (issue 12's bounded logs)."""
    simulator = Simulator(SimulatorConfig(frozen_clock=True, log_max_entries=None))
    yield simulator
    simulator.close()


def _setup(http: httpx.Client) -> None:
    for path, body in (("/_sim/sources", {"name": "load", "write_key": WRITE_KEY, "kind": "server"}),
                       ("/_sim/accounts", {"subdomain": "load", "plan": "forest", "api_key": "load-key"}),
                       ("/_sim/accounts/load/rate_limits", {"enabled": False}),
                       ("/_sim/accounts/load/segment/enable", {"source": "load"})):
        answer = http.post(path, json=body)
        assert answer.status_code in (200, 201), (path, answer.text)


def _send(base_url: str, messages: list[dict[str, Any]]) -> int:
    """One client: batches over one keep-alive connection; returns how many messages were answered 200."""
    sent = 0
    with httpx.Client(base_url=base_url, auth=(WRITE_KEY, ""), timeout=60) as http:
        for start in range(0, len(messages), BATCH):
            chunk = messages[start:start + BATCH]
            answer = http.post("/v1/batch", json={"batch": chunk})
            assert answer.status_code == 200 and answer.json() == {"success": True}, answer.text
            sent += len(chunk)
    return sent


def _phase(base_url: str, clients: int, per_client: list[list[dict[str, Any]]]) -> int:
    with ThreadPoolExecutor(max_workers=clients) as pool:
        return sum(pool.map(lambda messages: _send(base_url, messages), per_client))


def test_concurrent_clients_lose_nothing_and_duplicate_no_lead(sim: Simulator, live: ServerThread) -> None:
    clients, total = pick(8, 20), pick(2_000, 100_000)
    users = total // 4  # each user: two identifies (from two clients) and two tracks
    with httpx.Client(base_url=live.base_url, timeout=600) as http:
        _setup(http)
        identifies: list[list[dict[str, Any]]] = [[] for _ in range(clients)]
        tracks: list[list[dict[str, Any]]] = [[] for _ in range(clients)]
        for user in range(users):
            email = f"load{user}@example.com"
            for copy in range(2):
                identifies[(user + copy) % clients].append({
                    "type": "identify", "userId": email, "messageId": f"i{user}-{copy}",
                    "traits": {"firstName": f"F{copy}", "lastName": f"L{user}"}})
                tracks[(user + copy) % clients].append({
                    "type": "track", "userId": email, "messageId": f"t{user}-{copy}", "event": "Load Tested",
                    "properties": {"copy": copy}})
        started = time.perf_counter()
        sent = _phase(live.base_url, clients, identifies)
        assert http.post("/_sim/flush").status_code == 200
        sent += _phase(live.base_url, clients, tracks)
        assert http.post("/_sim/flush").status_code == 200
        seconds = time.perf_counter() - started
        events = http.get("/_sim/events").json()["events"]
        deliveries = http.get("/_sim/deliveries").json()["deliveries"]
        state = http.get("/_sim/state").json()
    expected_ids = {f"{kind}{user}-{copy}" for kind in "it" for user in range(users) for copy in range(2)}
    logged = Counter(entry["message_id"] for entry in events)
    delivered = Counter(entry["message_id"] for entry in deliveries if entry["status"] == "delivered")
    leads = sim.freshsales.records.all("load", "lead")
    emails = Counter(lead["email"] for lead in leads)
    lost = len(expected_ids - set(delivered))
    duplicate_leads = sum(count - 1 for count in emails.values())
    report("load", clients=clients, messages=sent, seconds=round(seconds, 1),
           rate_per_s=round(sent / seconds), lost=lost, duplicate_leads=duplicate_leads,
           open_deliveries=state["segment"]["open_deliveries"])
    assert sent == len(expected_ids) == 4 * users
    assert set(logged) == expected_ids and set(logged.values()) == {1}
    assert {entry["status"] for entry in events} == {"accepted"}
    assert set(delivered) == expected_ids and set(delivered.values()) == {1}, "each message delivered once"
    assert lost == 0 and duplicate_leads == 0 and len(leads) == users
    assert state["segment"]["open_deliveries"] == 0
    # Both tracks of every user reached that user's timeline.
    for lead in leads[:: max(1, users // 50)]:
        timeline = sim.freshsales.timeline.activities("load", "lead", lead["id"])
        assert sum(1 for item in timeline if item.get("action_type") == "event") == 2, lead["email"]
