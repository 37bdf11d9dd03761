"""``GET /selector/<kind>``: the account's configuration lists (owners, lifecycle stages, deal stages…),
the ids connectors look up by name before they write a record (reference §6, rudder-transformer).

Answers ``{"<kind>": [...]}``; owners answer ``{"users": [...]}``, the key the real endpoint uses.
``GET /selector/sales_activity_types/:id/sales_activity_outcomes`` (reference §3.2) answers the outcomes
of one type. Simulator policy: every outcome of the account applies to every type (the reference lists
the path, not how outcomes are shared out); an id that is not one of the account's types is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fssim.endpoints import Endpoint
from fssim.freshsales.errors import NotFoundError
from fssim.freshsales.rest.auth import Call
from fssim.freshsales.selectors import KINDS, RESPONSE_KEYS

__all__ = ["endpoints"]


def _lister(kind: str) -> Callable[[Call], tuple[int, Any]]:
    def selector(call: Call) -> tuple[int, Any]:
        return 200, {RESPONSE_KEYS[kind]: call.fs.selectors.list(call.account, kind)}

    selector.__name__ = f"selector_{kind}"
    return selector


def outcomes_of_type(call: Call) -> tuple[int, Any]:
    type_id = call.path_id()
    if call.fs.selectors.get(call.account, "sales_activity_types", type_id) is None:
        raise NotFoundError(f"Sales activity type {type_id} not found")
    return 200, {"sales_activity_outcomes": call.fs.selectors.list(call.account, "sales_activity_outcomes")}


def endpoints() -> list[Endpoint]:
    return [*(Endpoint("GET", f"/selector/{kind}", _lister(kind), f"The account's {kind.replace('_', ' ')}",
                       "selectors", responses={200: f'{{"{RESPONSE_KEYS[kind]}": [{{"id", "name", ...}}]}}'})
              for kind in KINDS),
            Endpoint("GET", "/selector/sales_activity_types/{id:int}/sales_activity_outcomes", outcomes_of_type,
                     "The outcomes a sales activity type offers", "selectors",
                     responses={200: '{"sales_activity_outcomes": [...]}', 404: "no such type in this account"})]
