"""A restart on the same TinyDB file shows exactly what was there; a crash never leaves half a file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from fs_helpers import make_account
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig
from fssim.journal import journal_paths


def open_sim(path: Path) -> tuple[Simulator, TestClient]:
    sim = Simulator(SimulatorConfig(db_path=str(path), frozen_clock=True))
    return sim, TestClient(sim.app)


def snapshot(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    views = client.get("/api/leads/filters", headers=headers).json()["filters"]
    leads = client.get(f"/api/leads/view/{views[0]['id']}?per_page=100&sort=id&sort_type=asc", headers=headers).json()
    first = leads["leads"][0]["id"]
    return {
        "leads": leads,
        "lead": client.get(f"/api/leads/{first}", headers=headers).json(),
        "timeline": client.get(f"/api/leads/{first}/activities", headers=headers).json(),
        "lookup": client.get("/api/lookup?q=P1@EXAMPLE.com&f=email&entities=lead,contact", headers=headers).json(),
        "fields": client.get("/api/settings/leads/fields", headers=headers).json(),
        "accounts": client.get("/_sim/accounts").json(),
    }


def test_restart_on_the_same_file_shows_exactly_what_was_there(tmp_path: Path) -> None:
    path = tmp_path / "fssim.json"
    sim, client = open_sim(path)
    headers = make_account(client, "acme")
    client.post("/_sim/accounts/acme/fields", json={"entity": "lead", "name": "cf_plan", "type": "text"})
    ids = []
    for index in range(5):
        lead = client.post("/api/leads", headers=headers, json={"lead": {
            "email": f"p{index}@example.com", "last_name": f"P{index}", "custom_field": {"cf_plan": "pro"}}})
        ids.append(lead.json()["lead"]["id"])
    client.put(f"/api/leads/{ids[1]}", json={"lead": {"city": "Oslo"}}, headers=headers)
    client.post("/api/notes", headers=headers, json={"note": {"description": "n", "targetable_type": "Lead",
                                                              "targetable_id": ids[1]}})
    client.delete(f"/api/leads/{ids[4]}", headers=headers)
    before = snapshot(client, headers)
    sim.close()

    again, client = open_sim(path)
    assert snapshot(client, headers) == before
    # indexes were rebuilt from the file: the email namespace still holds, ids keep growing
    taken = client.post("/api/leads", json={"lead": {"email": "p2@example.com"}}, headers=headers)
    assert taken.status_code == 400
    new = client.post("/api/leads", json={"lead": {"email": "p9@example.com"}}, headers=headers).json()["lead"]
    assert new["id"] > max(ids)
    again.close()


@pytest.mark.parametrize("failing", ["os.replace", "half a file"])
def test_a_failed_snapshot_write_leaves_the_previous_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                failing: str) -> None:
    path = tmp_path / "fssim.json"
    sim, client = open_sim(path)
    headers = make_account(client, "acme")
    client.post("/api/leads", json={"lead": {"email": "kept@example.com"}}, headers=headers)
    on_disk = path.read_bytes()

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise OSError("simulated crash during write")

    def half(*args: Any, **kwargs: Any) -> Any:
        yield '{"half": '  # part of the new file reaches the disk, then the process "dies"
        raise OSError("simulated crash during write")

    if failing == "os.replace":
        monkeypatch.setattr("fssim.storage.os.replace", crash)
    else:
        monkeypatch.setattr("fssim.storage._chunks", half)
    sim.freshsales.records.create("acme", "lead", {"email": "journaled@example.com"})  # a journal line
    with pytest.raises(OSError):
        sim.close()  # folding the journal into the snapshot fails half way
    monkeypatch.undo()
    assert path.read_bytes() == on_disk
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fssim.json", "fssim.json.journal"]  # no temporary
    again, client = open_sim(path)
    for email in ("kept@example.com", "journaled@example.com"):
        found = client.get(f"/api/lookup?q={email}&f=email&entities=lead", headers=headers).json()
        assert len(found["leads"]["leads"]) == 1
    again.close()


WRITER = textwrap.dedent("""
    import sys
    from fssim.clock import Clock
    from fssim.freshsales.service import Freshsales
    from fssim.store import Database
    fs = Freshsales(Database(sys.argv[1]), Clock(frozen=True))
    fs.accounts.create("acme", api_key="k")
    index = 0
    while True:
        fs.records.create("acme", "lead", {"email": f"w{index}@example.com"})
        index += 1
        if index == 20:
            print("ready", flush=True)
""")


def test_killing_the_writer_mid_stream_leaves_a_loadable_file(tmp_path: Path) -> None:
    path = tmp_path / "fssim.json"
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                               cwd=Path(__file__).resolve().parents[2])
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    json.loads(path.read_text())  # the snapshot is whole JSON, never half a file
    journal, _ = journal_paths(path)
    stored = sum(1 for line in journal.read_text().splitlines() if '"fs_records"' in line)
    assert stored >= 20  # one journal line per create
    sim, _ = open_sim(path)  # the snapshot, then the journal replayed
    assert sim.freshsales.records.count("acme", "lead") == stored
    assert sim.freshsales.records.find_by_email("acme", f"w{stored - 1}@example.com") is not None
    sim.close()


def test_the_store_leaves_tinydb_itself_unchanged(tmp_path: Path) -> None:
    """fssim runs inside other projects' pytest processes: their TinyDB databases keep stock tables."""
    from tinydb import TinyDB
    from tinydb.table import Table

    from fssim.store import Database

    database = Database(tmp_path / "fssim.json")
    records = database.collection("fs_records")
    records.insert({"email": "a@b.io"})
    assert records.get(1) == {"email": "a@b.io"}
    assert TinyDB.table_class is Table
    with TinyDB(tmp_path / "theirs.json") as theirs:
        assert type(theirs.table("t")) is Table
    database.close()
