"""The users of a Freshsales account through the control API (records' ``owner_id`` must name one).

* ``GET /_sim/accounts/{subdomain}/users`` — ``{"users": [...]}``, the admin first.
* ``POST /_sim/accounts/{subdomain}/users`` ``{"email", "display_name"?, "role"?}`` — 201 with the user;
  409 when the email is taken in that account, 400 for a bad email or role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse

from fssim.control.http import ControlEndpoint, ControlError, account_of, field, read_json_object
from fssim.endpoints import Endpoint

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["ENDPOINTS", "add_user", "list_users"]


async def list_users(sim: Simulator, request: Request) -> JSONResponse:
    account = account_of(sim.freshsales.accounts, request)
    return JSONResponse({"users": sim.freshsales.users.list(account)})


async def add_user(sim: Simulator, request: Request) -> JSONResponse:
    account = account_of(sim.freshsales.accounts, request)
    body = await read_json_object(request)
    email = field(body, "email", str)
    try:
        user = sim.freshsales.users.add(account, email=email,
                                        display_name=field(body, "display_name", str, required=False),
                                        role=field(body, "role", str, required=False) or "sales_rep")
    except ValueError as error:
        status = 409 if "already exists" in str(error) else 400
        raise ControlError(status, str(error)) from error
    return JSONResponse({"user": user}, status_code=201)


ENDPOINTS: list[ControlEndpoint] = [
    Endpoint("GET", "/_sim/accounts/{subdomain}/users", list_users, "The account's users", "accounts"),
    Endpoint("POST", "/_sim/accounts/{subdomain}/users", add_user, "Add a user to the account", "accounts"),
]
