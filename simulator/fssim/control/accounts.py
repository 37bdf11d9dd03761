"""Freshsales accounts through the control API (DESIGN §3).

* ``POST /_sim/accounts`` ``{"subdomain", "plan", "api_key", "product"}`` — 201 with the account;
  ``plan`` defaults to garden, ``product`` to classic, a missing ``api_key`` is generated.
* ``GET /_sim/accounts`` and ``GET /_sim/accounts/{subdomain}`` (keys masked, ``****abcd``).
* ``GET /_sim/accounts/{subdomain}/api-key`` — the account's first API key in full, for tests.
* ``POST /_sim/accounts/{subdomain}/api_keys`` ``{"api_key"?}`` — one more key for the account.
* ``POST /_sim/accounts/{subdomain}/fields`` ``{"entity": "lead"|"contact", "name": "cf_x", "type", "label"?,
  "choices"?}`` — define a custom field.
* ``POST /_sim/accounts/{subdomain}/rate_limits`` ``{"enabled": false}`` — the per-account plan-limit
  switch (R12); ``fssim serve --no-rate-limits`` turns limits off for every account.
* ``POST /_sim/accounts/{subdomain}/plan`` ``{"plan"}`` — change plan (e.g. to show Sprout's 403).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from fssim.control.http import ControlEndpoint, ControlError, account_of, field, read_json_object, shown
from fssim.endpoints import Endpoint
from fssim.freshsales.accounts import Account, AccountExistsError
from fssim.freshsales.plans import DEFAULT_PLAN

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["ENDPOINTS", "add_key", "api_key", "create", "define_field", "get_account", "list_accounts", "plan",
           "rate_limits"]


def _answer(sim: Simulator, account: Account, status: int = 200, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = account.to_json()
    body["rate_limits_in_force"] = sim.freshsales.rate_limiter.applies_to(account)
    return JSONResponse({**extra, "account": shown(sim, body)}, status_code=status)


async def create(sim: Simulator, request: Request) -> JSONResponse:
    body = await read_json_object(request)
    subdomain = field(body, "subdomain", str)
    plan = field(body, "plan", str, required=False) or DEFAULT_PLAN
    api_key = field(body, "api_key", str, required=False)
    product = field(body, "product", str, required=False) or "classic"
    try:
        account = sim.freshsales.accounts.create(subdomain, plan=plan, api_key=api_key, product=product)
    except AccountExistsError as error:
        raise ControlError(409, str(error)) from error
    except ValueError as error:
        raise ControlError(400, str(error)) from error
    if api_key is None:
        # A generated key is news to the caller: this answer, and GET .../api-key, are where it is shown.
        return _answer(sim, account, 201, api_key=account.api_key)
    return _answer(sim, account, 201)


async def list_accounts(sim: Simulator, request: Request) -> JSONResponse:
    return JSONResponse({"accounts": [shown(sim, account.to_json()) for account in sim.freshsales.accounts.all()]})


async def api_key(sim: Simulator, request: Request) -> JSONResponse:
    """The one place an account's key is shown in full (answers elsewhere mask it): for tests."""
    return JSONResponse({"api_key": account_of(sim.freshsales.accounts, request).api_key})


async def get_account(sim: Simulator, request: Request) -> JSONResponse:
    return _answer(sim, account_of(sim.freshsales.accounts, request))


async def add_key(sim: Simulator, request: Request) -> JSONResponse:
    accounts = sim.freshsales.accounts
    account = account_of(accounts, request)
    body = await read_json_object(request, allow_empty=True)
    try:
        key = accounts.add_api_key(account.subdomain, field(body, "api_key", str, required=False))
    except AccountExistsError as error:
        raise ControlError(409, str(error)) from error
    except ValueError as error:
        raise ControlError(400, str(error)) from error
    # The new key in full (the caller asked for it); the account's list of keys masked.
    return JSONResponse({"api_key": key, "account": shown(sim, accounts.require(account.subdomain).to_json())},
                        status_code=201)


async def define_field(sim: Simulator, request: Request) -> JSONResponse:
    accounts = sim.freshsales.accounts
    account = account_of(accounts, request)
    body = await read_json_object(request)
    entity = field(body, "entity", str)
    choices = field(body, "choices", list, required=False)
    try:
        spec = accounts.define_custom_field(
            account.subdomain, entity, field(body, "name", str), field(body, "type", str, required=False) or "text",
            label=field(body, "label", str, required=False), choices=choices)
    except ValueError as error:
        raise ControlError(400, str(error)) from error
    return JSONResponse({"field": {"entity": entity, "name": spec.name, "type": spec.type,
                                   "label": spec.label, "choices": list(spec.choices)}}, status_code=201)


async def rate_limits(sim: Simulator, request: Request) -> JSONResponse:
    accounts = sim.freshsales.accounts
    account = account_of(accounts, request)
    enabled = field(await read_json_object(request), "enabled", bool)
    return _answer(sim, accounts.set_rate_limits(account.subdomain, enabled))


async def plan(sim: Simulator, request: Request) -> JSONResponse:
    accounts = sim.freshsales.accounts
    account = account_of(accounts, request)
    try:
        return _answer(sim, accounts.set_plan(account.subdomain, field(await read_json_object(request), "plan", str)))
    except ValueError as error:
        raise ControlError(400, str(error)) from error


_ACCOUNT = "/_sim/accounts/{subdomain}"

ENDPOINTS: list[ControlEndpoint] = [
    Endpoint("POST", "/_sim/accounts", create, "Create a Freshsales account", "accounts"),
    Endpoint("GET", "/_sim/accounts", list_accounts, "Every account", "accounts"),
    Endpoint("GET", _ACCOUNT, get_account, "One account", "accounts"),
    Endpoint("GET", f"{_ACCOUNT}/api-key", api_key, "The account's API key in full (answers mask it)", "accounts"),
    Endpoint("POST", f"{_ACCOUNT}/api_keys", add_key, "One more API key for the account", "accounts"),
    Endpoint("POST", f"{_ACCOUNT}/fields", define_field, "Define a custom field (cf_*)", "accounts"),
    # POST or PUT, both as before.
    Endpoint("POST", f"{_ACCOUNT}/rate_limits", rate_limits, "The account's plan-limit switch (R12)", "accounts"),
    Endpoint("PUT", f"{_ACCOUNT}/rate_limits", rate_limits, "The account's plan-limit switch (R12)", "accounts"),
    Endpoint("POST", f"{_ACCOUNT}/plan", plan, "Change the account's plan", "accounts"),
    Endpoint("PUT", f"{_ACCOUNT}/plan", plan, "Change the account's plan", "accounts"),
]
