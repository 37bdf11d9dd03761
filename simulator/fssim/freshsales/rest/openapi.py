"""``GET /openapi.json`` (so ``/api/openapi.json``): an OpenAPI 3.1 document of the fake REST API,
built from the same endpoint table as the routes."""

from __future__ import annotations

import re
from typing import Any

from fssim import __version__
from fssim.endpoints import Endpoint

__all__ = ["document", "openapi_path"]

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
_ERROR = {"type": "object", "properties": {"errors": {"type": "object", "properties": {
    "code": {"type": "integer"}, "message": {"type": "array", "items": {"type": "string"}}}}}}
_UNAUTHORIZED = {"type": "object", "properties": {"login": {"const": "failed"}, "message": {"type": "string"}}}


def openapi_path(path: str) -> str:
    """Starlette's ``/leads/{id:int}`` in OpenAPI's spelling ``/leads/{id}``."""
    return _PARAM.sub(r"{\1}", path)


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
        for name in _PARAM.findall(endpoint.path)
    ]
    parameters += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                   for name in endpoint.query]
    responses: dict[str, Any] = {
        str(status): {"description": text, "content": {"application/json": {
            "schema": _ERROR if status >= 400 else {}}}}
        for status, text in endpoint.responses.items()
    }
    responses["401"] = {"description": "missing or wrong API key (or a Host naming another account)",
                        "content": {"application/json": {"schema": _UNAUTHORIZED}}}
    responses["403"] = {"description": "the plan has no REST API access (Sprout)",
                        "content": {"application/json": {"schema": _ERROR}}}
    responses["429"] = {"description": "plan limit reached; see Retry-After and X-RateLimit-*",
                        "content": {"application/json": {"schema": _ERROR}}}
    operation: dict[str, Any] = {
        "summary": endpoint.summary,
        "operationId": f"{endpoint.method.lower()}_{endpoint.handler.__name__}_{endpoint.tag.replace(' ', '_')}",
        "tags": [endpoint.tag],
        "parameters": parameters,
        "responses": responses,
    }
    if endpoint.body:
        body_type = "array" if endpoint.body == "filter_rule" else "object"
        operation["requestBody"] = {"required": endpoint.method == "POST", "content": {"application/json": {
            "schema": {"type": "object", "properties": {endpoint.body: {"type": body_type}},
                       "description": f'{{"{endpoint.body}": {{...}}}}; a bare object is accepted too'}}}}
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
