"""Error answers exactly as Freshsales clients parse them (reference §1.4 and §4).

* 401: ``{"login": "failed", "message": "Incorrect or expired API key"}`` — the real body.
* every other error: ``{"errors": {"code": N, "message": [...]}}``, the envelope the real 400 uses
  (a captured response). The reference's 403/404/429 samples come from a hand-written mock of low
  confidence; **simulator policy** uses the proven envelope for them too, because production clients
  (rudder-transformer) read ``errors.code`` and ``errors.message``. ``message`` is always an array with
  one entry per problem.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import JSONResponse

from simulator.freshsales.errors import ValidationError

__all__ = ["UNAUTHORIZED_BODY", "error_response", "parse_json", "unauthorized"]

UNAUTHORIZED_BODY = {"login": "failed", "message": "Incorrect or expired API key"}


def error_response(status: int, messages: list[str], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"errors": {"code": status, "message": messages}}, status_code=status, headers=headers)


def unauthorized() -> JSONResponse:
    return JSONResponse(UNAUTHORIZED_BODY, status_code=401)


class _NotJSONNumber(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotJSONNumber(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    # Python reads 1e999 as inf; stored, it would make every later answer about the record invalid JSON.
    value = float(text)
    if not math.isfinite(value):
        raise _NotJSONNumber(f"{text} is too large for a number")
    return value


def parse_json(raw: bytes) -> Any:
    """The request body as JSON; a 400 naming the problem when it is not JSON (strict JSON: no NaN or
    Infinity, which Python's json module would otherwise accept and later write back out)."""
    if not raw.strip():
        raise ValidationError("The request body is empty: send a JSON object")
    try:
        return json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError and _NotJSONNumber are ValueErrors
        raise ValidationError(f"The request body is not valid JSON: {error}") from error
    except RecursionError:
        raise ValidationError("The request body is not valid JSON: it is nested too deeply") from None
