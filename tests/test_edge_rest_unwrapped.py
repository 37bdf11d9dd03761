"""A REST call passes no wrapper of the guard's (issue 12: REST server CPU). Counted, not timed: the
wrappers a call passes, and the refusals and error answers that must not change.

The guard hands the REST router the server's own ``receive`` and ``send``. The gate counts the body as it
reads and raises the guard's ``BodyTooLarge``, which the guard answers with the same 413 and byte count as
before; it marks the scope as its answer starts, so the guard still answers a bug before that point with
a JSON 500, and nothing after it. Every other route under the REST prefixes, and every other surface,
still reads through the guard's counter.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fssim.app import Simulator
from fssim.freshsales.rest import auth
from fssim.freshsales.rest.auth import Gate
from fssim.freshsales.rest.routing import RestRouter
from fssim.guard import REST_LIMIT, BodyTooLarge, _too_large

CHUNK = 64 * 1024


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
            "server": ("127.0.0.1", 8765), "client": ("127.0.0.1", 50000),
            "headers": [(b"host", b"127.0.0.1:8765"), *headers]}


def _chunked(total: int) -> Iterator[dict[str, Any]]:
    """A body without a Content-Length, in 64 KiB messages: what a chunked upload reaches the app as."""
    sent = 0
    while sent < total:
        sent += CHUNK
        yield {"type": "http.request", "body": b" " * CHUNK, "more_body": sent < total}


def _call(app: Any, scope: dict[str, Any], messages: Iterator[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Run one request; the messages sent back, and how many body messages the app asked for."""
    sent: list[dict[str, Any]] = []
    asked = 0

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        try:
            await app(scope, receive, send)
        except BodyTooLarge:
            if not sent:
                raise  # only a router without a guard in front lets it through

    asyncio.run(run())
    return sent, asked


@pytest.mark.parametrize("pieces", [1, 3])
def test_a_rest_call_reads_the_servers_own_receive(sim: Simulator, monkeypatch: pytest.MonkeyPatch,
                                                   pieces: int) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    sim.freshsales.rate_limiter.enabled = False  # no rate-limit headers: the answer the gate sends itself
    body = json.dumps({"lead": {"email": "ada@example.com"}}).encode()
    cut = [body[i * len(body) // pieces:(i + 1) * len(body) // pieces] for i in range(pieces)]
    messages = iter([{"type": "http.request", "body": piece, "more_body": i < pieces - 1}
                     for i, piece in enumerate(cut)])
    scope = _scope("POST", "/api/leads", [(b"authorization", b"Token token=acme-key"),
                                          (b"content-length", str(len(body)).encode())])
    callers: list[str] = []

    def caller() -> str:
        frame = sys._getframe(2)  # who awaits the server's receive or send
        return f"{type(frame.f_locals.get('self')).__name__}.{frame.f_code.co_name}"

    async def receive() -> dict[str, Any]:
        callers.append(caller())
        return next(messages)

    sent: list[dict[str, Any]] = []
    senders: list[str] = []

    async def send(message: dict[str, Any]) -> None:
        senders.append(caller())
        sent.append(message)

    asyncio.run(sim.app(scope, receive, send))
    assert sent[0]["status"] == 201 and json.loads(sent[1]["body"])["lead"]["email"] == "ada@example.com"
    # The gate itself (one message) or its read_body (more): before, the guard's counting wrapper.
    assert callers == (["Gate.__call__"] if pieces == 1 else ["Gate.__call__", "NoneType.read_body",
                                                               "NoneType.read_body"])
    # The gate itself: before, the guard's watching wrapper, called by send_json.
    assert senders == ["Gate.__call__", "Gate.__call__"]


def _get(sim: Simulator, slash: str = "") -> tuple[list[dict[str, Any]], BaseException | None]:
    account = sim.freshsales.accounts.create("acme", api_key="acme-key")
    made = sim.freshsales.records.create(account, "lead", {"email": "ada@example.com"})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    try:
        key = [(b"authorization", b"Token token=acme-key")]
        asyncio.run(sim.app(_scope("GET", f"/api/leads/{made['id']}{slash}", key), receive, send))
    except RuntimeError as error:
        return sent, error
    return sent, None


def test_a_bug_before_a_rest_answer_starts_is_still_a_json_500(sim: Simulator,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Gate, "_answer", broken)
    sent, raised = _get(sim)
    assert isinstance(raised, RuntimeError)  # raised on, to the server's log
    assert sent[0]["status"] == 500 and len(sent) == 2
    assert json.loads(sent[1]["body"])["errors"]["message"] == [
        "Internal error in fssim (RuntimeError): a simulator bug; the traceback is in the server log"]


@pytest.mark.parametrize("slash", ["", "/"])  # a trailing slash: the router routes a copy of the scope
def test_a_bug_after_a_rest_answer_started_gets_no_second_answer(sim: Simulator, monkeypatch: pytest.MonkeyPatch,
                                                                  slash: str) -> None:
    async def broken(send: Any, status: int, *args: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        raise RuntimeError("a bug")

    monkeypatch.setattr(auth, "send_json", broken)
    sent, raised = _get(sim, slash)
    assert isinstance(raised, RuntimeError)
    assert [message["type"] for message in sent] == ["http.response.start"]


@pytest.mark.parametrize("path", ["/api/leads", "/crm/sales/api/leads", "/api/leads/7"])
def test_a_chunked_rest_body_over_the_limit_gets_the_same_413(sim: Simulator, path: str) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    method = "PUT" if path.endswith("/7") else "POST"
    sent, asked = _call(sim.app, _scope(method, path, [(b"authorization", b"Token token=acme-key")]),
                        _chunked(8 * REST_LIMIT.size))
    passed = (REST_LIMIT.size // CHUNK + 1) * CHUNK  # the bytes read when the limit was passed
    assert asked == passed // CHUNK  # refused while reading: not one message more
    status, body = _too_large(REST_LIMIT, passed)
    assert (sent[0]["status"], json.loads(sent[1]["body"])) == (413, body) == (status, body)
    assert body["errors"]["message"] == [
        f"Payload too large: the body is over this endpoint's limit of 1 MiB ({passed} bytes or more)"]


@pytest.mark.parametrize(("path", "status", "limit"), [
    ("/_sim/accounts", 413, 1024 * 1024), ("/v1/track", 400, 33 * 1024), ("/v1/batch", 400, 501 * 1024)])
def test_other_surfaces_still_count_a_chunked_body(sim: Simulator, path: str, status: int, limit: int) -> None:
    headers = [(b"content-type", b"application/json"), (b"authorization", b"Basic YWNtZS1rZXk6")]
    sent, asked = _call(sim.app, _scope("POST", path, headers), _chunked(8 * limit))
    assert asked == limit // CHUNK + 1
    assert sent[0]["status"] == status
    assert f"{(limit // CHUNK + 1) * CHUNK} bytes or more".encode() in sent[1]["body"]


def test_a_rest_route_that_is_no_gate_reads_through_the_guards_counter() -> None:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"size": len(await request.body())})

    router = RestRouter([Route("/echo", echo, methods=["POST"])])
    with pytest.raises(BodyTooLarge) as refused:
        _call(router, {**_scope("POST", "/echo", []), "root_path": ""}, _chunked(8 * REST_LIMIT.size))
    assert refused.value.received == (REST_LIMIT.size // CHUNK + 1) * CHUNK


def test_a_rest_body_over_the_limit_in_one_message_gets_the_same_413(sim: Simulator) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    size = REST_LIMIT.size + 1
    one = iter([{"type": "http.request", "body": b" " * size, "more_body": False}])
    sent, asked = _call(sim.app, _scope("POST", "/api/leads", [(b"authorization", b"Token token=acme-key")]), one)
    assert asked == 1
    assert (sent[0]["status"], json.loads(sent[1]["body"])) == _too_large(REST_LIMIT, size)


def test_a_rest_call_meets_the_guards_checks_without_its_coroutine(sim: Simulator,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.testclient import TestClient

    from fssim.guard import EdgeGuard

    entered: list[str] = []
    admitted: list[str] = []
    calling, admitting = EdgeGuard.__call__, EdgeGuard.admit

    async def counted_call(self: EdgeGuard, scope: Any, receive: Any, send: Any) -> None:
        entered.append(scope["path"])
        await calling(self, scope, receive, send)

    def counted_admit(self: EdgeGuard, scope: Any, receive: Any) -> Any:
        admitted.append(scope["path"])
        return admitting(self, scope, receive)

    monkeypatch.setattr(EdgeGuard, "__call__", counted_call)
    monkeypatch.setattr(EdgeGuard, "admit", counted_admit)
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    client = TestClient(sim.app)
    assert client.post("/api/leads", json={"lead": {"email": "ada@example.com"}},
                       headers={"Authorization": "Token token=acme-key"}).status_code == 201
    assert (entered, admitted) == ([], ["/api/leads"])  # before: the guard's own coroutine, once
    assert client.get("/api/leads/" + "9" * 30).status_code == 404  # its checks still answer
    assert client.get("/_sim/health").status_code == 200
    assert entered == ["/_sim/health"]  # every other surface: the guard as middleware


@pytest.mark.parametrize("limits", [False, True])
def test_the_gates_own_answer_is_what_send_json_sends(sim: Simulator, limits: bool) -> None:
    sim.freshsales.rate_limiter.enabled = limits
    sent, raised = _get(sim)
    assert raised is None and sent[0]["status"] == 200
    again: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        again.append(message)

    headers = {name.decode(): value.decode() for name, value in sent[0]["headers"]
               if name not in (b"content-length", b"content-type")}
    asyncio.run(auth.send_json(send, 200, sent[1]["body"], headers))
    assert again == sent
