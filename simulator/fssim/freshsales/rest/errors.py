"""Error answers exactly as Freshsales clients parse them (reference §1.4 and §4).

* 401: ``{"login": "failed", "message": "Incorrect or expired API key"}`` — the real body.
* every other error: ``{"errors": {"code": N, "message": [...]}}``, the envelope the real 400 uses
  (a captured response). The reference's 403/404/429 samples come from a hand-written mock of low
  confidence; **simulator policy** uses the proven envelope for them too, because production clients
  (rudder-transformer) read ``errors.code`` and ``errors.message``. ``message`` is always an array with
  one entry per problem.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

from fssim import strictjson
from fssim.freshsales.errors import ValidationError

__all__ = ["UNAUTHORIZED_BODY", "error_response", "parse_json", "unauthorized"]

UNAUTHORIZED_BODY = {"login": "failed", "message": "Incorrect or expired API key"}


def error_response(status: int, messages: list[str], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"errors": {"code": status, "message": messages}}, status_code=status, headers=headers)


# Every byte but a digit becomes a space, a digit a 0: a run of 19 of them is a number orjson may not
# read exactly. It reads integers from -2**63 to 2**64 - 1 as integers and any other as a float: past
# 2**64 takes 20 digits, but below -2**63 only a minus and 19 (-9223372036854775809).
_DIGIT_RUNS = bytes.maketrans(bytes(range(256)), bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256)))
_LONG_RUN = b"0" * 19
_SLOW = object()


def _read_quickly(raw: bytes) -> Any:
    """What :func:`fssim.strictjson.loads` reads from ``raw``, by orjson (several times cheaper: issue 12),
    or ``_SLOW`` when strictjson must read it. orjson reads strict JSON alike (no NaN, no Infinity, no
    out-of-range float, no lone surrogate, the last of repeated keys in the first one's place); it
    differs only on what is left to strictjson here: integers of 19 digits or more, nesting that may be
    deeper than strictjson's limit (more brackets than that), a byte order mark, and every error, whose
    message strictjson writes."""
    if raw.count(b"{") + raw.count(b"[") > strictjson.MAX_DEPTH or _LONG_RUN in raw.translate(_DIGIT_RUNS):
        return _SLOW
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _SLOW


def unauthorized() -> JSONResponse:
    return JSONResponse(UNAUTHORIZED_BODY, status_code=401)


def parse_json(raw: bytes) -> Any:
    """The request body as JSON; a 400 naming the problem when it is not JSON (strict JSON: no NaN or
    Infinity, which Python's json module would otherwise accept and later write back out)."""
    if not raw.strip():
        raise ValidationError("The request body is empty: send a JSON object")
    quick = _read_quickly(raw)
    if quick is not _SLOW:
        return quick
    try:
        return strictjson.loads(raw)
    except strictjson.NotJSON as error:
        raise ValidationError(f"The request body is not valid JSON: {error}") from error
