"""Faults on demand (``/_sim/accounts/{subdomain}/failures``): make Freshsales fail on purpose.

* ``POST`` one rule: ``{"status": 429, "retry_after": 30, "count": 3}``, ``{"status": 500,
  "probability": 0.3, "seed": 7}``, ``{"latency": 2}``, ``{"kind": "reset", "count": 1}``,
  ``{"kind": "timeout", "hold": 20}``, on Segment's deliveries (the default) or, with ``"surface":
  "rest"`` plus optional ``"method"`` and ``"path"`` (``"/api/leads*"``), on the REST API. Lifetime:
  ``count``, ``seconds`` of simulated time, or neither (until cleared). Rules add up; ``"replace":
  true`` drops the account's others first. The answer carries the rule, with its ``id`` and ``seed``.
* ``GET``: ``{"failures": [...]}`` (active rules, oldest first) and ``"failure"``, the first of them
  (the original one-rule answer).
* ``DELETE``: every rule; ``DELETE .../failures/{id}``: one.

The rules and what each field means: :mod:`fssim.freshsales.forced_failures`; how they are acted out
on the wire: :mod:`fssim.freshsales.fault_answers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from fssim.control.http import ControlEndpoint, ControlError, account_of, read_json_object
from fssim.endpoints import Endpoint

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["ENDPOINTS", "clear_failure", "clear_failures", "force_failures", "show_failures"]


def _listing(sim: Simulator, subdomain: str) -> dict[str, Any]:
    rules = sim.freshsales.forced_failures.rules(subdomain)
    return {"subdomain": subdomain, "failure": rules[0] if rules else None, "failures": rules}


async def show_failures(sim: Simulator, request: Request) -> JSONResponse:
    account = account_of(sim.freshsales.accounts, request)
    return JSONResponse(_listing(sim, account.subdomain))


async def force_failures(sim: Simulator, request: Request) -> JSONResponse:
    account = account_of(sim.freshsales.accounts, request)
    body = await read_json_object(request)
    replace = body.pop("replace", False)
    if not isinstance(replace, bool):
        raise ControlError(400, f"'replace' must be true or false, got {replace!r}")
    try:
        rule = sim.freshsales.forced_failures.add(account.subdomain, body, replace=replace)
    except ValueError as error:
        raise ControlError(400, str(error)) from error
    return JSONResponse({**_listing(sim, account.subdomain), "failure": rule})


async def clear_failures(sim: Simulator, request: Request) -> JSONResponse:
    account = account_of(sim.freshsales.accounts, request)
    cleared = sim.freshsales.forced_failures.clear(account.subdomain)
    return JSONResponse({"subdomain": account.subdomain, "cleared": bool(cleared), "removed": cleared})


async def clear_failure(sim: Simulator, request: Request) -> JSONResponse:
    account = account_of(sim.freshsales.accounts, request)
    rule_id = request.path_params["rule_id"]
    if not sim.freshsales.forced_failures.clear(account.subdomain, rule_id):
        raise ControlError(404, f"account {account.subdomain!r} has no active forced failure #{rule_id} "
                                f"(GET /_sim/accounts/{account.subdomain}/failures lists them)")
    return JSONResponse({"subdomain": account.subdomain, "cleared": True, "removed": 1})


_FAILURES = "/_sim/accounts/{subdomain}/failures"

ENDPOINTS: list[ControlEndpoint] = [
    Endpoint("GET", _FAILURES, show_failures, "The account's active forced failures", "faults"),
    Endpoint("POST", _FAILURES, force_failures, "Add a forced failure (Segment deliveries or REST)", "faults"),
    Endpoint("DELETE", _FAILURES, clear_failures, "Remove every forced failure of the account", "faults"),
    Endpoint("DELETE", _FAILURES + "/{rule_id:int}", clear_failure, "Remove one forced failure", "faults"),
]
