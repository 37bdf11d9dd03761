"""What a REST call passes through (issue 12: REST server CPU). Counted, not timed.

A REST call goes from the app (``SimulatorApp``) to its edge guard, straight to the REST router and then
to the endpoint's gate, an ASGI app: it meets no Starlette ``ServerErrorMiddleware``, no ``TrackingCORS``,
no ``ExceptionMiddleware``, no app-level ``Router``, no ``Route.matches``/``Route.handle`` (the REST router
matches its routes itself), no ``Request`` object and no ``Response`` object on its way to a 2xx. Its
answers are the bytes a ``Response`` would send.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route, Router
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales.rest.auth import send_json
from fssim.freshsales.rest.routing import RestMount, RestShortcut
from fssim.segment.browser import TrackingCORS

HEADERS = {"Authorization": "Token token=acme-key"}


@pytest.fixture
def passed() -> Iterator[Counter[str]]:
    """How many times each Starlette layer or object was entered or made."""
    counted: Counter[str] = Counter()
    originals: list[tuple[type, str, Any]] = []

    def count(cls: type, name: str) -> None:
        original = cls.__dict__[name]
        originals.append((cls, name, original))

        def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
            counted[f"{cls.__name__}.{name}"] += 1
            return original(self, *args, **kwargs)

        setattr(cls, name, counting)

    count(ServerErrorMiddleware, "__call__")
    count(TrackingCORS, "__call__")
    count(ExceptionMiddleware, "__call__")
    count(Router, "__call__")
    count(Route, "matches")
    count(Route, "handle")
    count(Request, "__init__")
    count(Response, "__init__")
    yield counted
    for cls, name, original in originals:
        setattr(cls, name, original)


def test_a_rest_call_skips_the_app_layers_and_builds_no_request_or_response(
        sim: Simulator, client: TestClient, passed: Counter[str]) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    for prefix in ("/api", "/crm/sales/api"):
        passed.clear()
        created = client.post(f"{prefix}/leads", json={"lead": {"email": f"ada{len(prefix)}@example.com"}},
                              headers=HEADERS)
        read = client.get(f"{prefix}/leads/{created.json()['lead']['id']}", headers=HEADERS)
        assert (created.status_code, read.status_code) == (201, 200), (created.text, read.text)
        assert read.json()["lead"] == created.json()["lead"]
        assert passed == Counter(), passed


def test_other_surfaces_still_pass_through_the_app_router(client: TestClient, passed: Counter[str]) -> None:
    assert client.get("/_sim/health").status_code == 200
    assert passed["ExceptionMiddleware.__call__"] == 1 and passed["Router.__call__"] == 1
    assert passed["ServerErrorMiddleware.__call__"] == 1 and passed["TrackingCORS.__call__"] == 1


def test_rest_errors_keep_their_shapes_on_the_short_path(sim: Simulator, client: TestClient) -> None:
    sim.freshsales.accounts.create("acme", api_key="acme-key")
    assert client.get("/api/leads/1", headers={"Authorization": "Token token=nope"}).json() == {
        "login": "failed", "message": "Incorrect or expired API key"}
    missing = client.get("/api/leads/424242", headers=HEADERS)
    assert missing.status_code == 404 and missing.json()["errors"]["code"] == 404
    bad = client.post("/api/leads", content=b"{not json", headers=HEADERS)
    assert bad.status_code == 400 and "not valid JSON" in bad.json()["errors"]["message"][0]
    unknown = client.get("/api/no_such_thing", headers=HEADERS)
    assert unknown.status_code == 404 and unknown.json()["error_code"] == 404
    near_miss = client.get("/apis/leads", headers=HEADERS)  # not under the prefix: the app's router answers
    assert near_miss.status_code == 404 and near_miss.json()["errors"]["code"] == 404


async def _sent_by(app: Any) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    await app({"type": "http", "method": "GET", "path": "/", "headers": []}, receive, send)
    return sent


_header_names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,15}\Z").filter(
    lambda name: name.lower() not in ("content-length", "content-type"))


@given(status=st.sampled_from([200, 201, 400, 404, 429, 500]),
       payload=st.binary(max_size=64),
       headers=st.dictionaries(_header_names, st.from_regex(r"\A[ -~]{0,20}\Z"), max_size=3))
def test_send_json_sends_what_a_response_sends(status: int, payload: bytes, headers: dict[str, str]) -> None:
    """Header for header, the bytes ``Response(payload, status, headers, "application/json")`` sends."""

    async def direct(scope: Any, receive: Any, send: Any) -> None:
        await send_json(send, status, payload, headers)

    expected = asyncio.run(_sent_by(Response(payload, status_code=status, headers=headers,
                                             media_type="application/json")))
    assert asyncio.run(_sent_by(direct)) == expected


_paths = st.one_of(
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(["/api", "/crm/sales/api", "/ap", "/crm/sales/apis"]),
              st.text(st.sampled_from("/ax1\n\r%."), max_size=8)),
    st.text(max_size=12).map(lambda text: "/" + text))


@given(path=_paths, root_path=st.sampled_from(["", "", "/root"]))
def test_the_shortcut_takes_what_the_rest_mounts_match_with_the_same_scope(path: str, root_path: str) -> None:
    """The REST shortcut hands a call to a mount exactly when the mount's own ``matches`` takes it, with
    the scope the app's router would have handed it; every other path goes on to the app's router."""
    sim = Simulator()
    mounts = [route for route in sim.app.routes if isinstance(route, RestMount)]
    reached: list[tuple[str, dict[str, Any]]] = []

    def recorder(name: str) -> Any:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            reached.append((name, dict(scope)))
        return app

    copies = [RestMount(mount.path, app=recorder(mount.path)) for mount in mounts]
    shortcut = RestShortcut(recorder("app router"), mounts=copies)
    scope = {"type": "http", "path": root_path + path, "root_path": root_path, "path_params": {}}
    asyncio.run(shortcut(dict(scope), _no_receive, _no_send))
    expected = [(mount, child) for mount in copies
                for match, child in [mount.matches(dict(scope))] if match is Match.FULL][:1]
    if not expected:
        assert [name for name, _ in reached] == ["app router"]
        return
    mount, child = expected[0]
    [(name, seen)] = reached
    assert name == mount.path and seen == {**scope, "route": mount, **child}


async def _no_receive() -> dict[str, Any]:
    raise AssertionError("nothing reads the body here")


async def _no_send(message: Any) -> None:
    raise AssertionError("nothing answers here")


def test_send_json_without_headers_of_its_own_runs_no_comprehension() -> None:
    """Counted: the Python frames an answer without headers of its own enters (a comprehension is one)."""
    import sys

    entered: list[str] = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            entered.append(frame.f_code.co_name)

    async def send(message: Any) -> None:
        pass

    async def answer() -> None:
        sys.setprofile(profile)
        try:
            await send_json(send, 200, b"{}", {})
        finally:
            sys.setprofile(None)

    asyncio.run(answer())
    assert "<listcomp>" not in entered and "send_json" in entered
