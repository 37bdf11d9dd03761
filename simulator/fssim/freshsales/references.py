"""Which ids a task, appointment or sales activity may name: its owner, its type and outcome, and a
target that is not a lead or contact (sales accounts, deals).

One small hook, :data:`ReferenceCheck`: ``check(account, kind, ref_id) -> bool``. The default,
:func:`default_reference_check`, knows what this module of the simulator knows: the account's seeded
admin user (``Account.user_id``), the default sales activity types and outcomes, and no sales accounts
or deals. Selectors and users that hold more (owners added through the control API, per-account
activity types, sales accounts, deals) plug in by handing their own check to ``Engagements`` (one
argument in ``Freshsales.__init__``). Leads and contacts are never asked here: they are looked up in the
records themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fssim.freshsales.accounts import Account

__all__ = [
    "REFERENCE_KINDS", "SALES_ACTIVITY_OUTCOMES", "SALES_ACTIVITY_TYPES", "ReferenceCheck",
    "default_reference_check",
]

# What a check is asked about: "owner" (a user id), the activity's type and outcome, and the targetable
# types that are not records of this store.
REFERENCE_KINDS = ("owner", "sales_activity_type", "sales_activity_outcome", "SalesAccount", "Deal")

ReferenceCheck = Callable[[Account, str, int], bool]

# The default types the real selector lists (reference §3.2, rudder capture); fixed ids far from records'.
SALES_ACTIVITY_TYPES: list[dict[str, Any]] = [
    {"partial": True, "id": 70_000_000_001 + position, "name": name, "internal_name": name.lower().replace(" ", "_"),
     "show_in_conversation": True, "position": position + 1, "is_default": True, "is_checkedin": False}
    for position, name in enumerate(
        ("Chat", "Phone", "Meeting", "Task", "Email", "SMS Outgoing", "Reminder", "SMS Incoming"))
]
# Simulator policy: the reference names the outcome selector but shows no values; these are the
# outcomes Freshsales' UI offers for a call by default.
SALES_ACTIVITY_OUTCOMES: list[dict[str, Any]] = [
    {"partial": True, "id": 70_000_000_101 + position, "name": name, "position": position + 1}
    for position, name in enumerate(
        ("Interested", "Not interested", "Left message", "No response", "Not able to reach"))
]
_TYPE_IDS = frozenset(kind["id"] for kind in SALES_ACTIVITY_TYPES)
_OUTCOME_IDS = frozenset(outcome["id"] for outcome in SALES_ACTIVITY_OUTCOMES)


def default_reference_check(account: Account, kind: str, ref_id: int) -> bool:
    """True when ``account`` has the ``kind`` with id ``ref_id``, as far as this simulator knows."""
    if kind == "owner":
        return ref_id == account.user_id
    if kind == "sales_activity_type":
        return ref_id in _TYPE_IDS
    if kind == "sales_activity_outcome":
        return ref_id in _OUTCOME_IDS
    return False  # no sales accounts or deals without the module that keeps them
