"""The REST shortcut changes no answer: the same REST requests, sent in the same order to the app and to
the same app without the shortcut (Starlette's ExceptionMiddleware and Router, then the mount, as before
issue 12's cut), get the same status, the same headers and the same body bytes. Hypothesis makes the
requests: good and bad keys and hosts, known and unknown paths, trailing slashes, long ids, wrong
methods, bodies that are JSON, not JSON, or not an object."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig, _http_error
from fssim.guard import EdgeGuard
from fssim.segment.browser import TrackingCORS

_ids = st.sampled_from(["1", "2", "3", "99999", "abc", "12345678901234567890123", "0", "-1"])
_paths = st.builds(
    lambda prefix, template, record_id, slash: prefix + template.format(id=record_id) + slash,
    st.sampled_from(["/api", "/crm/sales/api", "/apis"]),
    st.sampled_from(["/leads", "/leads/{id}", "/contacts/{id}", "/leads/filters", "/leads/view/{id}",
                     "/leads/{id}/convert", "/contacts/upsert", "/contacts", "/no_such_thing", "", "/openapi.json"]),
    _ids, st.sampled_from(["", "", "/"]))
_bodies = st.one_of(
    st.none(), st.just(b"{not json"), st.just(b"[]"), st.just(b'{"lead": 5}'),
    st.builds(lambda email, name: f'{{"lead": {{"email": "{email}", "first_name": "{name}"}}}}'.encode(),
              st.sampled_from(["ada@example.com", "bob@example.com", "not-an-email"]),
              st.sampled_from(["Ada", "B\\u00f6b", ""])),
    st.builds(lambda email: f'{{"contact": {{"emails": ["{email}"]}}, "unique_identifier": {{"emails": "{email}"}}}}'
              .encode(), st.sampled_from(["ada@example.com", "cy@example.com"])))
_requests = st.tuples(
    st.sampled_from(["GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH"]), _paths,
    st.sampled_from(["", "include=tasks", "include=owner,tasks", "page=2"]),
    st.sampled_from(["Token token=acme-key", "Token token=acme-key", "Token token=wrong", None]),
    st.sampled_from([None, None, "acme.freshsales.io", "other.myfreshworks.com"]), _bodies)


def _without_the_shortcut(sim: Simulator) -> Starlette:
    """The app as it was built before the shortcut: the same routes and edge, no RestShortcut."""
    return Starlette(routes=sim.app.routes,
                     middleware=[Middleware(TrackingCORS, origins=sim.config.cors_origins),
                                 Middleware(EdgeGuard, allowed_hosts=sim.config.allowed_hosts)],
                     exception_handlers={HTTPException: _http_error})


def _answer(client: TestClient, request: tuple[Any, ...]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    method, path, query, authorization, host, body = request
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    if host is not None:
        headers["Host"] = host
    answer = client.request(method, f"{path}?{query}" if query else path, content=body, headers=headers)
    return answer.status_code, answer.headers.raw, answer.content


@given(requests=st.lists(_requests, min_size=1, max_size=8))
def test_rest_answers_are_the_same_bytes_with_and_without_the_shortcut(requests: list[tuple[Any, ...]]) -> None:
    before = Simulator(SimulatorConfig(frozen_clock=True))
    now = Simulator(SimulatorConfig(frozen_clock=True))
    before.clock.advance((now.clock.now() - before.clock.now()).total_seconds())  # one time for both worlds
    for sim in (before, now):
        sim.freshsales.accounts.create("acme", api_key="acme-key", plan="forest")
    old, new = TestClient(_without_the_shortcut(before)), TestClient(now.app)
    for request in requests:
        assert _answer(new, request) == _answer(old, request), request
