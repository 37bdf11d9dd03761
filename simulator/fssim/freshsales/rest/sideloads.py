"""``include=`` side-loads beyond users, notes and sales activities: the records and configuration
entries a record names, as sibling arrays (reference §5). Clients index these arrays by id without
checking, so each one holds every id the answer's records name (for selector lists and users: the
account's whole list, which holds them all).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fssim.freshsales.rest.auth import Call

__all__ = ["SELECTOR_SIDE_LOADS", "side_load"]

# include name -> the selector kind it lists (the answer's key is the include name).
SELECTOR_SIDE_LOADS = {
    "deal_stages": "deal_stages", "deal_stage": "deal_stages", "deal_pipelines": "deal_pipelines",
    "deal_pipeline": "deal_pipelines", "industry_types": "industry_types", "industry_type": "industry_types",
    "business_types": "business_types", "business_type": "business_types", "territories": "territories",
    "territory": "territories", "lead_sources": "lead_sources", "lead_source": "lead_sources",
    "contact_status": "contact_statuses", "contact_statuses": "contact_statuses",
    "lifecycle_stages": "lifecycle_stages", "lifecycle_stage": "lifecycle_stages",
}
_KEYS = {"deal_stage": "deal_stages", "deal_pipeline": "deal_pipelines", "industry_type": "industry_types",
         "business_type": "business_types", "territory": "territories", "lead_source": "lead_sources",
         "lifecycle_stage": "lifecycle_stages"}


def _linked_accounts(record: Mapping[str, Any]) -> list[int]:
    ids = [link["id"] for link in record.get("sales_accounts") or [] if isinstance(link, Mapping)]
    for name in ("sales_account_id", "parent_sales_account_id"):
        if isinstance(record.get(name), int):
            ids.append(record[name])
    return ids


def side_load(call: Call, name: str, records: Sequence[Mapping[str, Any]]) -> tuple[str, list[Any]] | None:
    """``(answer key, entries)`` for one include name, or None when this module does not know it."""
    account = call.account
    if name in SELECTOR_SIDE_LOADS:
        return _KEYS.get(name, name), call.fs.selectors.list(account, SELECTOR_SIDE_LOADS[name])
    if name in ("owner", "creater", "updater", "users"):
        return "users", call.fs.users.list(account)
    if name in ("sales_accounts", "sales_account"):
        wanted = dict.fromkeys(i for record in records for i in _linked_accounts(record))
        return "sales_accounts", [call.fs.sales_accounts.get(account, i) for i in wanted
                                  if call.fs.sales_accounts.exists(account, i)]
    if name in ("contacts", "contact"):
        wanted = dict.fromkeys(i for record in records for i in record.get("contact_ids") or [])
        return "contacts", [call.fs.records.get(account, "contact", i) for i in wanted
                            if call.fs.records.exists(account.subdomain, "contact", i)]
    if name in ("deals", "deal"):
        ids = {record["id"] for record in records}
        return "deals", [deal for deal in call.fs.deals.all(account)
                         if deal.get("sales_account_id") in ids or set(deal.get("contact_ids") or []) & ids]
    return None
