"""Concurrent requests through a real uvicorn server, from real threads: no lost update, no duplicate."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fs_helpers import make_account

from fssim.app import Simulator
from fssim.server import ServerThread

pytestmark = pytest.mark.e2e


def in_parallel(count: int, work: Callable[[httpx.Client, int], Any], base_url: str) -> list[Any]:
    """Run ``work`` in ``count`` threads that all start at once (a barrier), each with its own connection."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            with httpx.Client(base_url=base_url, timeout=30) as http:
                barrier.wait()
                results[index] = work(http, index)
        except BaseException as error:  # surfaced below, so a failing thread fails the test
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return results


def test_two_concurrent_creates_of_one_email_give_one_record_and_one_400(live: ServerThread, sim: Simulator) -> None:
    with httpx.Client(base_url=live.base_url) as http:
        headers = make_account(http, "acme")
    for round_ in range(15):
        email = f"race{round_}@example.com"
        def create(http: httpx.Client, index: int, email: str = email) -> int:
            # one create as a lead, the other as a contact: one email namespace for both
            entity = "lead" if index == 0 else "contact"
            return http.post(f"/api/{entity}s", headers=headers, json={entity: {"email": email}}).status_code

        statuses = in_parallel(2, create, live.base_url)
        assert sorted(statuses) == [201, 400]
        assert sim.freshsales.records.find_by_email("acme", email) is not None
    assert sim.freshsales.records.count("acme", "lead") + sim.freshsales.records.count("acme", "contact") == 15


@pytest.fixture
def http(live: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url) as client:
        yield client


def test_concurrent_updates_of_one_record_lose_nothing(live: ServerThread, http: httpx.Client) -> None:
    headers = make_account(http, "acme")
    lead = http.post("/api/leads", json={"lead": {"email": "one@example.com"}}, headers=headers).json()["lead"]
    fields = ["first_name", "last_name", "job_title", "city", "state", "country", "zipcode", "address"]

    def update(client: httpx.Client, index: int) -> int:
        body = {"lead": {fields[index]: f"value-{index}"}}
        return client.put(f"/api/leads/{lead['id']}", json=body, headers=headers).status_code

    assert in_parallel(len(fields), update, live.base_url) == [200] * len(fields)
    stored = http.get(f"/api/leads/{lead['id']}", headers=headers).json()["lead"]
    assert {name: stored[name] for name in fields} == {name: f"value-{i}" for i, name in enumerate(fields)}
    timeline = http.get(f"/api/leads/{lead['id']}/activities", headers=headers).json()
    assert sorted(a["action_data"]["property_key"] for a in timeline["activities"][1:]) == sorted(fields)


def test_concurrent_upserts_and_creates(live: ServerThread, sim: Simulator, http: httpx.Client) -> None:
    headers = make_account(http, "acme")

    def upsert(client: httpx.Client, index: int) -> list[int]:
        return [client.post("/api/contacts/upsert", headers=headers, json={
            "unique_identifier": {"emails": "same@example.com"},
            "contact": {"custom_field": {}, "last_name": f"T{index}-{n}"}}).status_code for n in range(5)]

    statuses = [s for batch in in_parallel(6, upsert, live.base_url) for s in batch]
    assert statuses.count(201) == 1 and statuses.count(200) == 29
    assert sim.freshsales.records.count("acme", "contact") == 1

    def create(client: httpx.Client, index: int) -> list[int]:
        return [client.post("/api/leads", headers=headers, json={"lead": {"email": f"c{index}-{n}@example.com"}})
                .json()["lead"]["id"] for n in range(10)]

    ids = [i for batch in in_parallel(6, create, live.base_url) for i in batch]
    assert len(set(ids)) == 60 and sim.freshsales.records.count("acme", "lead") == 60
