"""How leads, contacts, sales accounts and deals refer to each other, and what keeps those references
true: every id a lead or contact names is checked on write, and deleting a record drops the links
other records had to it (so a side-load never names an id that is gone).

:func:`connect` wires the stores together; the service calls it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fssim.freshsales.accounts import Account
from fssim.freshsales.objects import Objects
from fssim.freshsales.records import Records
from fssim.freshsales.selectors import Selectors

__all__ = ["connect"]


def connect(records: Records, selectors: Selectors, sales_accounts: Objects, deals: Objects) -> None:
    def references(owner: Account, entity: str, values: Mapping[str, Any]) -> list[str]:
        problems = selectors.problems(owner, values)
        links = values.get("sales_accounts") or []
        for link in links:
            if not sales_accounts.exists(owner, link["id"]):
                problems.append(f"sales_accounts names {link['id']}, which is not a sales account of this account")
        if links and sum(1 for link in links if link["is_primary"]) > 1:  # no generator for none (most writes)
            problems.append("sales_accounts may mark one account as is_primary, not several")
        return problems

    def record_deleted(subdomain: str, entity: str, record_id: int) -> None:
        if entity == "contact":
            deals.unlink(subdomain, "contact_ids", record_id)

    def sales_account_deleted(subdomain: str, sales_account_id: int) -> None:
        records.unlink_sales_account(subdomain, sales_account_id)
        deals.unlink(subdomain, "sales_account_id", sales_account_id)
        sales_accounts.unlink(subdomain, "parent_sales_account_id", sales_account_id)

    records.references = references
    records.on_delete.append(record_deleted)
    sales_accounts.on_delete.append(sales_account_deleted)
