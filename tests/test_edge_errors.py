"""Every error is JSON with a status that names the problem, and the connection stays up (issue 10, defect 4).

Before: a non-ASCII ``Authorization: Basic`` on ``/v1/*`` and ``/integrations/segment``, and a REST path id of
more than 4,300 digits (even without a key), were plain-text 500s after which uvicorn dropped the connection.
"""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from fssim.server import ServerThread

ROUTES = [("POST", "/v1/track"), ("POST", "/v1/batch"), ("POST", "/v1/t"), ("POST", "/integrations/segment"),
          ("GET", "/api/leads/filters"), ("POST", "/api/leads"), ("GET", "/crm/sales/api/contacts/1")]
BODY = b'{"userId":"a@example.com","event":"E","batch":[],"type":"track"}'


def _connection(response: httpx.Response) -> Any:
    """The local address of the socket the answer came on: the same value means the same connection."""
    return response.extensions["network_stream"].get_extra_info("client_addr")


def _answered_in_json_and_kept(http: httpx.Client, method: str, path: str, **options: Any) -> httpx.Response:
    answer = http.request(method, path, **options)
    assert answer.status_code < 500, (path, answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/json"), answer.text[:300]
    assert isinstance(answer.json(), dict | list)
    after = http.get("/_sim/health")
    assert after.status_code == 200
    assert _connection(after) == _connection(answer), "the server dropped the keep-alive connection"
    return answer


def _world(http: httpx.Client) -> None:
    http.post("/_sim/accounts", json={"subdomain": "acme", "api_key": "acme-key"}).raise_for_status()
    http.post("/_sim/sources", json={"name": "web", "write_key": "web-key"}).raise_for_status()


def test_a_non_ascii_basic_header_is_a_json_4xx_and_the_connection_stays(live: ServerThread) -> None:
    with httpx.Client(base_url=live.base_url) as http:
        _world(http)
        for path in ("/v1/track", "/v1/batch", "/integrations/segment"):
            answer = _answered_in_json_and_kept(http, "POST", path, content=BODY,
                                                headers={"Authorization": "Basic \u00e9t\u00e9".encode("latin-1"),
                                                         "Content-Type": "application/json"})
            assert answer.status_code in (400, 401)
        settings_header = {"X-Segment-Settings": "\u00ff\u00fe".encode("latin-1"),
                           "Authorization": "Basic YWNtZS1rZXk6", "Content-Type": "application/json"}
        assert _answered_in_json_and_kept(http, "POST", "/integrations/segment", content=BODY,
                                          headers=settings_header).status_code == 400


def test_a_path_id_of_thousands_of_digits_is_a_json_404_with_or_without_a_key(live: ServerThread) -> None:
    with httpx.Client(base_url=live.base_url) as http:
        _world(http)
        for key in ({}, {"Authorization": "Token token=acme-key"}):
            for path in (f"/api/leads/{'9' * 5000}", f"/crm/sales/api/contacts/{'1' * 4301}/activities",
                         f"/api/leads/view/{'7' * 30}"):
                answer = _answered_in_json_and_kept(http, "GET", path, headers=key)
                assert answer.status_code == 404
                assert "id" in answer.json()["errors"]["message"][0]
        ordinary = http.get("/api/leads/123", headers={"Authorization": "Token token=acme-key"})
        assert ordinary.status_code == 404 and "errors" in ordinary.json()


# Header values as bytes: anything HTTP lets through (visible ASCII, tabs and spaces inside, and any byte
# of 0x80 or more), ASCII or not.
def _field_value(raw: bytes) -> bytes:
    return bytes(c for c in raw if c in (9, 32) or 33 <= c <= 126 or c >= 128).strip()


header_bytes = st.binary(max_size=60).map(_field_value)
authorization = st.one_of(
    header_bytes,
    st.tuples(st.sampled_from([b"Basic ", b"basic ", b"Bearer ", b"Token token=", b"Token token=\""]),
              header_bytes).map(b"".join),
    st.text(max_size=30).map(lambda t: b"Basic " + t.encode("utf-8")),
).map(_field_value)
path_ids = st.one_of(st.integers(min_value=-(10**30), max_value=10**30).map(str),
                     st.integers(min_value=1, max_value=6000).map(lambda n: "8" * n),
                     st.text(alphabet="0123456789-+_ .", min_size=1, max_size=40))


@settings(max_examples=20)
@given(route=st.sampled_from(ROUTES), header=authorization)
def test_fuzzed_authorization_headers_get_json_and_keep_the_connection(live: ServerThread, route: tuple[str, str],
                                                                       header: bytes) -> None:
    method, path = route
    with httpx.Client(base_url=live.base_url) as http:
        _answered_in_json_and_kept(http, method, path, content=BODY if method == "POST" else None,
                                   headers={"Authorization": header, "Content-Type": "application/json"})


@settings(max_examples=20)
@given(prefix=st.sampled_from(["/api/leads/", "/api/contacts/", "/crm/sales/api/notes/", "/api/leads/view/"]),
       ident=path_ids, keyed=st.booleans())
def test_fuzzed_path_ids_get_json_and_keep_the_connection(live: ServerThread, prefix: str, ident: str,
                                                          keyed: bool) -> None:
    with httpx.Client(base_url=live.base_url) as http:
        if keyed and http.get("/_sim/accounts/acme").status_code == 404:
            _world(http)
        headers = {"Authorization": "Token token=acme-key"} if keyed else {}
        _answered_in_json_and_kept(http, "GET", prefix + ident, headers=headers)
