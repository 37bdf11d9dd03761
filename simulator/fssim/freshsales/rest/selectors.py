"""``GET /selector/<kind>``: the account's configuration lists (owners, lifecycle stages, deal stages…),
the ids connectors look up by name before they write a record (reference §6, rudder-transformer).

Answers ``{"<kind>": [...]}``; owners answer ``{"users": [...]}``, the key the real endpoint uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fssim.endpoints import Endpoint
from fssim.freshsales.rest.auth import Call
from fssim.freshsales.selectors import KINDS, RESPONSE_KEYS

__all__ = ["endpoints"]


def _lister(kind: str) -> Callable[[Call], tuple[int, Any]]:
    def selector(call: Call) -> tuple[int, Any]:
        return 200, {RESPONSE_KEYS[kind]: call.fs.selectors.list(call.account, kind)}

    selector.__name__ = f"selector_{kind}"
    return selector


def endpoints() -> list[Endpoint]:
    return [Endpoint("GET", f"/selector/{kind}", _lister(kind), f"The account's {kind.replace('_', ' ')}",
                     "selectors", responses={200: f'{{"{RESPONSE_KEYS[kind]}": [{{"id", "name", ...}}]}}'})
            for kind in KINDS]
