"""Crash campaign: ``kill -9`` a real ``fssim serve --db FILE`` at random moments while a writer sends REST
creates, Segment messages and flushes; after every restart the file loads and nothing acknowledged is lost.

"Acknowledged" means answered 2xx before the kill: a lead created through the REST API (201) must be
there, a Segment message answered 200 must be in the event log, and an identify answered 200 and then
delivered by a flush answered 200 must have made its lead. A request cut off by the kill may or may not
have been stored; either is fine. Every lead keeps the id its 201 gave, and no id is handed out
twice across the restarts. After the last, graceful stop the file is a TinyDB JSON database with
no journal beside it. Bounded: 3 rounds; ``make soak``: 20.
"""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from tinydb import TinyDB

from campaigns.scale import pick, report
from fssim.journal import journal_paths
from fssim.storage import stale_temporaries

REST = {"Authorization": "Token token=demo-api-key"}
WRITE_KEY = "demo-server-write-key"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(db: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "fssim", "serve", "--demo", "--no-rate-limits", "--port", str(port), "--db", str(db)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"fssim serve exited with {process.returncode}: the file did not load"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_sim/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError("fssim serve did not come up within 60 s")


class Writer(threading.Thread):
    """Sends creates, messages and flushes until told to stop (or the server dies); keeps what was
    acknowledged."""

    def __init__(self, base_url: str, round_number: int) -> None:
        super().__init__(daemon=True)
        self.base_url, self.round_number = base_url, round_number
        self.stop = threading.Event()
        self.leads: list[str] = []
        self.lead_ids: dict[str, int] = {}
        self.messages: list[str] = []
        self.delivered_leads: list[str] = []  # identified, then flushed: the receiver made the lead

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=5) as http:
            n = 0
            identified: list[str] = []
            while not self.stop.is_set():
                n += 1
                try:
                    if n % 3 == 0:
                        email = f"crash-r{self.round_number}-{n}@example.com"
                        answer = http.post("/api/leads", headers=REST, json={"lead": {"email": email}})
                        if answer.status_code == 201:
                            self.leads.append(email)
                            self.lead_ids[email] = answer.json()["lead"]["id"]
                    else:
                        message_id = f"crash-r{self.round_number}-m{n}"
                        email = f"crash-r{self.round_number}-u{n}@example.com"
                        answer = http.post("/v1/identify", auth=(WRITE_KEY, ""), json={
                            "userId": email, "traits": {"lastName": "Crash"}, "messageId": message_id})
                        if answer.status_code == 200:
                            self.messages.append(message_id)
                            identified.append(email)
                    if n % 10 == 0 and http.post("/_sim/flush").status_code == 200:
                        self.delivered_leads += identified
                        identified = []
                except httpx.TransportError:
                    return  # killed


def test_kill_9_during_writes_never_loses_what_was_acknowledged(tmp_path: Path) -> None:
    rounds = pick(3, 20)
    db, port = tmp_path / "fssim.json", _free_port()
    base_url = f"http://127.0.0.1:{port}"
    picker = random.Random(20261129)
    acknowledged_leads: list[str] = []
    acknowledged_messages: list[str] = []
    delivered_leads: list[str] = []
    acknowledged_ids: dict[str, int] = {}
    leftovers_seen = 0
    for round_number in range(rounds):
        process = _start(db, port)
        writer = Writer(base_url, round_number)
        writer.start()
        time.sleep(picker.uniform(0.3, 1.5))
        process.kill()  # SIGKILL: no handler, no flush, no clean-up
        process.wait(timeout=30)
        writer.stop.set()
        writer.join(timeout=30)
        acknowledged_leads += writer.leads
        acknowledged_messages += writer.messages
        delivered_leads += writer.delivered_leads
        acknowledged_ids |= writer.lead_ids
        leftovers_seen += len(stale_temporaries(db))
        json.loads(db.read_text())  # whole JSON after every kill: the old file or the new one
    # The last restart: everything acknowledged in every round is there.
    process = _start(db, port)
    try:
        assert stale_temporaries(db) == []
        with httpx.Client(base_url=base_url, timeout=30) as http:
            stored_ids: dict[str, int] = {}
            page = 1
            while True:
                views = http.get("/api/leads/filters", headers=REST).json()["filters"]
                all_view = next(view["id"] for view in views if view["name"].startswith("All"))
                listing = http.get(f"/api/leads/view/{all_view}", headers=REST,
                                   params={"page": page, "per_page": 100}).json()
                stored_ids |= {lead["email"]: lead["id"] for lead in listing["leads"]}
                if page >= listing["meta"]["total_pages"]:
                    break
                page += 1
            logged = {entry.get("message_id") for entry in http.get("/_sim/events").json()["events"]}
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert not any(journal.exists() for journal in journal_paths(db))  # folded in by the graceful stop
    stock = TinyDB(db)  # a plain TinyDB JSON database
    assert stock.tables()
    stock.close()
    lost_leads = [email for email in acknowledged_leads + delivered_leads if email not in stored_ids]
    # Ids are counted in memory and reserved in the journal: no restart, even after kill -9, reuses one.
    assert all(stored_ids.get(email) == lead_id for email, lead_id in acknowledged_ids.items())
    assert len(set(stored_ids.values())) == len(stored_ids)
    lost_messages = [message_id for message_id in acknowledged_messages if message_id not in logged]
    report("crash", rounds=rounds, acknowledged_leads=len(acknowledged_leads), delivered_leads=len(delivered_leads),
           acknowledged_messages=len(acknowledged_messages), lost=len(lost_leads) + len(lost_messages),
           temporary_files_left_by_kills=leftovers_seen)
    assert acknowledged_leads and acknowledged_messages and delivered_leads, "nothing acknowledged: no campaign"
    assert lost_leads == [] and lost_messages == []
