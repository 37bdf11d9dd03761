"""Field settings: ``GET /settings/{leads|contacts}/fields``, standard fields then the account's ``cf_*``."""

from __future__ import annotations

from typing import Any

from fssim.endpoints import Endpoint
from fssim.freshsales.fields import standard_fields
from fssim.freshsales.rest.auth import Call
from fssim.freshsales.shapes import PLURALS

__all__ = ["endpoints"]

_STANDARD_FIELD_IDS = 80_000_000_000


def _fields_of(entity: str) -> Any:
    def fields(call: Call) -> tuple[int, Any]:
        account = call.fs.records.check_module(call.account.subdomain, entity)
        specs = [*standard_fields(entity), *account.custom_fields[entity].values()]
        ids = account.field_ids[entity]
        # Standard fields get fixed ids of their own range; custom ones keep the id given at definition.
        listed = [spec.to_json(entity, position, ids.get(spec.name) or _STANDARD_FIELD_IDS + position)
                  for position, spec in enumerate(specs, 1)]
        body: dict[str, Any] = {"fields": listed}
        if "field_group" in call.query.get("include", ""):
            body["field_groups"] = []
        return 200, body

    fields.__name__ = f"{entity}_fields"
    return fields


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", f"/settings/{PLURALS[entity]}/fields", _fields_of(entity),
                 f"The {entity} fields, custom (cf_*) ones included", "settings", query=("include",),
                 responses={200: "fields"})
        for entity in ("lead", "contact")
    ]
