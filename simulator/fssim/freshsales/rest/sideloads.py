"""``include=`` side-loads (reference §5): sibling arrays next to the data key. Clients index them by id
without checking, so **every id an answer names is in the side-load it belongs to**, in full: users
from ``fs.users``, configuration entries from ``fs.selectors``, linked records from their own stores.
A side-load holds the entries named, not the account's whole list.

On leads, contacts, sales accounts and deals (:func:`record_side_loads`):

* ``owner``, ``creater``, ``updater``, ``users`` -> ``users`` (every owner, creator and updater named);
* ``notes``, ``sales_activities``, ``tasks``, ``appointments``: the items that target these records;
  each record then names its own (``note_ids``, ``appointment_ids``…), the way clients such as
  freshsalessdk join them, and the outcomes appointments name come along in ``outcomes``;
* the selector lists (:data:`SELECTOR_SIDE_LOADS`: ``contact_status``, ``deal_stages``,
  ``industry_types``…): the entries the records' ``*_id`` fields name;
* ``sales_accounts``/``sales_account`` (the accounts the records link), ``contacts``/``contact`` (those
  a deal names), ``deals``/``deal`` (those naming the records).

On tasks, appointments and sales activities (:func:`with_side_loads`):

* ``owner``, ``creater``, ``updater``, ``users``, ``appointment_attendees`` -> ``users``: every user id
  named (owner, creator, updater, user attendees);
* ``targetable``, ``targets`` -> ``targets``: ``{"id", "type", "display_name", "email"}`` of every target
  and lead/contact attendee (simulator policy: a short form of each, as the name says);
* ``sales_activity_type(s)``, ``task_type`` -> ``sales_activity_types``; ``outcome(s)``,
  ``sales_activity_outcome(s)`` -> ``sales_activity_outcomes``.

Any other name gets an empty array of that name (clients expect the key); a name that is the answer's
own key (``lead``, ``leads``, ``meta``) is ignored: a side-load never replaces the record itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from fssim.freshsales.errors import NotFoundError
from fssim.freshsales.rest.auth import Call
from fssim.freshsales.selectors import FIELD_KINDS

__all__ = [
    "SELECTOR_SIDE_LOADS", "include_names", "outcomes_of", "record_side_loads", "selector_entries", "side_load",
    "targets_of", "users_of", "with_side_loads",
]

Entries = list[dict[str, Any]]

_USER_NAMES = ("owner", "creater", "creator", "updater", "users", "appointment_attendees")
_USER_FIELDS = ("owner_id", "creater_id", "creator_id", "updater_id")
_ENTITIES = {"Lead": "lead", "Contact": "contact"}
_ITEM_KINDS = {"notes": "note", "sales_activities": "sales_activity", "tasks": "task", "appointments": "appointment"}

# include name -> (answer key, selector kind).
SELECTOR_SIDE_LOADS: dict[str, tuple[str, str]] = {
    "contact_status": ("contact_status", "contact_statuses"),
    "contact_statuses": ("contact_status", "contact_statuses"),
    **{name: (plural, plural) for singular, plural in (
        ("deal_stage", "deal_stages"), ("deal_pipeline", "deal_pipelines"), ("industry_type", "industry_types"),
        ("business_type", "business_types"), ("territory", "territories"), ("lead_source", "lead_sources"),
        ("lifecycle_stage", "lifecycle_stages")) for name in (singular, plural)},
}
# selector kind -> the fields whose value is one of its ids (tasks name types and outcomes by other names).
_KIND_FIELDS: dict[str, tuple[str, ...]] = {}
for _field, _kind in FIELD_KINDS.items():
    _KIND_FIELDS[_kind] = (*_KIND_FIELDS.get(_kind, ()), _field)
_KIND_FIELDS["sales_activity_types"] += ("task_type_id",)
_KIND_FIELDS["sales_activity_outcomes"] += ("outcome_id",)


def include_names(call: Call, envelope: Iterable[str]) -> list[str]:
    """The names of ``?include=``, without those that are the answer's own keys."""
    own = set(envelope)
    return [name.strip() for name in call.query.get("include", "").split(",")
            if name.strip() and name.strip() not in own]


def _ids(values: Iterable[Any]) -> list[int]:
    return sorted({v for v in values if isinstance(v, int) and not isinstance(v, bool)})


def users_of(call: Call, ids: Iterable[Any]) -> Entries:
    """The account's users with these ids (and its admin, the default owner), ordered by id."""
    wanted = set(_ids(ids)) | {call.account.user_id}
    return sorted((user for user in call.fs.users.list(call.account) if user["id"] in wanted),
                  key=lambda user: user["id"])


def selector_entries(call: Call, kind: str, ids: Iterable[Any]) -> Entries:
    """The entries of the account's ``kind`` list with these ids, in the list's order."""
    wanted = set(_ids(ids))
    return [entry for entry in call.fs.selectors.list(call.account, kind) if entry["id"] in wanted] if wanted else []


def outcomes_of(call: Call, ids: Iterable[Any]) -> Entries:
    return selector_entries(call, "sales_activity_outcomes", ids)


def _named(records: Sequence[Mapping[str, Any]], fields: Iterable[str]) -> list[Any]:
    return [record.get(field) for record in records for field in fields]


def targets_of(call: Call, pairs: Iterable[tuple[str, int]]) -> Entries:
    found = []
    stores = {"SalesAccount": call.fs.sales_accounts, "Deal": call.fs.deals}
    for kind, target_id in sorted(set(pairs)):
        entry: dict[str, Any] = {"id": target_id, "type": kind, "display_name": None, "email": None}
        try:
            if kind in _ENTITIES:
                record = call.fs.records.get(call.account, _ENTITIES[kind], target_id)
                entry.update(display_name=record.get("display_name"), email=record.get("email"))
            elif kind in stores:
                entry["display_name"] = stores[kind].get(call.account, target_id).get("name")
        except NotFoundError:
            continue  # deleted in between: links follow deletes, so the item is gone too
        found.append(entry)
    return found


def _linked_accounts(record: Mapping[str, Any]) -> list[int]:
    ids = [link["id"] for link in record.get("sales_accounts") or [] if isinstance(link, Mapping)]
    for name in ("sales_account_id", "parent_sales_account_id"):
        if isinstance(record.get(name), int):
            ids.append(record[name])
    return ids


def side_load(call: Call, name: str, records: Sequence[Mapping[str, Any]]) -> tuple[str, list[Any]] | None:
    """``(answer key, entries)`` for one include name on records, or None when this module does not know it."""
    account = call.account
    if name in SELECTOR_SIDE_LOADS:
        key, kind = SELECTOR_SIDE_LOADS[name]
        return key, selector_entries(call, kind, _named(records, _KIND_FIELDS[kind]))
    if name in ("owner", "creater", "updater", "users"):
        return "users", users_of(call, _named(records, _USER_FIELDS))
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


def record_side_loads(call: Call, targetable_type: str, envelope: Iterable[str],
                      records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The side-loads ``include=`` asks for on leads, contacts, sales accounts or deals
    (``targetable_type`` ``Lead``, ``Contact``, ``SalesAccount``, ``Deal``)."""
    if not call.query.get("include"):
        return {}  # what the loop below makes of no include=, without the work
    extra: dict[str, Any] = {}
    ids = {record["id"] for record in records}
    for name in include_names(call, envelope):
        if name in _ITEM_KINDS:
            kind = _ITEM_KINDS[name]
            items = call.fs.engagements.targeting(call.account.subdomain, kind, targetable_type, ids)
            extra[name] = items
            for record in records:
                cast(dict[str, Any], record)[f"{kind}_ids"] = [
                    item["id"] for item in items if item["targetable_id"] == record["id"]]
            if kind == "appointment":
                extra["outcomes"] = outcomes_of(call, [item.get("outcome_id") for item in items])
        elif (loaded := side_load(call, name, records)) is not None:
            extra[loaded[0]] = loaded[1]
        else:
            extra.setdefault(name, [])
    return extra


def with_side_loads(call: Call, key: str, items: Sequence[dict[str, Any]], answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` (data key first, then ``meta`` if any) followed by the side-loads ``include=`` asks for,
    on tasks, appointments or sales activities."""
    extra: dict[str, Any] = {}
    for name in include_names(call, answer):
        if name in _USER_NAMES:
            ids = _named(items, _USER_FIELDS)
            ids += [a["attendee_id"] for item in items for a in item.get("appointment_attendees", [])
                    if a["attendee_type"] == "FdMultitenant::User"]
            extra["users"] = users_of(call, ids)
        elif name in ("targetable", "targets"):
            pairs = [(item["targetable_type"], item["targetable_id"]) for item in items]
            pairs += [(a["attendee_type"], a["attendee_id"]) for item in items
                      for a in item.get("appointment_attendees", []) if a["attendee_type"] in _ENTITIES]
            extra["targets"] = targets_of(call, pairs)
        elif name in ("sales_activity_type", "sales_activity_types", "task_type"):
            extra["sales_activity_types"] = selector_entries(
                call, "sales_activity_types", _named(items, _KIND_FIELDS["sales_activity_types"]))
        elif name in ("outcome", "outcomes", "sales_activity_outcome", "sales_activity_outcomes"):
            extra["sales_activity_outcomes"] = outcomes_of(call, _named(items, _KIND_FIELDS["sales_activity_outcomes"]))
        else:
            extra.setdefault(name, [])
    return {**answer, **extra}
