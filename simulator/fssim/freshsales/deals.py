"""Deals: their fields, defaults, links and list views, for :class:`fssim.freshsales.objects.Objects`.

A deal belongs to a pipeline and sits in one of its stages (``selector/deal_pipelines``,
``selector/deal_stages``); it may name a sales account (``sales_account_id``) and contacts
(``contact_ids``; ``contacts_added_list``, the name clients write, is accepted too). Every id must
name a real record of the account.

Simulator policy: a deal without a pipeline goes to the default one, without a stage to the
pipeline's first stage; ``probability`` follows the stage unless given; ``base_currency_amount``
equals ``amount`` (one currency per account). "Open/Won/Lost Deals" follow the stage's kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fssim.clock import Clock
from fssim.freshsales.accounts import Account
from fssim.freshsales.objects import Doc, Kind, Objects, in_last_days
from fssim.freshsales.selectors import Selectors

__all__ = ["DEAL_FIELDS", "deal_kind"]

DEAL_FIELDS = {
    "name": "text", "amount": "number", "expected_close": "date", "closed_date": "date", "probability": "number",
    "deal_stage_id": "id", "deal_pipeline_id": "id", "owner_id": "id", "sales_account_id": "id",
    "contact_ids": "ids", "lead_source_id": "id", "territory_id": "id", "deal_reason_id": "id",
}
ContactExists = Callable[[str, int], bool]  # (subdomain, contact id) -> is there such a contact


def deal_kind(clock: Clock, selectors: Selectors, contact_exists: ContactExists, sales_accounts: Objects) -> Kind:
    def defaults(owner: Account, doc: Doc) -> None:
        if doc.get("owner_id") is None:
            doc["owner_id"] = owner.user_id
        if doc.get("deal_pipeline_id") is None:
            pipelines = selectors.list(owner, "deal_pipelines")
            doc["deal_pipeline_id"] = next((p["id"] for p in pipelines if p.get("is_default")), pipelines[0]["id"])
        if doc.get("deal_stage_id") is None:
            stages = [s for s in selectors.list(owner, "deal_stages")
                      if s["deal_pipeline_id"] == doc["deal_pipeline_id"]]
            doc["deal_stage_id"] = stages[0]["id"] if stages else None
        if doc.get("contact_ids") is None:
            doc["contact_ids"] = []

    def stage_fits(owner: Account, doc: Doc, written: Mapping[str, Any]) -> list[str]:
        stage = selectors.get(owner, "deal_stages", doc.get("deal_stage_id"))
        if stage is None:
            return []  # an unknown id is already named by the selector check
        if stage["deal_pipeline_id"] != doc.get("deal_pipeline_id"):
            return [f"deal_stage_id {stage['id']} is a stage of pipeline {stage['deal_pipeline_id']}, "
                    f"not of deal_pipeline_id {doc.get('deal_pipeline_id')}"]
        if "probability" not in written:
            doc["probability"] = stage.get("probability")
        doc["base_currency_amount"] = doc.get("amount")
        return []

    def linked_records(owner: Account, doc: Doc, written: Mapping[str, Any]) -> list[str]:
        problems = []
        account_id = written.get("sales_account_id")
        if account_id is not None and not sales_accounts.exists(owner, account_id):
            problems.append(f"sales_account_id {account_id} is not a sales account of this account")
        for contact_id in written.get("contact_ids") or []:
            if not contact_exists(owner.subdomain, contact_id):
                problems.append(f"contact_ids names {contact_id}, which is not a contact of this account")
        return problems

    def stage_kind(choice: str) -> Callable[[Account, Doc], bool]:
        def test(owner: Account, doc: Doc) -> bool:
            stage = selectors.get(owner, "deal_stages", doc.get("deal_stage_id"))
            return stage is not None and stage.get("choice_type") == choice

        return test

    return Kind(
        entity="deal", plural="deals", label="Deal", fields=dict(DEAL_FIELDS),
        views={"All Deals": lambda owner, doc: True,
               "My Deals": lambda owner, doc: doc.get("owner_id") == owner.user_id,
               "Open Deals": stage_kind("open"), "Won Deals": stage_kind("won"), "Lost Deals": stage_kind("lost"),
               "New Deals": in_last_days(clock)},
        defaults=defaults, links=[stage_fits, linked_records], aliases={"contacts_added_list": "contact_ids"})
