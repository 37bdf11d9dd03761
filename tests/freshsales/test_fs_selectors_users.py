"""Users and the configuration lists (selectors) of each account, as the domain hands them out."""

from __future__ import annotations

import pytest

from fssim.app import Simulator
from fssim.freshsales.errors import NotFoundError, ValidationError
from fssim.freshsales.selectors import DEFAULTS, KINDS


@pytest.fixture
def fs(sim: Simulator) -> Simulator:
    sim.freshsales.accounts.create("acme", api_key="k-acme")
    sim.freshsales.accounts.create("other", api_key="k-other")
    return sim


def test_every_account_has_its_admin_user_as_the_owner_of_new_records(fs: Simulator) -> None:
    account = fs.freshsales.accounts.require("acme")
    users = fs.freshsales.users.list("acme")
    assert [user["id"] for user in users] == [account.user_id]
    assert users[0]["email"] == "admin@acme.example.com" and users[0]["role"] == "admin"
    assert fs.freshsales.users.require("acme", account.user_id)["id"] == account.user_id


def test_added_users_belong_to_one_account_only(fs: Simulator) -> None:
    bo = fs.freshsales.users.add("acme", email="bo@acme.example.com", display_name="Bo")
    assert bo["display_name"] == "Bo" and bo["role"] == "sales_rep"
    assert [user["id"] for user in fs.freshsales.users.list("acme")][-1] == bo["id"]
    with pytest.raises(ValidationError, match="owner_id"):
        fs.freshsales.users.require("other", bo["id"])
    with pytest.raises(ValueError, match="already exists"):
        fs.freshsales.users.add("acme", email="BO@acme.example.com")
    with pytest.raises(ValueError, match="role"):
        fs.freshsales.users.add("acme", email="cy@acme.example.com", role="king")


def test_each_account_gets_its_own_seeded_lists_with_distinct_ids(fs: Simulator) -> None:
    selectors = fs.freshsales.selectors
    for kind, defaults in DEFAULTS.items():
        mine, theirs = selectors.list("acme", kind), selectors.list("other", kind)
        assert [entry["name"] for entry in mine] == [entry["name"] for entry in defaults]
        assert not {entry["id"] for entry in mine} & {entry["id"] for entry in theirs}
    assert set(KINDS) >= {"owners", "lifecycle_stages", "sales_activity_outcomes"}


def test_find_and_require_check_ids_against_the_account(fs: Simulator) -> None:
    selectors = fs.freshsales.selectors
    customer = selectors.find("acme", "lifecycle_stages", " customer ")
    assert customer is not None and customer["name"] == "Customer"
    assert selectors.require("acme", "lifecycle_stages", customer["id"]) == customer
    with pytest.raises(ValidationError, match="lifecycle_stage_id"):
        selectors.require("other", "lifecycle_stages", customer["id"], field="lifecycle_stage_id")
    stages = {entry["id"] for entry in selectors.list("acme", "lifecycle_stages")}
    assert all(status["lifecycle_stage_id"] in stages for status in selectors.list("acme", "contact_statuses"))
    pipeline = selectors.list("acme", "deal_pipelines")[0]["id"]
    assert {stage["deal_pipeline_id"] for stage in selectors.list("acme", "deal_stages")} == {pipeline}
    assert selectors.problems("acme", {"owner_id": customer["id"], "territory_id": None, "x": 1}) == [
        f"owner_id {customer['id']} is not a user of this account (GET /api/selector/owners lists them)"]
    with pytest.raises(NotFoundError):
        selectors.list("acme", "moods")
