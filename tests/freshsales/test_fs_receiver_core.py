"""The receiver's two ways in give the same bytes: the real Starlette app (ASGI, through the edge guard)
and the core Segment's in-process delivery calls (:meth:`ReceiverCore.exchange`).

Two simulators are built the same way and set to the same instant; every generated request goes to
the first over HTTP and to the second as a :class:`~fssim.wire.WireRequest`, made from the bytes or, as
Segment's in-process delivery makes it, from the JSON value they are. Status, headers (names,
values and order) and body bytes must be equal, for valid messages, bad auth, a settings header for
another account or not base64 JSON, an unknown key, the toggle off, a forced 429/503 with
``Retry-After``, bodies that are not JSON, malformed messages and a replayed messageId, and so must the
records each world ends up with.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim import strictjson
from fssim.app import Simulator, SimulatorConfig
from fssim.freshsales.fault_answers import ForcedDisconnect, ForcedTimeout
from fssim.strategies import emails, invalid_messages, segment_messages, traits
from fssim.wire import NoAnswer, WireAnswer, WireRequest, json_body

SUBDOMAIN = "acme"
API_KEY = "acme-key-0001"
OTHER_KEY = "globex-key-0002"
PATH = "/integrations/segment"


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def _settings(value: Any) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


_authorizations = st.one_of(
    st.sampled_from([_basic(OTHER_KEY), _basic("nobody-has-this"), "Basic !!!", "Basic ", "Bearer x",
                     _basic("")]),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    st.none(),
)
_settings_headers = st.one_of(
    st.none(),
    st.sampled_from([_settings({"subdomain": SUBDOMAIN}), _settings({"domain": "acme.myfreshworks.com"}),
                     _settings({"apiSecret": "globex"}), _settings([1, 2]), "not base64!", _settings("acme"),
                     base64.b64encode(b"{not json").decode(), base64.b64encode(b"[" * 5000).decode()]),
)


@st.composite
def _bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["valid"] * 5 + ["invalid", "not json", "not an object"]))
    if kind == "valid":
        message = draw(segment_messages(user_id=st.one_of(emails(), st.sampled_from(["ada@example.com",
                                                                                       "db-42"]))))
        if message.get("type") == "identify" and draw(st.booleans()):
            message["traits"] = draw(traits())
        return json.dumps(message).encode()
    if kind == "invalid":
        return json.dumps(draw(invalid_messages())[0]).encode()
    if kind == "not json":
        return draw(st.sampled_from([b"", b"{", b"\xff\xfe", b"nul", b'{"type": "identify",}']))
    return json.dumps(draw(st.sampled_from([[], 1, "identify", None]))).encode()


@dataclass(frozen=True)
class Case:
    toggle_on: bool
    fault: dict[str, Any] | None
    existing_lead: bool
    requests: list[tuple[dict[str, str], bytes]]


@st.composite
def _cases(draw: st.DrawFn) -> Case:
    requests = []
    for _ in range(draw(st.integers(1, 3))):
        headers = {"Content-Type": "application/json"}
        if draw(st.booleans()):  # half the requests are Segment's own, the other half go wrong somewhere
            authorization = _basic(API_KEY)
            settings_header = draw(st.sampled_from([None, _settings({"subdomain": SUBDOMAIN})]))
        else:
            authorization, settings_header = draw(_authorizations), draw(_settings_headers)
        if authorization is not None:
            headers["Authorization"] = authorization
        if settings_header is not None:
            headers["X-Segment-Settings"] = settings_header
        body = draw(_bodies())
        requests.append((headers, body))
        if draw(st.booleans()):
            requests.append((headers, body))  # the same delivery again: R10's replayed answer
    fault = draw(st.none() | st.none() | st.none() | st.sampled_from([
        {"status": 429, "count": 1}, {"status": 503, "retry_after": 7, "count": 2},
        {"status": 500, "probability": 0.5, "seed": 3}, {"status": 400, "count": 1}]))
    return Case(toggle_on=draw(st.booleans()) or draw(st.booleans()), fault=fault,
                existing_lead=draw(st.booleans()), requests=requests)


def _known(fault: dict[str, Any] | None, message: dict[str, Any]) -> Case:
    """A case every run tries, whatever Hypothesis draws (a delivery of Segment's own, twice)."""
    headers = {"Content-Type": "application/json", "Authorization": _basic(API_KEY)}
    body = json.dumps({"messageId": "known-1", **message}).encode()
    return Case(toggle_on=True, fault=fault, existing_lead=True, requests=[(headers, body), (headers, body)])


def _prepare(sim: Simulator, case: Case) -> None:
    sim.reset()
    fs = sim.freshsales
    fs.accounts.create(SUBDOMAIN, plan="garden", api_key=API_KEY)
    fs.accounts.create("globex", plan="garden", api_key=OTHER_KEY)
    fs.accounts.define_custom_field(SUBDOMAIN, "lead", "cf_plan", "text")
    if case.toggle_on:
        fs.accounts.set_segment_toggle(SUBDOMAIN, True, source="web", via="test")
    if case.existing_lead:
        fs.records.create(SUBDOMAIN, "lead", {"email": "ada@example.com", "first_name": "Ada"})
    if case.fault is not None:
        fs.forced_failures.add(SUBDOMAIN, {"seed": 1, **case.fault})


def _records(sim: Simulator) -> list[Any]:
    fs = sim.freshsales
    return [fs.records.all(SUBDOMAIN, entity) for entity in ("lead", "contact")]


@pytest.fixture
def worlds() -> Iterator[tuple[Simulator, Simulator]]:
    over_http, in_core = (Simulator(SimulatorConfig(frozen_clock=True)) for _ in range(2))
    # The same instant in both worlds, so every time they write is the same.
    instant = max(over_http.clock.timestamp(), in_core.clock.timestamp()) + 60
    for sim in (over_http, in_core):
        sim.clock.advance(instant - sim.clock.timestamp())
    yield over_http, in_core
    over_http.close()
    in_core.close()


def _wire(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, [(k.lower(), v) for k, v in response.headers.multi_items()], response.content


def _in_core_request(headers: dict[str, str], body: bytes, made_from: str) -> WireRequest:
    """The request the core is handed: from the bytes, or (as Segment's in-process delivery makes it)
    from the JSON value the bytes are, whenever they are strict JSON."""
    if made_from == "value":
        try:
            value = strictjson.loads(body)
        except strictjson.NotJSON:
            pass
        else:
            request = WireRequest.of_json("POST", PATH, headers.items(), value)
            assert request == WireRequest.of("POST", PATH, headers.items(), json_body(value))
            return request
    return WireRequest.of("POST", PATH, headers.items(), body)


@pytest.mark.parametrize("made_from", ["bytes", "value"])
def test_the_http_endpoint_and_the_core_answer_byte_for_byte(
    worlds: tuple[Simulator, Simulator], made_from: str
) -> None:
    over_http, in_core = worlds
    statuses: set[int] = set()
    with TestClient(over_http.app) as http:

        @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(case=_cases())
        @example(case=_known(None, {"type": "identify", "userId": "ada@example.com", "traits": {"firstName": "A"}}))
        @example(case=_known(None, {"type": "screen", "userId": "ada@example.com", "name": "Home"}))
        @example(case=_known({"status": 429, "count": 1}, {"type": "track", "userId": "a@b.co", "event": "E"}))
        @example(case=_known({"status": 503, "retry_after": 7}, {"type": "page", "userId": "a@b.co"}))
        def check(case: Case) -> None:
            for sim in (over_http, in_core):
                _prepare(sim, case)
            for headers, body in case.requests:
                via_http = _wire(http.post(PATH, content=body, headers=headers))
                answer = asyncio.run(in_core.receiver.exchange(_in_core_request(headers, body, made_from)))
                assert isinstance(answer, WireAnswer)
                assert via_http == (answer.status, list(answer.headers), answer.body)
                statuses.add(answer.status)
            assert _records(over_http) == _records(in_core)

        check()
    # The requests reached every kind of answer the receiver gives (the examples make sure of it).
    assert {200, 202, 400, 401, 403, 429, 501, 503} <= statuses


@pytest.mark.parametrize(("path", "method"), [("/integrations/other", "POST"), (PATH, "GET"), (PATH, "PUT")])
def test_a_request_the_endpoint_does_not_serve_is_refused_alike(
    worlds: tuple[Simulator, Simulator], path: str, method: str
) -> None:
    over_http, in_core = worlds
    with TestClient(over_http.app) as http:
        via_http = _wire(http.request(method, path, content=b"{}", headers={"Authorization": _basic(API_KEY)}))
    answer = asyncio.run(in_core.receiver.exchange(WireRequest.of(method, path, [], b"{}")))
    assert isinstance(answer, WireAnswer)
    assert via_http == (answer.status, list(answer.headers), answer.body)


@pytest.mark.parametrize(("kind", "raised"), [("reset", ForcedDisconnect), ("timeout", ForcedTimeout)])
def test_no_answer_is_what_an_http_client_meets_in_process(
    worlds: tuple[Simulator, Simulator], kind: str, raised: type[Exception]
) -> None:
    """A forced reset or time-out: the core answers nothing, and says so in the words httpx uses."""
    over_http, in_core = worlds
    case = Case(toggle_on=True, fault={"kind": kind, "count": 1}, existing_lead=False, requests=[])
    for sim in (over_http, in_core):
        _prepare(sim, case)
    headers = {"Authorization": _basic(API_KEY)}
    body = json.dumps({"type": "identify", "userId": "ada@example.com", "messageId": "m1"}).encode()
    with TestClient(over_http.app) as http, pytest.raises(raised) as met:
        http.post(PATH, content=body, headers=headers)
    answer = asyncio.run(in_core.receiver.exchange(WireRequest.of("POST", PATH, headers.items(), body)))
    assert isinstance(answer, NoAnswer) and answer.kind == kind
    assert str(met.value) == answer.describe()
    assert _records(over_http) == _records(in_core) == [[], []]
