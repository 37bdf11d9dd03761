"""The Segment HTTP Tracking API: ``POST /v1/identify|track|page|screen|group|alias|batch|import``.

What the edge checks before answering (reference/segment.md §2): the body (gzip when
``Content-Encoding: gzip``), the size limits and that it is JSON; everything else is answered
``200 {"success": true}`` and sorted out afterwards (``pipeline.py``). The write key comes from HTTP
Basic (key as user), from ``writeKey`` in the body, or from the body next to a Bearer token.

Error bodies carry ``code`` as well as Segment's ``success``/``message``: the official Python SDK up to
2.3.x turns a JSON error without ``code`` into a ``KeyError`` and then retries even a 400 eleven times
(reference/segment.md §3.7), so a ``code`` makes our 400s final for every SDK version.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute

from fssim import jsontext, strictjson
from fssim.endpoints import Endpoint, bound_to, to_routes
from fssim.errors import Refusal
from fssim.segment.browser import SHORT_PATHS
from fssim.segment.pipeline import IngestResult
from fssim.segment.spec import MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, MESSAGE_TYPES

__all__ = ["ENDPOINTS", "TrackingError", "tracking_routes", "write_key_of"]

SINGLE_CALLS = MESSAGE_TYPES
BATCH_CALLS = ("batch", "import")

Ingest = Callable[[str, list[Any], dict[str, Any], str], IngestResult | None]
TrackingHandler = Callable[[Ingest, Request], Awaitable[JSONResponse]]


class TrackingError(Refusal):
    """A request the edge refuses outright (400/401): nothing from it is stored."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code

    def to_json(self) -> dict[str, Any]:
        # Segment's own error fields plus ``code``, which makes the SDKs treat the 400 as final.
        return {"success": False, "code": self.code, "message": self.message}


def _basic_user(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as error:  # ValueError: non-ASCII text; also bad UTF-8 inside
        raise TrackingError(400, "invalid_authorization", "the Basic Authorization header is not valid "
                            "base64 of 'writeKey:' in UTF-8") from error
    # The docs ask for "key:" but accept a bare key for backward compatibility (reference §2.2).
    return decoded.partition(":")[0]


def write_key_of(authorization: str | None, body: dict[str, Any]) -> str | None:
    """The write key from Basic auth, else from the body (plain, or beside a Bearer token)."""
    if authorization:
        user = _basic_user(authorization)
        if user:
            return user
    key = body.get("writeKey")
    return key if isinstance(key, str) and key.strip() else None


async def _read_body(request: Request, limit: int) -> bytes:
    raw = await request.body()
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        try:
            # Decompress at most one byte past the limit: a tiny gzip bomb must not cost memory.
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            raw = inflater.decompress(raw, limit + 1)
            if not inflater.eof and len(raw) <= limit:
                raise TrackingError(400, "invalid_gzip", "the gzip body is truncated")
        except zlib.error as error:
            raise TrackingError(400, "invalid_gzip",
                                f"Content-Encoding is gzip but the body is not: {error}") from error
    elif encoding not in ("", "identity"):
        raise TrackingError(400, "unsupported_encoding", f"Content-Encoding {encoding!r} is not supported; "
                            "send gzip or no encoding")
    if len(raw) > limit:
        raise TrackingError(400, "payload_too_large", f"Exceed payload limit: the body is over {limit // 1024} KB "
                            f"({len(raw)} bytes)")
    return raw


def _parse(raw: bytes) -> dict[str, Any]:
    # Strict: NaN or 1e999 stored in the logs would make every later read of them fail.
    try:
        body = strictjson.loads(raw)
    except strictjson.NotJSON as error:
        raise TrackingError(400, "invalid_json", f"Invalid JSON: {error}") from error
    if not isinstance(body, dict):
        raise TrackingError(400, "invalid_json", f"the body must be a JSON object, not {type(body).__name__}")
    return body


# A message's size is that of its compact JSON (ASCII: characters are bytes). One encoder for every
# call (fssim.jsontext): ``json.dumps`` with separators builds a new one each time.
_COMPACT = jsontext.encoder(separators=(",", ":"))


# How much longer than its text a parsed JSON value can print compactly with ASCII escapes: a byte of
# 0x7f or above becomes at most a 6-byte escape (5 more; a character of 2 to 4 UTF-8 bytes at most 12),
# a number that is a float at most 24 characters ("-1.2345678901234567e-308") from a text of at least
# 3 ("1e5"); everything else prints as long as its text or shorter (no spaces, the same escapes).
# Every float's text has a digit followed by ".", "e" or "E" (so do some strings: that only adds). With
# every digit made "0", bytes.count finds them in C; a regular expression took 50 instructions a byte.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NOT_ASCII = bytes(range(0x7F))


def _printed_at_most(raw: bytes) -> int:
    """An upper bound of the compact ASCII JSON of anything parsed from ``raw``, in bytes."""
    not_ascii = 0 if raw.isascii() and b"\x7f" not in raw else len(raw.translate(None, _NOT_ASCII))
    digits = raw.translate(_DIGITS_AS_ZERO)
    floats = digits.count(b"0.") + digits.count(b"0e") + digits.count(b"0E")
    return len(raw) + 5 * not_ascii + 21 * floats


def _batch_items(body: dict[str, Any], raw: bytes) -> list[Any]:
    items = body.get("batch")
    if not isinstance(items, list):
        raise TrackingError(400, "invalid_batch", "'batch' is required and must be an array of messages")
    if _printed_at_most(raw) <= MAX_MESSAGE_BYTES:
        # The whole body prints within one message's limit, so each of its messages does: no encoding.
        return items
    if len(_COMPACT(items)) <= MAX_MESSAGE_BYTES:
        # The whole array is within one message's limit, so each of its messages is: one encoding for
        # all of them (a batch of 100 SDK messages is about 20 KB) instead of one per message.
        return items
    for position, item in enumerate(items):
        size = len(_COMPACT(item))
        if size > MAX_MESSAGE_BYTES:
            raise TrackingError(400, "message_too_large", f"Exceed payload limit: batch[{position}] is {size} bytes; "
                                f"a message may be at most {MAX_MESSAGE_BYTES // 1024} KB")
    return items


def _handler(call: str) -> TrackingHandler:
    """The handler of ``POST /v1/{call}``: read, check and hand the messages to ``ingest``."""
    batch_call = call in BATCH_CALLS

    async def handle(ingest: Ingest, request: Request) -> JSONResponse:
        raw = await _read_body(request, MAX_BATCH_BYTES if batch_call else MAX_MESSAGE_BYTES)
        body = _parse(raw)
        write_key = write_key_of(request.headers.get("authorization"), body)
        if write_key is None:
            raise TrackingError(400, "invalid_write_key", "An invalid write key was provided: send it as "
                                "HTTP Basic user ('KEY:') or as 'writeKey' in the body")
        if batch_call:
            items = _batch_items(body, raw)
            shared: dict[str, Any] = {k: body[k] for k in ("context", "integrations", "sentAt") if k in body}
        else:
            # The path names the call; a stray "type" in the body does not change it.
            items = [{**body, "type": call}]
            shared = {"sentAt": body["sentAt"]} if "sentAt" in body else {}
        ingest(request.url.path, items, shared, write_key)
        return JSONResponse({"success": True})

    handle.__name__ = call  # named after its call, like a hand-written handler would be
    return handle


ENDPOINTS: list[Endpoint[TrackingHandler]] = [
    *(Endpoint("POST", f"/v1/{call}", _handler(call), f"One {call} message", "tracking") for call in SINGLE_CALLS),
    *(Endpoint("POST", f"/v1/{call}", _handler(call), f"Up to {MAX_BATCH_BYTES // 1024} KB of messages",
               "tracking") for call in BATCH_CALLS),
    # analytics.js's one-letter paths (/v1/t, /v1/b…) are the same calls, with the same checks and logs.
    *(Endpoint("POST", f"/v1/{short}", _handler(call), f"analytics.js's short path for {call}", "tracking")
      for short, call in SHORT_PATHS.items()),
]


def tracking_routes(ingest: Ingest) -> list[BaseRoute]:
    """``ingest(path, items, batch_fields, write_key)`` does the rest (see ``Segment.ingest``); a
    :class:`TrackingError` on the way is answered by the routes (:func:`fssim.endpoints.to_routes`)."""
    return to_routes(ENDPOINTS, bound_to(ingest))
