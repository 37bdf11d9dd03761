"""Sizes enforced while reading (issue 10, defect 5): a declared or streamed body over its surface's limit is
refused before anything reads it whole, before any authentication, with JSON naming the limit; REST text
fields have a length limit of their own."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from fssim.freshsales.fields import MAX_FIELD_BYTES
from fssim.guard import CONTROL_BODY_LIMIT, RECEIVER_BODY_LIMIT, REST_BODY_LIMIT
from fssim.server import ServerThread

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(("path", "headers", "status", "limit"), [
    ("/_sim/accounts", JSON, 413, CONTROL_BODY_LIMIT),
    ("/api/leads", JSON, 413, REST_BODY_LIMIT),  # no key: the size is checked first
    ("/crm/sales/api/leads", {"Authorization": "Token token=acme-key", **JSON}, 413, REST_BODY_LIMIT),
    ("/integrations/segment", {"Authorization": "Basic YWNtZS1rZXk6", **JSON}, 413, RECEIVER_BODY_LIMIT),
    ("/v1/batch", {"Authorization": "Basic d2ViLWtleTo=", **JSON}, 400, 500 * 1024),
    ("/v1/track", {"Authorization": "Basic d2ViLWtleTo=", **JSON}, 400, 32 * 1024),
])
def test_a_declared_length_over_the_limit_is_refused_before_reading(client: TestClient, path: str,
                                                                    headers: dict[str, str], status: int,
                                                                    limit: int) -> None:
    client.post("/_sim/accounts", json={"subdomain": "acme", "api_key": "acme-key"})
    before = client.get("/_sim/state").json()
    answer = client.post(path, content=b"{" + b" " * (limit + 2048) + b"}", headers=headers)
    assert answer.status_code == status, answer.text[:200]
    text = answer.text
    assert ("1 MiB" in text or "KB" in text) and ("limit" in text or "payload_too_large" in text)
    if path.startswith("/v1"):
        assert answer.json()["code"] == "payload_too_large"  # Segment's own answer (reference §2)
    elif path.startswith(("/api", "/crm")):
        assert answer.json()["errors"]["code"] == 413  # Freshsales' error shape
    else:
        assert answer.json()["limit"] == limit
    assert client.get("/_sim/state").json() == before


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    yield b'{"subdomain":"'
    sent = 0
    while sent < total:
        yield b"a" * size
        sent += size
    yield b'"}'


def test_a_streamed_body_without_length_is_cut_at_the_limit_and_the_server_carries_on(live: ServerThread) -> None:
    # A raw chunked request: the server must answer as soon as the limit is passed, not after reading it all.
    host, port = live.host, live.port
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(f"POST /_sim/accounts HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode())
        sent = 0
        answer = b""
        sock.settimeout(0.05)
        for chunk in _chunks(8 * CONTROL_BODY_LIMIT):
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except OSError:
                break
            sent += len(chunk)
            try:
                answer += sock.recv(65536)
            except TimeoutError:
                continue
            if b"\r\n\r\n" in answer:
                break
        sock.settimeout(30)
        while b"}" not in answer:
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"1 MiB" in answer
    assert sent < 3 * CONTROL_BODY_LIMIT  # refused while reading, long before the 8 MiB were sent
    with httpx.Client(base_url=live.base_url) as http:
        assert http.get("/_sim/health").status_code == 200
        assert http.get("/_sim/accounts").json()["accounts"] == []


def test_a_bad_content_length_is_a_json_400(live: ServerThread) -> None:
    with socket.create_connection((live.host, live.port), timeout=30) as sock:
        sock.sendall(b"POST /_sim/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999999999999999\r\n"
                     b"Content-Type: application/json\r\n\r\n")
        answer = sock.recv(65536)
    # uvicorn itself may refuse the header first; either way the answer is a 4xx, never a 5xx.
    assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 413")), answer[:200]


def test_gzip_bodies_just_under_the_limit_still_reach_the_tracking_api(client: TestClient) -> None:
    import gzip
    import json

    client.post("/_sim/sources", json={"name": "web", "write_key": "web-key"})
    batch = {"batch": [{"type": "track", "userId": f"u{i}", "event": "E", "properties": {"p": "x" * 20_000}}
                       for i in range(24)]}
    raw = json.dumps(batch).encode()
    assert len(raw) < 500 * 1024
    answer = client.post("/v1/batch", content=gzip.compress(raw), headers={"Content-Encoding": "gzip",
                                                                           "Authorization": "Basic d2ViLWtleTo=",
                                                                           **JSON})
    assert answer.status_code == 200


@pytest.mark.parametrize("field", ["first_name", "job_title", "cf_notes"])
def test_rest_text_fields_have_a_length_limit(client: TestClient, field: str) -> None:
    client.post("/_sim/accounts", json={"subdomain": "acme", "api_key": "acme-key"})
    client.post("/_sim/accounts/acme/fields", json={"entity": "lead", "name": "cf_notes", "type": "text"})
    key = {"Authorization": "Token token=acme-key"}
    lead = {"email": "ada@example.com", field: "x" * (MAX_FIELD_BYTES + 1)}
    if field.startswith("cf_"):
        lead = {"email": "ada@example.com", "custom_field": {field: "x" * (MAX_FIELD_BYTES + 1)}}
    answer = client.post("/api/leads", json={"lead": lead}, headers=key)
    assert answer.status_code == 400
    assert field in str(answer.json()) and str(MAX_FIELD_BYTES) in str(answer.json())
    lead_ok = {"email": "ada@example.com", "first_name": "x" * MAX_FIELD_BYTES}
    assert client.post("/api/leads", json={"lead": lead_ok}, headers=key).status_code in (200, 201)
