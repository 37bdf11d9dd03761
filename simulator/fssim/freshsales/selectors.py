"""The configuration lists of each account (``GET /api/selector/<kind>``) and the check that an id a
record names is one of them.

Freshsales answers ``selector/lifecycle_stages`` and the like with the account's own choices, each with
an account-specific id; connectors (rudder-transformer's destination) fetch a list, find an entry by
``name`` and send its id (reference §6). Every account here starts with realistic defaults
(:data:`DEFAULTS`; the ids come from the one id sequence, so they differ per account, as in the real
service). ``owners`` is the account's users (:mod:`fssim.freshsales.users`).

    selectors = fs.selectors
    selectors.list("acme", "lifecycle_stages")              # [{"id": ..., "name": "Lead", ...}, ...]
    selectors.find("acme", "lifecycle_stages", "customer")  # by name, case-insensitive, or None
    selectors.require("acme", "deal_stages", 16000000123)   # the entry, or ValidationError (400)
    selectors.problems("acme", {"owner_id": 1, "territory_id": 2})  # one message per bad id

Simulator policy: the defaults are seeded on an account's first use (so accounts restored from a file
get them too); the lists are read-only through the REST API, as the real selector endpoints are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fssim.freshsales.accounts import Account, Accounts
from fssim.freshsales.errors import NotFoundError, ValidationError
from fssim.freshsales.ids import IdSequence
from fssim.freshsales.users import Users
from fssim.store import Database

__all__ = ["DEFAULTS", "FIELD_KINDS", "KINDS", "RESPONSE_KEYS", "Selectors"]

Entry = dict[str, Any]
Messages = list[str]  # named here because Selectors.list shadows the builtin in the class
AccountRef = str | Account

# Per kind, the entries every account starts with: name plus the extra keys the real lists carry.
DEFAULTS: dict[str, list[Entry]] = {
    "lifecycle_stages": [
        {"name": "Lead", "type": "Lead"}, {"name": "Sales Qualified Lead", "type": "Sales Qualified Lead"},
        {"name": "Customer", "type": "Customer"}],
    "contact_statuses": [
        {"name": "New", "stage": "Lead"}, {"name": "Contacted", "stage": "Lead"},
        {"name": "Interested", "stage": "Lead"}, {"name": "Qualified", "stage": "Sales Qualified Lead"},
        {"name": "Negotiation", "stage": "Sales Qualified Lead"}, {"name": "Won", "stage": "Customer"},
        {"name": "Lost", "stage": "Lead"}],
    "lead_sources": [{"name": n} for n in ("Web", "Email", "Phone", "Chat", "Organic Search", "Paid Search",
                                           "Referral", "Social Media", "Segment")],
    "territories": [{"name": n} for n in ("North America", "Europe", "Asia Pacific")],
    "industry_types": [{"name": n} for n in ("Agriculture", "Banking", "Computer Software", "Education",
                                             "Healthcare", "Manufacturing", "Retail", "Telecommunications",
                                             "Other")],
    "business_types": [{"name": n} for n in ("Analyst", "Competitor", "Customer", "Integrator", "Investor",
                                             "Partner", "Press", "Prospect", "Reseller", "Other")],
    "deal_pipelines": [{"name": "Default Pipeline", "is_default": True}],
    "deal_stages": [
        {"name": "New", "choice_type": "open", "probability": 10}, {"name": "Qualification", "choice_type": "open",
                                                                    "probability": 30},
        {"name": "Demo", "choice_type": "open", "probability": 50},
        {"name": "Negotiation", "choice_type": "open", "probability": 80},
        {"name": "Won", "choice_type": "won", "probability": 100},
        {"name": "Lost", "choice_type": "lost", "probability": 0}],
    # The names and keys of the real list (reference §3.2, a rudder-transformer capture).
    "sales_activity_types": [
        {"partial": True, "name": n, "internal_name": n.lower().replace(" ", "_"), "show_in_conversation": True,
         "is_default": True, "is_checkedin": False}
        for n in ("Chat", "Phone", "Meeting", "Task", "Email", "SMS Outgoing", "Reminder", "SMS Incoming")],
    "sales_activity_outcomes": [{"name": n} for n in ("Interested", "Not interested", "Left voice message",
                                                      "No response", "Busy", "Wrong number")],
}
KINDS: tuple[str, ...] = ("owners", *DEFAULTS)
# The key of each answer: owners are users (``{"users": [...]}``), every other list is named as its kind.
RESPONSE_KEYS = {kind: ("users" if kind == "owners" else kind) for kind in KINDS}
# Record fields whose value is an id of one of these lists (what :meth:`Selectors.problems` checks).
FIELD_KINDS = {
    "owner_id": "owners", "lead_source_id": "lead_sources", "territory_id": "territories",
    "contact_status_id": "contact_statuses", "lifecycle_stage_id": "lifecycle_stages",
    "industry_type_id": "industry_types", "business_type_id": "business_types",
    "deal_stage_id": "deal_stages", "deal_pipeline_id": "deal_pipelines",
    "sales_activity_type_id": "sales_activity_types", "sales_activity_outcome_id": "sales_activity_outcomes",
}


class Selectors:
    def __init__(self, db: Database, ids: IdSequence, accounts: Accounts, users: Users) -> None:
        self._db = db
        self._ids = ids
        self._accounts = accounts
        self._users = users
        self._entries = db.collection("fs_selectors")
        self._by_kind = self._entries.index(lambda doc: (doc["_account"], doc["_kind"]))
        self._by_account = self._entries.index(lambda doc: doc["_account"])

    def list(self, account: AccountRef, kind: str) -> list[Entry]:
        """The account's entries of ``kind`` in their order (:class:`NotFoundError` for an unknown kind)."""
        if kind not in KINDS:
            raise NotFoundError(f"Unknown selector {kind!r}: the selectors are {', '.join(KINDS)}")
        owner = self._owner(account)
        if kind == "owners":
            return self._users.list(owner)
        with self._db.transaction():
            self._seed(owner)
            docs = [self._entries.get(i) for i in self._by_kind.ids((owner.subdomain, kind))]
            ordered = sorted((dict(doc) for doc in docs if doc is not None), key=lambda d: d["position"])
            return [{k: v for k, v in doc.items() if not k.startswith("_")} for doc in ordered]

    def find(self, account: AccountRef, kind: str, name: str) -> Entry | None:
        """The entry whose name is ``name`` (trimmed, case-insensitive); for owners, name or email."""
        wanted = name.strip().lower() if isinstance(name, str) else None
        for entry in self.list(account, kind):
            names = {str(entry.get("name") or entry.get("display_name") or "").lower(),
                     str(entry.get("email") or "").lower()}
            if wanted and wanted in names:
                return entry
        return None

    def get(self, account: AccountRef, kind: str, entry_id: Any) -> Entry | None:
        if not isinstance(entry_id, int) or isinstance(entry_id, bool):
            return None
        return next((entry for entry in self.list(account, kind) if entry["id"] == entry_id), None)

    def require(self, account: AccountRef, kind: str, entry_id: Any, *, field: str | None = None) -> Entry:
        """The entry with this id, or :class:`ValidationError` (400) naming the field and the list to read."""
        if kind == "owners":
            return self._users.require(self._owner(account), entry_id, field=field or "owner_id")
        found = self.get(account, kind, entry_id)
        if found is None:
            name = field or f"{kind} id"
            raise ValidationError(f"{name} {entry_id!r} is not one of this account's {kind} "
                                  f"(GET /api/selector/{kind} lists them)")
        return found

    def problems(self, account: AccountRef, values: Mapping[str, Any]) -> Messages:
        """One message per field of :data:`FIELD_KINDS` in ``values`` whose id is not in its list
        (``None`` clears a field and is always allowed)."""
        found: Messages = []
        if FIELD_KINDS.keys().isdisjoint(values):  # most writes name none of them: no walk of the kinds
            return found
        for field, kind in FIELD_KINDS.items():
            value = values.get(field)
            if value is None:
                continue
            try:
                self.require(account, kind, value, field=field)
            except ValidationError as error:
                found.extend(error.messages)
        return found

    def count(self, account: AccountRef) -> int:
        """How many entries the account's lists hold (users not counted)."""
        owner = self._owner(account)
        with self._db.transaction():
            self._seed(owner)
            return len(self._by_account.ids(owner.subdomain))

    # -- helpers --------------------------------------------------------------------------------------

    def _owner(self, account: AccountRef) -> Account:
        return account if isinstance(account, Account) else self._accounts.require(account)

    def _seed(self, owner: Account) -> None:
        if self._by_account.ids(owner.subdomain):
            return
        made: dict[str, dict[str, int]] = {}
        for kind, entries in DEFAULTS.items():
            for position, template in enumerate(entries, start=1):
                entry_id = self._ids.next()
                made.setdefault(kind, {})[template["name"]] = entry_id
                doc: Entry = {"id": entry_id, **template, "position": position,
                              "_account": owner.subdomain, "_kind": kind}
                self._link(doc, made)
                self._entries.insert(doc, doc_id=entry_id)

    @staticmethod
    def _link(doc: Entry, made: dict[str, dict[str, int]]) -> None:
        """Turn a default's name reference into the id made for it (kinds seed in DEFAULTS' order)."""
        if doc["_kind"] == "contact_statuses":
            doc["lifecycle_stage_id"] = made["lifecycle_stages"][doc.pop("stage")]
        elif doc["_kind"] == "deal_stages":
            doc["deal_pipeline_id"] = made["deal_pipelines"]["Default Pipeline"]
