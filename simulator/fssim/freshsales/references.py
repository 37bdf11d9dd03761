"""Which ids a task, appointment or sales activity may name: its owner, its type and outcome, and a
target that is not a lead or contact (sales accounts, deals).

One small hook, :data:`ReferenceCheck`: ``check(account, kind, ref_id) -> bool``. The service plugs in
:func:`store_reference_check`, which asks the stores that keep them: owners are the account's users
(``fs.users``), types and outcomes the account's own selector lists (``fs.selectors``), and targets its
sales accounts and deals (``fs.sales_accounts``, ``fs.deals``). The default,
:func:`default_reference_check`, is for an ``Engagements`` built without those stores (a unit test): it
knows the account's seeded admin user (``Account.user_id``) and nothing else. Leads and contacts are
never asked here: they are looked up in the records themselves.

A second hook, :data:`TargetLookup`, turns a sales account or deal an item targets into the
:class:`~fssim.freshsales.shapes.Target` whose timeline the item appears on
(:func:`store_target_lookup`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fssim.freshsales.accounts import Account
from fssim.freshsales.errors import NotFoundError
from fssim.freshsales.shapes import Target

if TYPE_CHECKING:
    from fssim.freshsales.objects import Objects
    from fssim.freshsales.selectors import Selectors
    from fssim.freshsales.users import Users

__all__ = [
    "REFERENCE_KINDS", "ReferenceCheck", "TargetLookup", "default_reference_check", "store_reference_check",
    "store_target_lookup",
]

# What a check is asked about: "owner" (a user id), the activity's type and outcome, and the targetable
# types that are not records of this store.
REFERENCE_KINDS = ("owner", "sales_activity_type", "sales_activity_outcome", "SalesAccount", "Deal")

ReferenceCheck = Callable[[Account, str, int], bool]
# (account, "SalesAccount" or "Deal", id) -> the target, or None when the account has no such record.
TargetLookup = Callable[[Account, str, int], Target | None]

# The selector list each kind of id belongs to.
_SELECTOR_KINDS = {"sales_activity_type": "sales_activity_types", "sales_activity_outcome": "sales_activity_outcomes"}


def default_reference_check(account: Account, kind: str, ref_id: int) -> bool:
    """True for the account's seeded admin user as ``owner``; nothing else is known without the stores."""
    return kind == "owner" and ref_id == account.user_id


def store_reference_check(users: Users, selectors: Selectors, sales_accounts: Objects,
                          deals: Objects) -> ReferenceCheck:
    """The check the service uses: each kind asked of the store that keeps it."""

    def check(account: Account, kind: str, ref_id: int) -> bool:
        if kind == "owner":
            return users.exists(account, ref_id)
        if kind in _SELECTOR_KINDS:
            return selectors.get(account, _SELECTOR_KINDS[kind], ref_id) is not None
        if kind == "SalesAccount":
            return sales_accounts.exists(account, ref_id)
        if kind == "Deal":
            return deals.exists(account, ref_id)
        return False

    return check


def store_target_lookup(sales_accounts: Objects, deals: Objects) -> TargetLookup:
    """Sales accounts and deals as timeline targets, named by their ``name``."""
    stores = {"SalesAccount": sales_accounts, "Deal": deals}

    def lookup(account: Account, kind: str, ref_id: int) -> Target | None:
        store = stores.get(kind)
        if store is None:
            return None
        try:
            doc = store.get(account, ref_id)
        except NotFoundError:
            return None
        return Target(account.subdomain, store.kind.entity, ref_id, doc.get("name"))

    return lookup
