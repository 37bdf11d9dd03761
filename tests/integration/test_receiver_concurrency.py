"""Concurrent deliveries over real HTTP (uvicorn on 127.0.0.1): R4 and R10 hold when requests race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fs_world import SUBDOMAIN, Delivery, snapshot

from fssim.app import Simulator
from fssim.server import ServerThread

THREADS = 8


def race(base_url: str, messages: list[dict[str, Any]]) -> list[httpx.Response]:
    """Send every message at once, each from its own thread and connection."""
    def send(message: dict[str, Any]) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            return Delivery(http).send(message)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(send, messages))


def test_R10_one_message_delivered_many_times_at_once_is_processed_once(acme: Simulator) -> None:
    acme.freshsales.accounts.set_segment_toggle(SUBDOMAIN, True, source="web", via="test")
    message = {"type": "identify", "userId": "ada@example.com", "messageId": "same-id",
               "traits": {"firstName": "Ada", "lastName": "Lovelace"}}
    with ServerThread(acme.app) as server:
        answers = race(server.base_url, [message] * THREADS)
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1, "every delivery got the first answer"
    assert sum(1 for a in answers if a.headers.get("X-Fssim-Replayed") != "true") == 1
    assert len(snapshot(acme, SUBDOMAIN)) == 1


def test_R4_racing_identifies_of_one_email_in_different_cases_make_one_record(acme: Simulator) -> None:
    acme.freshsales.accounts.set_segment_toggle(SUBDOMAIN, True, source="web", via="test")
    spellings = ["grace@example.org", "GRACE@example.org", " Grace@Example.org", "grace@EXAMPLE.ORG "]
    messages = [{"type": "identify", "userId": spellings[i % len(spellings)], "messageId": f"m-{i}",
                 "traits": {"title": f"Admiral {i}"}} for i in range(THREADS)]
    with ServerThread(acme.app) as server:
        answers = race(server.base_url, messages)
    results = sorted(a.json()["result"] for a in answers)
    assert results == ["created"] + ["updated"] * (THREADS - 1)
    (record,) = (item["record"] for item in snapshot(acme, SUBDOMAIN).values())
    assert record["email"].strip().lower() == "grace@example.org"
