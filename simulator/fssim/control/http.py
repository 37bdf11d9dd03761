"""What every control endpoint needs: its handler shape, reading a JSON object, errors that name the problem.

Each control module declares ``ENDPOINTS``, a table of :class:`fssim.endpoints.Endpoint` rows whose
handlers are small functions ``async def handler(sim, request)`` (:data:`ControlHandler`). They raise
:class:`ControlError` (or let a domain :class:`~fssim.errors.Refusal` through); the routes turn it into
``{"message": ...}`` with its status code, so a test in any language gets an answer it can act on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from fssim import strictjson
from fssim.endpoints import Endpoint
from fssim.errors import Refusal
from fssim.freshsales.accounts import Account, Accounts
from fssim.masking import masked

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["ControlEndpoint", "ControlError", "ControlHandler", "account_of", "field", "read_json_object", "shown"]


ControlHandler = Callable[["Simulator", Request], Awaitable[Response]]
ControlEndpoint = Endpoint[ControlHandler]


class ControlError(Refusal):
    """A control request refused: ``{"message": ...}`` with ``status_code``, rendered by the routes."""


async def read_json_object(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    """The body as a JSON object, or a 400 that says what is wrong with it."""
    raw = await request.body()
    if not raw.strip():
        if allow_empty:
            return {}
        raise ControlError(400, "the request body is empty: send a JSON object")
    try:
        body = strictjson.loads(raw)
    except strictjson.NotJSON as error:
        raise ControlError(400, f"the request body is not valid JSON: {error}") from error
    if not isinstance(body, dict):
        raise ControlError(400, f"the request body must be a JSON object, not {type(body).__name__}")
    return body


def shown(sim: Simulator, document: Any) -> Any:
    """``document`` as a control answer shows it: keys masked unless ``fssim serve --show-keys``."""
    return document if sim.config.show_keys else masked(document)


def account_of(accounts: Accounts, request: Request) -> Account:
    """The account the path's ``{subdomain}`` names, or a 404 that says how to create it."""
    subdomain = request.path_params["subdomain"]
    account = accounts.get(subdomain)
    if account is None:
        raise ControlError(404, f"no Freshsales account with subdomain {subdomain!r} "
                                "(create it with POST /_sim/accounts)")
    return account


def field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
    """One field of a control request, checked for presence and type (bool is not an int here)."""
    if name not in body or body[name] is None:
        if required:
            raise ControlError(400, f"'{name}' is required")
        return None
    value = body[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise ControlError(400, f"'{name}' must be {_names(kinds)}, not a boolean")
    if not isinstance(value, kinds):
        raise ControlError(400, f"'{name}' must be {_names(kinds)}, not {type(value).__name__}")
    return value


def _names(kinds: tuple[type, ...]) -> str:
    words = {str: "a string", int: "an integer", float: "a number", bool: "a boolean", dict: "an object",
             list: "an array"}
    return " or ".join(words.get(kind, kind.__name__) for kind in kinds)
