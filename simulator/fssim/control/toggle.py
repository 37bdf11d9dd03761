"""The Freshsales side of the Segment toggle (R1, R2).

* ``POST /_sim/accounts/{subdomain}/segment/enable`` ``{"source": NAME}`` — what an administrator does in
  Freshsales (Admin Settings > Integrations > Third party integrations > Segment): the toggle goes on,
  a history entry is recorded, and the account's API key and subdomain are handed to Segment for the
  chosen source (R2, through ``Freshsales.on_segment_enabled``). If Segment cannot take the hand-over
  (no such source), ``Freshsales.enable_segment`` puts the toggle back as it was and the answer says why.
* ``POST /_sim/accounts/{subdomain}/segment/disable`` — the toggle goes off; deliveries get 403 (R1).

Faults on demand (``/_sim/accounts/{subdomain}/failures``) are in :mod:`fssim.control.faults`.
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

__all__ = ["ENDPOINTS", "disable", "enable"]


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


_ACCOUNT = "/_sim/accounts/{subdomain}"

ENDPOINTS: list[ControlEndpoint] = [
    Endpoint("POST", f"{_ACCOUNT}/segment/enable", enable, "Switch the Segment toggle on and hand over (R2)", "toggle"),
    Endpoint("POST", f"{_ACCOUNT}/segment/disable", disable, "Switch the Segment toggle off (R1)", "toggle"),
]
