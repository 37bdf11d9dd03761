"""Segment's in-process delivery hands each message to the receiver's core as a value: no httpx client,
no ASGI transport, no HTTP emulation on the way (issue 12: they took a quarter of the pipeline's CPU),
while the delivery log reads exactly as over HTTP."""

from __future__ import annotations

from typing import Any, NoReturn

import httpx
import pytest

from fssim import Fssim


def test_an_in_process_delivery_makes_no_http_request(fssim: Fssim, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_http(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError("an in-process delivery went through httpx")

    fssim.connect()
    # Patched after set-up: the harness' own (synchronous) client is not what is watched here.
    monkeypatch.setattr(httpx.AsyncClient, "send", no_http)
    fssim.identify("ada@example.com", {"firstName": "Ada"})
    fssim.track("ada@example.com", "Signed Up", {"plan": "pro"})
    fssim.flush()
    fssim.assert_delivery(count=2, status="delivered")
    fssim.assert_lead("ada@example.com", first_name="Ada")
    [identify, track] = sorted(fssim.deliveries(), key=lambda d: d["id"])
    assert (identify["code"], track["code"]) == ("success.200", "success.200")
    assert identify["attempts"][0]["status_code"] == 200
    assert identify["attempts"][0]["response"]["result"] == "created"


def test_an_in_process_delivery_neither_renders_nor_parses_the_message(
    fssim: Fssim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request carries the message Segment holds: the receiver reads it as it is, so a delivery
    costs no JSON encode of the body and no strict parse back (both were done for every message)."""
    from fssim import strictjson, wire

    calls: list[str] = []
    real_loads, real_body = strictjson.loads, wire.json_body

    def counting_loads(*args: Any, **kwargs: Any) -> Any:
        calls.append("parse")
        return real_loads(*args, **kwargs)

    def counting_body(value: Any) -> bytes:
        calls.append("render")
        return real_body(value)

    fssim.connect()
    fssim.identify("ada@example.com", {"firstName": "Ada"})
    fssim.track("ada@example.com", "Signed Up", {"plan": "pro"})
    # Patched after the messages were sent: the Tracking API parses each batch it receives (once).
    monkeypatch.setattr(strictjson, "loads", counting_loads)
    monkeypatch.setattr(wire, "json_body", counting_body)
    fssim.flush()
    fssim.assert_delivery(count=2, status="delivered")
    fssim.assert_lead("ada@example.com", first_name="Ada")
    assert calls == []
