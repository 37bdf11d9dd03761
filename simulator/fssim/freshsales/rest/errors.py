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

from starlette.responses import JSONResponse

from fssim import strictjson
from fssim.freshsales.errors import ValidationError

__all__ = ["UNAUTHORIZED_BODY", "error_response", "parse_json", "unauthorized"]

UNAUTHORIZED_BODY = {"login": "failed", "message": "Incorrect or expired API key"}


def error_response(status: int, messages: list[str], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"errors": {"code": status, "message": messages}}, status_code=status, headers=headers)


def unauthorized() -> JSONResponse:
    return JSONResponse(UNAUTHORIZED_BODY, status_code=401)


def parse_json(raw: bytes) -> Any:
    """The request body as JSON; a 400 naming the problem when it is not JSON (strict JSON: no NaN or
    Infinity, which Python's json module would otherwise accept and later write back out)."""
    if not raw.strip():
        raise ValidationError("The request body is empty: send a JSON object")
    try:
        return strictjson.loads(raw)
    except strictjson.NotJSON as error:
        raise ValidationError(f"The request body is not valid JSON: {error}") from error
