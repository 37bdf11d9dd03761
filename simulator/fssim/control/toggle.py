"""The Freshsales side of the Segment toggle (R1, R2) and the receiver's forced failures.

* ``POST /_sim/accounts/{subdomain}/segment/enable`` ``{"source": NAME}`` — what an administrator does in
  Freshsales (Admin Settings > Integrations > Third party integrations > Segment): the toggle goes on,
  a history entry is recorded, and the account's API key and subdomain are handed to Segment for the
  chosen source (R2, through ``Freshsales.on_segment_enabled``). If Segment cannot take the hand-over
  (no such source), ``Freshsales.enable_segment`` puts the toggle back as it was and the answer says why.
* ``POST /_sim/accounts/{subdomain}/segment/disable`` — the toggle goes off; deliveries get 403 (R1).
* ``GET|POST|DELETE /_sim/accounts/{subdomain}/failures`` — make the receiver fail on purpose:
  ``{"status": 429, "count": 3}`` (next 3 deliveries), ``{"status": 503, "seconds": 600}`` (10 simulated
  minutes), optional ``"retry_after"``; see :mod:`fssim.freshsales.forced_failures`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from fssim.control.http import ControlEndpoint, ControlError, account_of, field, read_json_object
from fssim.endpoints import Endpoint
from fssim.freshsales.accounts import Account
from fssim.segment.workspace import WorkspaceError

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = ["ENDPOINTS", "clear_failures", "disable", "enable", "force_failures", "show_failures"]


def _toggle_json(account: Account) -> dict[str, Any]:
    return {
        "subdomain": account.subdomain,
        "segment": {"enabled": account.segment_enabled, "history": list(account.segment_history)},
    }


async def enable(sim: Simulator, request: Request) -> JSONResponse:
    account = account_of(sim.freshsales.accounts, request)
    body = await read_json_object(request)
    source = field(body, "source", str)
    if not source.strip():
        raise ControlError(400, "'source' must name the Segment source that should send data to Freshsales")
    try:
        # On failure the service has already put the toggle back (R2); only Segment's refusal is ours to
        # answer. Anything else is a bug: let it be a 500 with its traceback, not a tidy 400.
        updated = sim.freshsales.enable_segment(account.subdomain, source=source.strip(), via="freshsales")
    except WorkspaceError as error:
        raise ControlError(
            error.status_code, f"Segment could not take the hand-over for source {source.strip()!r}: "
            f"{error.message}; the Segment toggle of '{account.subdomain}' stays "
            f"{'on' if account.segment_enabled else 'off'}"
        ) from error
    return JSONResponse({
        **_toggle_json(updated),
        "handed_over": {"source": source.strip(), "subdomain": updated.subdomain, "api_key": updated.api_key},
    })


async def disable(sim: Simulator, request: Request) -> JSONResponse:
    account = account_of(sim.freshsales.accounts, request)
    updated = sim.freshsales.disable_segment(account.subdomain, via="freshsales")
    return JSONResponse(_toggle_json(updated))


async def show_failures(sim: Simulator, request: Request) -> JSONResponse:
    account = account_of(sim.freshsales.accounts, request)
    failure = sim.freshsales.forced_failures.get(account.subdomain)
    return JSONResponse({"subdomain": account.subdomain, "failure": failure})


async def force_failures(sim: Simulator, request: Request) -> JSONResponse:
    account = account_of(sim.freshsales.accounts, request)
    body = await read_json_object(request)
    status = field(body, "status", int)
    count = field(body, "count", int, required=False)
    seconds = field(body, "seconds", (int, float), required=False)
    retry_after = field(body, "retry_after", int, required=False)
    unknown = sorted(set(body) - {"status", "count", "seconds", "retry_after"})
    if unknown:
        raise ControlError(400, f"unknown field(s) {', '.join(unknown)}: use status, count, seconds, retry_after")
    try:
        rule = sim.freshsales.forced_failures.set(account.subdomain, status, count=count, seconds=seconds,
                                                  retry_after=retry_after)
    except ValueError as error:
        raise ControlError(400, str(error)) from error
    return JSONResponse({"subdomain": account.subdomain, "failure": rule})


async def clear_failures(sim: Simulator, request: Request) -> JSONResponse:
    account = account_of(sim.freshsales.accounts, request)
    cleared = sim.freshsales.forced_failures.clear(account.subdomain)
    return JSONResponse({"subdomain": account.subdomain, "cleared": cleared})


_ACCOUNT = "/_sim/accounts/{subdomain}"

ENDPOINTS: list[ControlEndpoint] = [
    Endpoint("POST", f"{_ACCOUNT}/segment/enable", enable, "Switch the Segment toggle on and hand over (R2)", "toggle"),
    Endpoint("POST", f"{_ACCOUNT}/segment/disable", disable, "Switch the Segment toggle off (R1)", "toggle"),
    Endpoint("GET", f"{_ACCOUNT}/failures", show_failures, "The receiver's forced failure, if any", "toggle"),
    Endpoint("POST", f"{_ACCOUNT}/failures", force_failures, "Make the receiver fail on purpose", "toggle"),
    Endpoint("DELETE", f"{_ACCOUNT}/failures", clear_failures, "Stop the receiver's forced failures", "toggle"),
]
