"""Accounts are built from their documents once and cached until they change (issue 12: ``Accounts.get``
was 14% of the pipeline's CPU, rebuilding an Account on every read). Every kind of write is seen at
once, through a look-up by subdomain and by API key alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fssim.clock import Clock
from fssim.freshsales.accounts import Account, Accounts
from fssim.freshsales.service import Freshsales
from fssim.store import Database


@pytest.fixture
def accounts() -> Accounts:
    fs = Freshsales(Database(), Clock(frozen=True))
    fs.accounts.create("acme", plan="garden", api_key="acme-key")
    return fs.accounts


def test_reading_an_unchanged_account_never_rebuilds_it(accounts: Accounts) -> None:
    accounts.rebuilds = 0
    first = accounts.require("acme")
    for _ in range(100):
        assert accounts.get("acme") is first
        assert accounts.get(" ACME ") is first
        assert accounts.by_api_key("acme-key") is first
    assert accounts.rebuilds == 0  # built when create handed it back; before the cache: 301 rebuilds


CHANGES: dict[str, tuple[Callable[[Accounts], object], Callable[[Account], bool]]] = {
    "toggle": (lambda a: a.set_segment_toggle("acme", True, source="web", via="test"),
               lambda account: account.segment_enabled),
    "plan": (lambda a: a.set_plan("acme", "forest"), lambda account: account.plan.name == "forest"),
    "rate limits": (lambda a: a.set_rate_limits("acme", False), lambda account: not account.rate_limits),
    "api key": (lambda a: a.add_api_key("acme", "second-key"),
                lambda account: account.api_keys == ("acme-key", "second-key")),
    "custom field": (lambda a: a.define_custom_field("acme", "lead", "cf_tier", "text"),
                     lambda account: "cf_tier" in account.custom_fields["lead"]),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_is_seen_at_once(accounts: Accounts, change: str) -> None:
    apply, holds = CHANGES[change]
    before = accounts.require("acme")
    by_key = accounts.by_api_key("acme-key")
    assert by_key is not None and not holds(before) and not holds(by_key)  # both are cached now
    apply(accounts)
    accounts.rebuilds = 0
    assert holds(accounts.require("acme"))
    by_key = accounts.by_api_key("acme-key")
    assert by_key is not None and holds(by_key)
    accounts.require("acme")
    assert accounts.rebuilds == 1  # rebuilt once after the change, then cached again


def test_a_reset_forgets_cached_accounts(accounts: Accounts) -> None:
    assert accounts.by_api_key("acme-key") is not None
    accounts._db.clear()  # what POST /_sim/reset does to the store
    assert accounts.get("acme") is None
    assert accounts.by_api_key("acme-key") is None
    accounts.create("acme", plan="sprout", api_key="other-key")
    assert accounts.require("acme").plan.name == "sprout"
    assert accounts.by_api_key("acme-key") is None
