"""One HTTP exchange as plain values: what Segment's in-process delivery hands the Freshsales receiver.

Segment and Freshsales never import each other (DESIGN §4). Over the network they meet through HTTP;
in process, the app wires Segment's delivery straight to the receiver's core with these values, so a
delivered message costs no HTTP emulation (an httpx client, an ASGI transport, Starlette's request
and response objects) and yet runs the very same checks and rules as over a socket.

* :class:`WireRequest`: method, path, headers (names lower-case, the first of repeated ones, as
  Starlette's ``request.headers.get`` reads them) and the body's bytes; when the deliverer holds the
  body as a JSON value, the request carries it, and the bytes are rendered only if read.
* :class:`WireAnswer`: status, headers and the body's bytes, exactly as they would go on the wire.
* :class:`NoAnswer`: the receiver answers nothing (a forced dropped connection or time-out); the
  caller records it as the network error a client would meet (``ECONNRESET`` / ``ETIMEDOUT``), with
  :meth:`NoAnswer.describe` as its message, the same text an httpx client shows in process.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fssim import jsontext

__all__ = ["Exchange", "NoAnswer", "WireAnswer", "WireRequest", "answer_text", "json_answer", "json_body"]


def json_body(value: Any) -> bytes:
    """How Segment writes a message it delivers: ``json.dumps`` with its defaults, UTF-8."""
    return json.dumps(value).encode()


@dataclass(frozen=True, slots=True, eq=False)
class WireRequest:
    """One request. Made by :meth:`of` from bytes (what came over a socket), or by :meth:`of_json` from
    the JSON value a deliverer holds: then :attr:`rendered_from` keeps that value, the receiver reads it
    instead of parsing the bytes back, and the bytes are only rendered (:func:`json_body`) if somebody
    asks for :attr:`body`. Equal requests have equal method, path, headers and body bytes."""

    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    _body: bytes | None
    # (value,) when the body is ``json_body(value)``; the value must be plain JSON data that nobody
    # changes while the request is handled (a delivered message is: Segment never changes it).
    rendered_from: tuple[Any] | None = None

    @property
    def body(self) -> bytes:
        if self._body is None:
            assert self.rendered_from is not None
            object.__setattr__(self, "_body", json_body(self.rendered_from[0]))
        assert self._body is not None
        return self._body

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WireRequest):
            return NotImplemented
        return (self.method, self.path, dict(self.headers), self.body) == (
            other.method, other.path, dict(other.headers), other.body)

    @staticmethod
    def _headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Lower-cases the names and keeps the first of a repeated header (as Starlette's ``get`` does)."""
        kept: dict[str, str] = {}
        for name, value in headers:
            kept.setdefault(name.lower(), value)
        return kept

    @classmethod
    def of(cls, method: str, path: str, headers: Iterable[tuple[str, str]], body: bytes) -> WireRequest:
        return cls(method.upper(), path, cls._headers(headers), body)

    @classmethod
    def of_json(cls, method: str, path: str, headers: Iterable[tuple[str, str]], value: Any) -> WireRequest:
        """A request whose body is ``json_body(value)``, not rendered until read."""
        return cls(method.upper(), path, cls._headers(headers), None, (value,))


@dataclass(frozen=True, slots=True)
class WireAnswer:
    status: int
    headers: tuple[tuple[str, str], ...]  # in wire order, names lower-case
    body: bytes
    # (value,) when the body was rendered from that JSON value by :func:`json_answer`: an in-process
    # caller reads it instead of parsing the bytes back. Not compared: the bytes are the answer.
    rendered_from: tuple[Any] | None = field(default=None, compare=False, repr=False)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)


@dataclass(frozen=True, slots=True)
class NoAnswer:
    """No answer at all: ``reset`` drops the connection, ``timeout`` holds it past the caller's time-out
    (``hold`` seconds over a socket, then a 504)."""

    kind: Literal["reset", "timeout"]
    message: str
    hold: float = 0.0

    def describe(self) -> str:
        """What the caller's HTTP client says about it (the text httpx's own errors carry in process)."""
        if self.kind == "reset":
            return f"Server disconnected without sending a response ({self.message})"
        return f"timed out waiting for an answer ({self.message})"


# What the receiver's core is to whoever delivers to it in process.
Exchange = Callable[[WireRequest], Awaitable[WireAnswer | NoAnswer]]


# Starlette's JSONResponse.render, with an encoder built once (fssim.jsontext).
_starlette_json = jsontext.encoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def answer_text(content: Any, *, floatless: bool = False) -> str:
    """A JSON answer's body as text, before its UTF-8 encoding: what :func:`json_answer` sends.

    ``floatless``: the caller knows ``content`` holds no float (the rules' answers: names, messages and
    ids), so orjson, several times cheaper, writes the very same text."""
    if floatless and (text := jsontext.orjson_text(content)) is not None:
        return text.decode()  # json's very text (fssim.jsontext.orjson_text)
    return _starlette_json(content)


def json_answer(content: Any, status: int, headers: Mapping[str, str] | None = None, *,
                text: str | None = None) -> WireAnswer:
    """A JSON answer byte for byte as Starlette's ``JSONResponse`` renders it (compact, UTF-8, no NaN),
    with its headers in the same order (the given ones, then length and type), so an answer made here
    and one made by Starlette cannot be told apart on the wire.

    ``content`` must be plain JSON data (str keys, lists, scalars) that nobody changes afterwards: it is
    kept as :attr:`WireAnswer.rendered_from`, which then equals ``json.loads(body)``. ``text``: its
    :func:`answer_text`, when the caller has already rendered it (the receiver's exactly-once memory
    keeps that very text), so it is not rendered twice."""
    body = (_starlette_json(content) if text is None else text).encode()
    extra = tuple((name.lower(), value) for name, value in (headers or {}).items())
    return WireAnswer(status, (*extra, ("content-length", str(len(body))), ("content-type", "application/json")),
                      body, (content,))
