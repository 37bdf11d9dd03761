"""What both ends of the Segment → Freshsales wire must know.

``fssim.segment`` and ``fssim.freshsales`` may not import each other (DESIGN §4), so a fact both ends
need (the receiver's path, the settings header, the message types and limits) is written down on each
side. These tests fail the moment one side changes without the other.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

import fssim.freshsales.receiver as receiver
import fssim.integration.message as destination
import fssim.segment.delivery as delivery
import fssim.segment.routing as routing
import fssim.segment.spec as spec
from fssim.app import Simulator

PAIRS: list[tuple[str, Any, Any]] = [
    ("the receiver's path", delivery.RECEIVER_PATH, receiver.RECEIVER_PATH),
    ("the settings header", delivery.SETTINGS_HEADER, receiver.SETTINGS_HEADER),
    ("the types Freshsales takes (R9)", sorted(routing.SUPPORTED_TYPES["freshsales"]),
     sorted(destination.SUPPORTED_TYPES)),
    ("every message type", sorted(spec.MESSAGE_TYPES),
     sorted(destination.SUPPORTED_TYPES + destination.UNSUPPORTED_TYPES)),
    ("the largest message", spec.MAX_MESSAGE_BYTES, destination.MAX_MESSAGE_BYTES),
    ("the longest messageId", spec.MAX_MESSAGE_ID_LENGTH, destination.MAX_MESSAGE_ID_LENGTH),
]


@pytest.mark.parametrize(("segment_side", "freshsales_side"), [p[1:] for p in PAIRS], ids=[p[0] for p in PAIRS])
def test_segment_and_freshsales_agree_on(segment_side: Any, freshsales_side: Any) -> None:
    assert segment_side == freshsales_side


def test_the_request_segment_sends_is_the_one_the_receiver_reads(sim: Simulator, client: TestClient) -> None:
    """Not only the constants: a delivery Segment really made, replayed to the receiver, is taken; and
    every setting Segment sends besides the key is one the receiver reads (it checks the subdomain)."""
    assert client.post("/_sim/accounts", json={"subdomain": "acme", "plan": "garden", "api_key": "acme-key"}
                       ).status_code == 201
    assert client.post("/_sim/sources", json={"name": "web", "write_key": "web-key"}).status_code == 201
    assert client.post("/_sim/accounts/acme/segment/enable", json={"source": "web"}).status_code == 200
    sent: list[httpx.Request] = []

    def remote(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"message": "recorded"})

    sim.segment.set_transport(httpx.MockTransport(remote), "https://freshsales.example.test")
    write_key = {"Authorization": "Basic " + base64.b64encode(b"web-key:").decode()}
    identify = {"type": "identify", "userId": "ada@example.com", "traits": {"firstName": "Ada"}}
    assert client.post("/v1/identify", json=identify, headers=write_key).status_code == 200
    asyncio.run(sim.segment.flush())
    [request] = sent

    def replay(**headers: str) -> httpx.Response:
        replayed = httpx.Headers(request.headers)
        replayed.update(headers)  # case-insensitively, so an override replaces Segment's header
        return client.post(request.url.path, content=request.content, headers=replayed)

    answer = replay()
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == "created"
    settings = json.loads(base64.b64decode(request.headers[receiver.SETTINGS_HEADER]))
    assert settings, "Segment sends the destination's settings"
    for key in settings:
        other = base64.b64encode(json.dumps({key: "globex"}).encode()).decode()
        assert replay(**{receiver.SETTINGS_HEADER: other}).status_code == 401, f"the receiver ignores {key!r}"
