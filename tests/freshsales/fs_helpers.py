"""Small helpers shared by the Freshsales tests (plain functions; fixtures stay in tests/conftest.py)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

import pytest


class HTTP(Protocol):
    def post(self, url: str, **kwargs: Any) -> Any: ...


def token(key: str) -> dict[str, str]:
    return {"Authorization": f"Token token={key}"}


def make_account(http: HTTP, subdomain: str, *, plan: str = "garden", product: str = "classic",
                 api_key: str | None = None) -> dict[str, str]:
    """Create an account through the control API; returns the auth headers for its key."""
    key = api_key or f"{subdomain}-key"
    response = http.post("/_sim/accounts", json={"subdomain": subdomain, "plan": plan, "api_key": key,
                                                 "product": product})
    assert response.status_code == 201, response.text
    return token(key)


def errors_of(response: Any) -> list[str]:
    body = response.json()
    assert body["errors"]["code"] == response.status_code
    messages = body["errors"]["message"]
    assert isinstance(messages, list)
    return messages


def create_lead(http: HTTP, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """Create a lead through the REST API; returns the lead as answered."""
    response = http.post("/api/leads", json={"lead": fields}, headers=headers)
    assert response.status_code == 201, response.text
    lead: dict[str, Any] = response.json()["lead"]
    return lead


def count_calls(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, *, key: str | None = None) -> Counter[str]:
    """Counts the calls of ``module.name``, which still does its work, under ``key`` (default ``name``):
    for counted-cost tests (never timed)."""
    calls: Counter[str] = Counter()
    original = getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[key or name] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls
