"""``include=`` side-loads of sales activities, tasks and appointments (reference §5): sibling arrays
next to the data key. Every id an item names is present in the side-load it belongs to, because
clients index side-loads by id without checking.

* ``owner``, ``creater``, ``updater``, ``users``, ``appointment_attendees`` -> ``users``: every user id
  named (owner, creator, updater, user attendees);
* ``targetable``, ``targets`` -> ``targets``: ``{"id", "type", "display_name", "email"}`` of every target
  and lead/contact attendee (simulator policy: a short form of each, as the name says);
* ``sales_activity_type(s)``, ``task_type`` -> ``sales_activity_types``; ``outcome(s)``,
  ``sales_activity_outcome(s)`` -> ``sales_activity_outcomes``;
* any other name -> an empty array of that name (clients expect the key).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fssim.freshsales.accounts import Account
from fssim.freshsales.errors import NotFoundError
from fssim.freshsales.references import SALES_ACTIVITY_OUTCOMES, SALES_ACTIVITY_TYPES
from fssim.freshsales.rest.auth import Call

__all__ = ["include_names", "outcomes_of", "targets_of", "users_of", "with_side_loads"]

_USER_NAMES = ("owner", "creater", "creator", "updater", "users", "appointment_attendees")
_USER_FIELDS = ("owner_id", "creater_id", "creator_id", "updater_id")
_ENTITIES = {"Lead": "lead", "Contact": "contact"}


def include_names(call: Call, envelope: Iterable[str]) -> list[str]:
    """The names of ``?include=``, without those that are the answer's own keys."""
    own = set(envelope)
    return [name.strip() for name in call.query.get("include", "").split(",")
            if name.strip() and name.strip() not in own]


def users_of(account: Account, ids: Iterable[int | None]) -> list[dict[str, Any]]:
    """The account's users for these ids: the seeded admin in full, any other (accepted by a reference
    check that knows more users) as a partial entry, so that no named id is missing."""
    found = []
    for user_id in sorted({i for i in ids if isinstance(i, int)} | {account.user_id}):
        if user_id == account.user_id:
            found.append({"id": user_id, "display_name": f"{account.subdomain} admin",
                          "email": f"admin@{account.subdomain}.example.com", "is_active": True})
        else:
            found.append({"id": user_id, "partial": True})
    return found


def targets_of(call: Call, pairs: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    found = []
    for kind, target_id in sorted(set(pairs)):
        entry: dict[str, Any] = {"id": target_id, "type": kind, "display_name": None, "email": None}
        if kind in _ENTITIES:
            try:
                record = call.fs.records.get(call.account, _ENTITIES[kind], target_id)
                entry.update(display_name=record.get("display_name"), email=record.get("email"))
            except NotFoundError:
                continue  # deleted in between: links follow deletes, so the item is gone too
        found.append(entry)
    return found


def _selector(entries: list[dict[str, Any]], ids: Iterable[Any]) -> list[dict[str, Any]]:
    named = {i for i in ids if isinstance(i, int)}
    known = [entry for entry in entries if entry["id"] in named]
    return known + [{"id": i, "partial": True} for i in sorted(named - {e["id"] for e in known})]


def outcomes_of(ids: Iterable[Any]) -> list[dict[str, Any]]:
    """The outcome entries for these ids (a partial entry for one the defaults do not know)."""
    return _selector(SALES_ACTIVITY_OUTCOMES, ids)


def with_side_loads(call: Call, key: str, items: Sequence[dict[str, Any]], answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` (data key first, then ``meta`` if any) followed by the side-loads ``include=`` asks for."""
    extra: dict[str, Any] = {}
    for name in include_names(call, answer):
        if name in _USER_NAMES:
            ids = [item.get(field) for item in items for field in _USER_FIELDS]
            ids += [a["attendee_id"] for item in items for a in item.get("appointment_attendees", [])
                    if a["attendee_type"] == "FdMultitenant::User"]
            extra["users"] = users_of(call.account, ids)
        elif name in ("targetable", "targets"):
            pairs = [(item["targetable_type"], item["targetable_id"]) for item in items]
            pairs += [(a["attendee_type"], a["attendee_id"]) for item in items
                      for a in item.get("appointment_attendees", []) if a["attendee_type"] in _ENTITIES]
            extra["targets"] = targets_of(call, pairs)
        elif name in ("sales_activity_type", "sales_activity_types", "task_type"):
            extra["sales_activity_types"] = _selector(SALES_ACTIVITY_TYPES, [
                item.get("sales_activity_type_id", item.get("task_type_id")) for item in items])
        elif name in ("outcome", "outcomes", "sales_activity_outcome", "sales_activity_outcomes"):
            extra["sales_activity_outcomes"] = outcomes_of([
                item.get("sales_activity_outcome_id", item.get("outcome_id")) for item in items])
        else:
            extra.setdefault(name, [])
    return {**answer, **extra}
