"""A poison message never blocks others (issue 10, defect 1).

A track whose ``properties`` nested 600 deep was answered 200; delivering it raised ``RecursionError``
in the receiver, the error escaped ``flush``, the message stayed pending, every later delivery waited
behind it, ``/_sim/flush`` answered 500, and a ``--db`` file kept it stuck across restarts. Now:

* every surface refuses a body nested deeper than ``strictjson.MAX_DEPTH`` with a 400 naming the place;
* a message stored before the bound (or handed to ``Segment.ingest`` without HTTP) is refused by the
  receiver with the same 400 and discarded, also after a restart on the same file;
* a delivery whose attempt raises anyway (any bug of ours on the way) is ``failed`` with a code and a
  reason naming the exception, and the deliveries after it go on.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from fssim import strictjson
from fssim.app import Simulator, SimulatorConfig
from fssim.server import ServerThread

AUTH = {"Authorization": "Basic " + base64.b64encode(b"web-key:").decode()}
API_KEY = "acme-key"


def nested(levels: int) -> dict[str, Any]:
    """An object ``levels`` deep: ``{"a": {"a": ... {}}}``."""
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def connect(http: httpx.Client | TestClient) -> None:
    for path, body in (("/_sim/sources", {"name": "web", "write_key": "web-key"}),
                       ("/_sim/accounts", {"subdomain": "acme", "plan": "garden", "api_key": API_KEY}),
                       ("/_sim/accounts/acme/segment/enable", {"source": "web"})):
        answer = http.post(path, json=body)
        assert answer.status_code < 300, answer.text


def test_a_track_nested_600_deep_is_refused_at_the_edge_and_later_deliveries_go_on(sim: Simulator) -> None:
    with ServerThread(sim.app) as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
        connect(http)
        refused = http.post("/v1/track", headers=AUTH, json={"userId": "ada@example.com", "event": "Deep",
                                                             "properties": nested(600)})
        assert refused.status_code == 400
        assert refused.json()["success"] is False
        assert "properties.a.a" in refused.json()["message"]
        assert f"deeper than {strictjson.MAX_DEPTH} levels" in refused.json()["message"]
        http.post("/v1/identify", headers=AUTH, json={"userId": "ada@example.com", "traits": {"firstName": "Ada"}})
        http.post("/v1/track", headers=AUTH, json={"userId": "ada@example.com", "event": "After"})
        flushed = http.post("/_sim/flush")
        assert flushed.status_code == 200 and flushed.json()["open"] == 0
        deliveries = http.get("/_sim/deliveries").json()["deliveries"]
        assert [(d["type"], d["status"]) for d in deliveries] == [("identify", "delivered"), ("track", "delivered")]
        assert http.get("/_sim/events", params={"status": "accepted"}).json()["events"][-1]["event"] == "After"


@pytest.mark.parametrize(("path", "headers", "wrap"), [
    ("/v1/track", AUTH, lambda deep: {"userId": "a@example.com", "event": "E", "properties": deep}),
    ("/v1/batch", AUTH, lambda deep: {"batch": [{"type": "track", "userId": "a@example.com", "event": "E",
                                                 "properties": deep}]}),
    ("/api/leads", {"Authorization": f"Token token={API_KEY}"},
     lambda deep: {"lead": {"email": "a@example.com", "custom_field": deep}}),
    ("/_sim/accounts", {}, lambda deep: {"subdomain": "other", "api_key": "k2", "plan": deep}),
    ("/integrations/segment", {"Authorization": "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()},
     lambda deep: {"type": "track", "userId": "a@example.com", "event": "E", "properties": deep}),
])
def test_every_surface_refuses_the_same_depth_with_a_400(client: TestClient, path: str, headers: dict[str, str],
                                                         wrap: Any) -> None:
    connect(client)
    body = wrap(nested(strictjson.MAX_DEPTH))  # the wrapping makes it deeper than the bound
    answer = client.post(path, content=json.dumps(body), headers={**headers, "Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert f"deeper than {strictjson.MAX_DEPTH} levels" in answer.text
    assert strictjson.too_deep(body) is not None


def test_the_bound_counts_the_body_as_level_one() -> None:
    assert strictjson.too_deep(nested(strictjson.MAX_DEPTH)) is None
    where = strictjson.too_deep(nested(strictjson.MAX_DEPTH + 1))
    assert where is not None and where.startswith("a.a.a.") and where.endswith("…") and len(where) <= 81
    assert strictjson.too_deep([[1], {"x": [[]]}], max_depth=3) == "[1].x[0]"
    assert strictjson.loads(json.dumps(nested(strictjson.MAX_DEPTH))) == nested(strictjson.MAX_DEPTH)


def poison(sim: Simulator) -> None:
    """A 600-deep track queued without HTTP, as a file written before the bound holds it."""
    sim.segment.ingest("/v1/track", [{"type": "track", "userId": "ada@example.com", "event": "Poison",
                                      "properties": nested(600)}], {}, "web-key")


class RaisesOn(httpx.AsyncBaseTransport):
    """The simulator's own in-process transport, except that a delivery of ``event`` raises, as the
    receiver's deep copy raised ``RecursionError`` in process before the bound existed."""

    def __init__(self, app: Any, event: str) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.event = event

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("event") == self.event:
            raise RecursionError("maximum recursion depth exceeded")
        return await self.inner.handle_async_request(request)


def test_a_delivery_that_raises_is_failed_naming_the_error_and_the_next_ones_go_on(sim: Simulator) -> None:
    sim.segment.set_transport(RaisesOn(sim.app, "Poison"), "http://freshsales.fssim")
    with ServerThread(sim.app) as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
        connect(http)
        http.post("/v1/batch", headers=AUTH, json={"batch": [
            {"type": "identify", "userId": "ada@example.com", "traits": {"firstName": "Ada"}},
            {"type": "track", "userId": "ada@example.com", "event": "Poison"},
            {"type": "track", "userId": "ada@example.com", "event": "After"},
            {"type": "identify", "userId": "bob@example.com", "traits": {"firstName": "Bob"}}]})
        flushed = http.post("/_sim/flush")
        assert flushed.status_code == 200, flushed.text
        assert flushed.json()["open"] == 0
        by_event = {d["event"] or d["user_id"]: d for d in http.get("/_sim/deliveries").json()["deliveries"]}
        failed = by_event["Poison"]
        assert (failed["status"], failed["code"]) == ("failed", "errors.internal.RecursionError")
        assert "RecursionError" in failed["reason"] and failed["next_attempt_at"] is None
        assert failed["attempts"][0]["error"] == "RecursionError"
        assert {by_event[k]["status"] for k in ("After", "ada@example.com", "bob@example.com")} == {"delivered"}
        assert http.post("/_sim/flush").json() == {"tried": 0, "open": 0}


def test_a_stuck_file_from_before_the_fix_delivers_after_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "fssim.json")
    first = Simulator(SimulatorConfig(db_path=path, frozen_clock=True))
    connect(TestClient(first.app))
    poison(first)
    first.segment.ingest("/v1/identify", [{"type": "identify", "userId": "bob@example.com",
                                           "traits": {"firstName": "Bob"}}], {}, "web-key")
    first.close()  # never flushed: both deliveries are pending in the file

    again = Simulator(SimulatorConfig(db_path=path, frozen_clock=True))
    try:
        with ServerThread(again.app) as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
            assert http.get("/_sim/state").json()["segment"]["open_deliveries"] == 2
            flushed = http.post("/_sim/flush")
            assert flushed.status_code == 200 and flushed.json()["open"] == 0
            found = {d["user_id"]: d for d in http.get("/_sim/deliveries").json()["deliveries"]}
            assert found["bob@example.com"]["status"] == "delivered"
            # The receiver reads bodies with the same bound: the old poison is refused, not raised on.
            assert (found["ada@example.com"]["status"], found["ada@example.com"]["code"]) == \
                ("discarded", "errors.discarded.400")
            assert f"deeper than {strictjson.MAX_DEPTH} levels" in found["ada@example.com"]["reason"]
    finally:
        again.close()


def test_background_delivery_gives_a_raising_delivery_up_once_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    sim = Simulator(SimulatorConfig(frozen_clock=True, background_delivery=True))
    sim.segment.set_transport(RaisesOn(sim.app, "Poison"), "http://freshsales.fssim")
    try:
        with ServerThread(sim.app) as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
            connect(http)
            http.post("/v1/batch", headers=AUTH, json={"batch": [
                {"type": "track", "userId": "ada@example.com", "event": "Poison"},
                {"type": "identify", "userId": "bob@example.com", "traits": {"firstName": "Bob"}}]})
            for _ in range(600):  # the background loop delivers by itself; the bound only stops a broken run
                if http.get("/_sim/state").json()["segment"]["open_deliveries"] == 0:
                    break
                time.sleep(0.05)
            statuses = [d["status"] for d in http.get("/_sim/deliveries").json()["deliveries"]]
            assert statuses == ["failed", "delivered"]
            time.sleep(1.2)  # two more ticks of the background loop: nothing is tried again
            assert [d["status"] for d in http.get("/_sim/deliveries").json()["deliveries"]] == statuses
    finally:
        sim.close()
    assert "background delivery failed" not in caplog.text
    assert caplog.text.count("raised RecursionError and was given up") == 1
