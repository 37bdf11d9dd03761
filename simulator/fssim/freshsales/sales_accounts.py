"""Sales accounts (companies): their fields and list views, for :class:`fssim.freshsales.objects.Objects`.

Fields are the company keys real clients send (gomodules' ``Company`` struct, reference §2.2) plus the
owner, territory and social links; ``name`` is required and unique per account ("Name has already been
taken" is a captured real 400, reference §4). Contacts link to them with
``sales_accounts: [{"id", "is_primary"}]``.
"""

from __future__ import annotations

from fssim.clock import Clock
from fssim.freshsales.accounts import Account
from fssim.freshsales.objects import Doc, Kind, in_last_days

__all__ = ["SALES_ACCOUNT_FIELDS", "sales_account_kind"]

SALES_ACCOUNT_FIELDS = {
    "name": "text", "address": "text", "city": "text", "state": "text", "zipcode": "text", "country": "text",
    "number_of_employees": "number", "annual_revenue": "number", "website": "text", "phone": "text",
    "industry_type_id": "id", "business_type_id": "id", "owner_id": "id", "territory_id": "id",
    "parent_sales_account_id": "id", "facebook": "text", "twitter": "text", "linkedin": "text",
}


def _defaults(owner: Account, doc: Doc) -> None:
    if doc.get("owner_id") is None:
        doc["owner_id"] = owner.user_id


def sales_account_kind(clock: Clock) -> Kind:
    return Kind(
        entity="sales_account", plural="sales_accounts", label="SalesAccount", fields=dict(SALES_ACCOUNT_FIELDS),
        views={"All Accounts": lambda owner, doc: True,
               "My Accounts": lambda owner, doc: doc.get("owner_id") == owner.user_id,
               "New Accounts": in_last_days(clock)},
        defaults=_defaults, unique_name=True)
