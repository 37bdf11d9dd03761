"""``GET /openapi.json`` (so ``/api/openapi.json``): an OpenAPI 3.1 document of the fake REST API,
built from the same endpoint table as the routes.

A request the document calls valid is accepted, and every status an operation can answer is listed, so a
conformance tool (Schemathesis, ``tests/freshsales/test_fs_schemathesis.py``) holds the API to it:

* bodies declare their envelope and what the endpoint requires inside it (a lead's ``last_name``, a
  note's ``description`` and target...), and close their objects (``additionalProperties: false``): an
  unknown ``cf_*`` name is a 400 by policy, so the document cannot leave extra keys open;
* query parameters have their types (``page`` a whole number, ``per_page`` 1..100, ``sort`` a sortable
  field...), and those an endpoint needs are marked required;
* beside each table's own statuses, every operation lists 400 (a body or query it cannot take), 404 (an
  id, a view, or the leads module of a Suite account) and the gate's 401/403/429.
"""

from __future__ import annotations

import re
from typing import Any

from fssim import __version__
from fssim.endpoints import Endpoint
from fssim.freshsales.schedule import FILTERS

__all__ = ["document", "openapi_path"]

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
_ERROR = {"type": "object", "properties": {"errors": {"type": "object", "properties": {
    "code": {"type": "integer"}, "message": {"type": "array", "items": {"type": "string"}}}}}}
_UNAUTHORIZED = {"type": "object", "properties": {"login": {"const": "failed"}, "message": {"type": "string"}}}

_TEXT = {"type": "string"}
_NOT_BLANK = {"type": "string", "pattern": r"\S"}
_PERSON_FIELDS = ("first_name", "job_title", "city", "state", "zipcode", "country", "address", "work_number",
                  "mobile_number")
_TARGET = {"targetable_type": {"enum": ["Lead", "Contact"]}, "targetable_id": {"type": "integer"}}
_UNIQUE = {"type": "string", "pattern": "^[A-Za-z0-9]{24}$"}


def _closed(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


def _person(creating: bool) -> dict[str, Any]:
    # Documented without email: the one email namespace makes a repeated email a 400 (policy), which no
    # schema can express; creating needs a non-blank last_name then.
    properties = {"last_name": _NOT_BLANK if creating else _TEXT, **{name: _TEXT for name in _PERSON_FIELDS}}
    return _closed(properties, ("last_name",) if creating else ())


# The inner object of each body envelope, by (envelope key, creating).
_BODIES: dict[tuple[str, bool], dict[str, Any]] = {
    ("lead", True): _person(True),
    ("lead", False): _person(False),
    ("contact", True): _person(True),
    ("contact", False): _person(False),
    ("note", True): _closed({"description": _NOT_BLANK, **_TARGET}, ("description", *_TARGET)),
    ("note", False): _closed({"description": _NOT_BLANK}),
    ("sales_activity", True): _closed({"title": _NOT_BLANK, **_TARGET}, ("title", *_TARGET)),
    # A sales account's name is unique per account (a repeated one is a 400, policy that no schema can
    # express): documented as 24 letters or digits, so that generated names do not repeat.
    ("sales_account", True): _closed({"name": _UNIQUE, "website": _TEXT}, ("name",)),
    ("deal", True): _closed({"name": _NOT_BLANK, "amount": {"type": "number", "minimum": 0}}, ("name",)),
}
# A UTC time the server always takes. The document narrows appointments to a subset it always accepts:
# "end_date not before from_date" is a rule between two fields, which JSON Schema cannot state.
_YEARS = {"from": "20[0-4][0-9]", "to": "20[5-9][0-9]", "any": "20[0-9][0-9]"}


def _utc(years: str) -> dict[str, Any]:
    return {"type": "string",
            "pattern": f"^{years}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$"}


_BODIES.update({
    ("task", True): _closed({"title": _NOT_BLANK, "due_date": _utc(_YEARS["any"]), "description": _TEXT, **_TARGET},
                            ("title", "due_date", *_TARGET)),
    ("task", False): _closed({"title": _NOT_BLANK, "description": _TEXT}),
    ("appointment", True): _closed({"title": _NOT_BLANK, "from_date": _utc(_YEARS["from"]),
                                    "end_date": _utc(_YEARS["to"]), "description": _TEXT, **_TARGET},
                                   ("title", "from_date", "end_date", *_TARGET)),
    ("appointment", False): _closed({"title": _NOT_BLANK, "description": _TEXT}),
    ("list", True): _closed({"name": _NOT_BLANK}, ("name",)),
    ("list", False): _closed({"name": _NOT_BLANK}, ("name",)),
})
_FILTER_OPERATORS = ["equals", "is", "is_in", "contains", "is_not_empty"]
_SORTABLE = ["created_at", "updated_at", "id", "display_name", "email", "first_name", "last_name"]
_QUERY: dict[str, dict[str, Any]] = {
    "page": {"type": "integer", "minimum": 1, "maximum": 10**6},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
    "sort": {"enum": _SORTABLE},
    "sort_type": {"enum": ["asc", "desc"]},
    "q": _NOT_BLANK,
    "f": {"enum": ["email", "name", "external_id", "mobile_number"]},
    "entities": {"enum": ["lead", "contact", "lead,contact", "contact,lead", "sales_account", "deal"]},
    "include": {"type": "string", "pattern": "^[a-z_,]*$"},
}
_REQUIRED_QUERY = {"/lookup": ("q", "f"), "/search": ("q",)}
# Search's include names entities to search in, not objects to side-load; tasks and appointments have
# their own filters, sales accounts and deals their own sortable fields.
_QUERY_OF_PATH = {("/search", "include"): _QUERY["entities"],
                  **{(f"/{kind}s", "filter"): {"enum": list(names)} for kind, names in FILTERS.items()},
                  **{(f"/{plural}/view/{{view_id:int}}", "sort"): {"enum": ["created_at", "updated_at", "id", "name"]}
                     for plural in ("sales_accounts", "deals")}}


def openapi_path(path: str) -> str:
    """Starlette's ``/leads/{id:int}`` in OpenAPI's spelling ``/leads/{id}``."""
    return _PARAM.sub(r"{\1}", path)


def _body(endpoint: Endpoint) -> dict[str, Any]:
    """The request body: the envelope, and what the endpoint requires inside it."""
    assert endpoint.body is not None
    key = endpoint.body
    if key == "filter_rule":
        # Sales accounts and deals have no emails or person names: only the fields every record has.
        people = endpoint.path.endswith(("/lead", "/contact"))
        attributes = ["name", "email", "last_name", "first_name", "job_title"] if people else \
            ["name", "id", "created_at", "updated_at"]
        rule = _closed({"attribute": {"enum": attributes},
                        "operator": {"enum": _FILTER_OPERATORS}, "value": _TEXT}, ("attribute", "operator"))
        envelope = _closed({key: {"type": "array", "items": rule, "minItems": 1}}, (key,))
    elif endpoint.path.endswith("/upsert") and key in ("sales_account", "deal"):
        envelope = _closed({"unique_identifier": _closed({"name": _NOT_BLANK}, ("name",)), key: _closed({})},
                           ("unique_identifier", key))
    elif key == "ids":
        # add_contacts / remove_contacts take {"ids": [...]}, no envelope around it.
        envelope = _closed({key: {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1}},
                           (key,))
    elif endpoint.path.endswith("/upsert"):
        envelope = _closed({"unique_identifier": _closed({"emails": {"type": "string", "format": "email"}},
                                                         ("emails",)),
                            key: _person(False)}, ("unique_identifier", key))
    else:
        creating = endpoint.method == "POST" and not endpoint.path.endswith("/convert")
        inner = _BODIES.get((key, creating)) or {"type": "object"}
        envelope = _closed({key: inner}, (key,))
    envelope["description"] = f'{{"{key}": {{...}}}}; a bare object is accepted too'
    # Every body-taking endpoint but convert refuses an empty body (400 "The request body is empty").
    return {"required": not endpoint.path.endswith("/convert"),
            "content": {"application/json": {"schema": envelope}}}


def _error(text: str, schema: dict[str, Any] = _ERROR) -> dict[str, Any]:
    return {"description": text, "content": {"application/json": {"schema": schema}}}


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
        for name in _PARAM.findall(endpoint.path)
    ]
    required_query = _REQUIRED_QUERY.get(endpoint.path, ())
    parameters += [{"name": name, "in": "query", "required": name in required_query,
                    "schema": _QUERY_OF_PATH.get((endpoint.path, name)) or _QUERY.get(name, {"type": "string"})}
                   for name in endpoint.query]
    responses: dict[str, Any] = {
        str(status): {"description": text, "content": {"application/json": {
            "schema": _ERROR if status >= 400 else {}}}}
        for status, text in endpoint.responses.items()
    }
    responses.setdefault("400", _error("a body or query this endpoint cannot take: every problem named"))
    responses.setdefault("404", _error("no such record, note, activity or view in this account, or the leads "
                                       "module of a Suite account"))
    responses["401"] = _error("missing or wrong API key (or a Host naming another account)", _UNAUTHORIZED)
    responses["403"] = _error("the plan has no REST API access (Sprout)")
    responses["429"] = _error("plan limit reached; see Retry-After and X-RateLimit-*")
    operation: dict[str, Any] = {
        "summary": endpoint.summary,
        "operationId": f"{endpoint.method.lower()}_{endpoint.handler.__name__}_{endpoint.tag.replace(' ', '_')}",
        "tags": [endpoint.tag],
        "parameters": parameters,
        "responses": responses,
    }
    if endpoint.body:
        operation["requestBody"] = _body(endpoint)
    return operation


def document(endpoints: list[Endpoint]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(openapi_path(endpoint.path), {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {"title": "fssim fake Freshsales REST API", "version": __version__,
                 "description": "Served under /api (Freshsales Classic) and /crm/sales/api (Suite). "
                                "Auth: 'Authorization: Token token=API_KEY'."},
        "servers": [{"url": "/api"}, {"url": "/crm/sales/api"}],
        "components": {"securitySchemes": {"token": {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "Token token=API_KEY"}}},
        "security": [{"token": []}],
        "paths": paths,
    }
