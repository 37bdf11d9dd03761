"""Every accepted message reaches a final state, whatever JSON it carries (issue 10, defect 1).

Hypothesis makes messages deep (past the nesting bound too), wide and odd (huge integers, empty and
unicode keys, nulls where objects belong); each batch goes through the Tracking API of a simulator on
a real TinyDB file. Whatever the edge accepted must end ``delivered``, ``discarded``, ``failed`` or
``filtered`` once deliveries are flushed, both in the same process and after a restart on the file,
and no flush may fail.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig
from fssim.segment.logs import OPEN_STATUSES

AUTH = {"Authorization": "Basic " + base64.b64encode(b"web-key:").decode()}
USERS = ["ada@example.com", "bob@example.com", "usr_42"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
)
wide_or_odd = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=6), inner, max_size=6),
    max_leaves=40,
)


@st.composite
def deep(draw: st.DrawFn) -> Any:
    """A value nested 1 to 130 levels (the bound is 100) or 500 to 700 (where copying it once raised
    ``RecursionError`` in the receiver), in objects or arrays."""
    value = draw(scalars)
    levels = draw(st.integers(min_value=1, max_value=130) | st.integers(min_value=500, max_value=700))
    for _ in range(levels):
        value = [value] if draw(st.booleans()) else {draw(st.text(max_size=3)): value}
    return value


payloads = st.one_of(wide_or_odd, deep())


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["identify", "track", "page", "screen"]))
    message: dict[str, Any] = {"type": kind, "userId": draw(st.sampled_from(USERS))}
    if kind == "identify":
        message["traits"] = draw(st.one_of(payloads, st.fixed_dictionaries({"email": st.just("x@example.com")},
                                                                            optional={"odd": payloads})))
    else:
        message["event" if kind == "track" else "name"] = draw(st.text(min_size=1, max_size=8))
        message["properties"] = draw(payloads)
    if draw(st.booleans()):
        message["context"] = draw(payloads)
    return message


def open_sim(path: str) -> tuple[Simulator, TestClient]:
    sim = Simulator(SimulatorConfig(db_path=path, frozen_clock=True))
    return sim, TestClient(sim.app)


def drain(client: TestClient) -> None:
    for _ in range(40):
        flushed = client.post("/_sim/flush")
        assert flushed.status_code == 200, flushed.text
        if flushed.json()["open"] == 0:
            return
        assert client.post("/_sim/clock/advance", json={"seconds": 1800}).status_code == 200
    raise AssertionError("deliveries still open after the 4-hour retry window")


def assert_all_final(client: TestClient, sent: int) -> None:
    events = client.get("/_sim/events").json()["events"]
    assert len(events) == sent
    deliveries = client.get("/_sim/deliveries").json()["deliveries"]
    assert not [d for d in deliveries if d["status"] in OPEN_STATUSES]
    routed = [r for e in events if e["status"] == "accepted" for r in e["destinations"]]
    assert {r["delivery_id"] for r in routed} == {d["id"] for d in deliveries}


@given(batches=st.lists(st.lists(messages(), min_size=1, max_size=4), min_size=1, max_size=3),
       restart=st.booleans())
def test_every_accepted_message_reaches_a_final_state(batches: list[list[dict[str, Any]]], restart: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "fssim.json")
        sim, client = open_sim(path)
        try:
            for setup, body in (("/_sim/sources", {"name": "web", "write_key": "web-key"}),
                                ("/_sim/accounts", {"subdomain": "acme", "plan": "garden", "api_key": "k"}),
                                ("/_sim/accounts/acme/segment/enable", {"source": "web"})):
                assert client.post(setup, json=body).status_code < 300
            sent = 0
            for batch in batches:
                answer = client.post("/v1/batch", json={"batch": batch}, headers=AUTH)
                assert answer.status_code in (200, 400), answer.text
                if answer.status_code == 200:
                    sent += len(batch)
                else:  # refused whole, with a reason: nothing from it may be stored
                    assert answer.json()["success"] is False and answer.json()["message"]
            if restart:  # the deliveries are still pending in the file
                sim.close()
                sim, client = open_sim(path)
            drain(client)
            assert_all_final(client, sent)
        finally:
            sim.close()
