"""Fixtures for the integration rules: a real Freshsales store behind the rules' CRM adapter.

Hypothesis runs many examples inside one test function, so ``new_world`` hands out a *factory*: each
example builds its own fresh world (a new in-memory simulator costs well under a millisecond).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fs_world import API_KEY, CUSTOM_FIELDS, SUBDOMAIN, Delivery, World, build_world
from starlette.testclient import TestClient

from fssim.app import Simulator


@pytest.fixture
def new_world() -> Callable[..., World]:
    return build_world


@pytest.fixture
def acme(sim: Simulator) -> Simulator:
    """The shared ``sim`` with the account ``acme`` (classic, custom fields defined, toggle OFF)."""
    sim.freshsales.accounts.create(SUBDOMAIN, plan="garden", api_key=API_KEY)
    for entity in ("lead", "contact"):
        for name, type_ in CUSTOM_FIELDS:
            sim.freshsales.accounts.define_custom_field(SUBDOMAIN, entity, name, type_)
    return sim


@pytest.fixture
def delivery(acme: Simulator, client: TestClient) -> Delivery:
    return Delivery(client)
