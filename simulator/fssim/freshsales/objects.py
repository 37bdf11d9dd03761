"""Sales accounts and deals: the CRM objects beside leads and contacts, kept one way for both.

A :class:`Kind` says what one object type looks like (fields and their types, list views, the checks
only it needs); :class:`Objects` stores every account's objects of one kind: create, view, update,
delete, upsert by any field, and paged list views (reference §2.1, §2.3, §5). Every id a write names
is checked before anything is stored: owners and selector ids through
:meth:`fssim.freshsales.selectors.Selectors.problems`, and links to other records through the
kind's own ``links`` check, so a 400 names every problem at once and changes nothing.

Simulator policy: ``custom_field`` values are stored as given (accounts define custom fields for
leads and contacts only); the "My" view is the admin's records, "New" the last 7 days of simulated time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fssim import strictjson
from fssim.clock import Clock, isoformat, parse_iso
from fssim.freshsales.accounts import Account, Accounts
from fssim.freshsales.errors import NotFoundError, ValidationError
from fssim.freshsales.ids import IdSequence
from fssim.freshsales.selectors import Selectors
from fssim.store import Database

__all__ = ["MAX_PER_PAGE", "Kind", "ObjectPage", "Objects"]

MAX_PER_PAGE = 100
NEW_VIEW_DAYS = 7
Doc = dict[str, Any]
Messages = list[str]
Docs = list[Doc]  # named here because Objects.list shadows the builtin in the class
AccountRef = str | Account
# (owner, the doc after the write, the fields the write named) -> problems; run before anything is stored.
LinkCheck = Callable[[Account, Doc, Mapping[str, Any]], list[str]]
# (owner, stored doc) -> whether a named view shows it.
ViewTest = Callable[[Account, Doc], bool]


@dataclass
class Kind:
    entity: str  # "sales_account"
    plural: str  # "sales_accounts"
    label: str  # "SalesAccount", as targetable_type names it
    fields: dict[str, str]  # writable field -> text | number | id | ids | date | bool
    views: dict[str, ViewTest]  # "All Accounts" -> test
    defaults: Callable[[Account, Doc], None] = lambda owner, doc: None  # fill what a create left empty
    links: list[LinkCheck] = field(default_factory=list)
    unique_name: bool = False  # "Name has already been taken" (a captured 400 for sales accounts)
    aliases: dict[str, str] = field(default_factory=dict)  # another name clients write a field under


@dataclass(frozen=True)
class ObjectPage:
    records: list[Doc]
    total: int
    total_pages: int


class Objects:
    def __init__(self, db: Database, clock: Clock, ids: IdSequence, accounts: Accounts, selectors: Selectors,
                 kind: Kind) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids
        self._accounts = accounts
        self._selectors = selectors
        self.kind = kind
        self._docs = db.collection(f"fs_{kind.plural}")
        self._by_account = self._docs.index(lambda doc: doc["_account"])
        self._views = db.collection(f"fs_{kind.plural}_views")
        self._views_of = self._views.index(lambda doc: doc["_account"])
        # Called inside the delete's transaction with (subdomain, id): other stores drop their links.
        self.on_delete: list[Callable[[str, int], None]] = []

    # -- reading --------------------------------------------------------------------------------------

    def get(self, account: AccountRef, object_id: int) -> Doc:
        with self._db.lock:
            return _public(self._doc(self._owner(account).subdomain, object_id))

    def exists(self, account: AccountRef, object_id: Any) -> bool:
        if not isinstance(object_id, int) or isinstance(object_id, bool):
            return False
        with self._db.lock:
            return self._stored(self._owner(account).subdomain, object_id) is not None

    def all(self, account: AccountRef) -> Docs:
        with self._db.lock:
            owner = self._owner(account)
            return [_public(doc) for doc in self._all(owner.subdomain)]

    def count(self, account: AccountRef) -> int:
        with self._db.lock:
            return len(self._by_account.ids(self._owner(account).subdomain))

    def views(self, account: AccountRef) -> Docs:
        """The account's list views (``GET /<plural>/filters``), made on first use."""
        with self._db.transaction():
            owner = self._owner(account)
            if not self._views_of.ids(owner.subdomain):
                for name in self.kind.views:
                    view_id = self._ids.next()
                    self._views.insert({"id": view_id, "name": name, "_account": owner.subdomain}, doc_id=view_id)
            docs = [self._views.get(i) for i in sorted(self._views_of.ids(owner.subdomain))]
            return [{"id": doc["id"], "name": doc["name"]} for doc in docs if doc is not None]

    def list(self, account: AccountRef, view_id: int, *, page: int = 1, per_page: int = 25,
             sort: str | None = None, sort_type: str = "desc") -> ObjectPage:
        problems: Messages = []
        if page < 1:
            problems.append(f"page must be a whole number >= 1, got {page}")
        if not 1 <= per_page <= MAX_PER_PAGE:
            problems.append(f"per_page must be a whole number from 1 to {MAX_PER_PAGE}, got {per_page}")
        if sort_type not in ("asc", "desc"):
            problems.append(f"sort_type must be asc or desc, got {sort_type!r}")
        sort_field = sort or "created_at"
        if sort_field not in {"id", "created_at", "updated_at", *self.kind.fields}:
            problems.append(f"sort field {sort_field} is not a sortable field of {self.kind.plural}")
        if problems:
            raise ValidationError(*problems)
        owner = self._owner(account)
        view = next((v for v in self.views(owner) if v["id"] == view_id), None)
        if view is None:
            raise NotFoundError(f"View {view_id} not found for {self.kind.plural}")
        with self._db.lock:
            test = self.kind.views[view["name"]]
            docs = [doc for doc in self._all(owner.subdomain) if test(owner, doc)]
        present = [doc for doc in docs if _sortable(doc.get(sort_field)) is not None]
        missing = sorted((doc for doc in docs if _sortable(doc.get(sort_field)) is None), key=lambda d: d["id"])
        present.sort(key=lambda doc: (_sortable(doc.get(sort_field)), doc["id"]), reverse=sort_type == "desc")
        ordered = present + missing
        chosen = ordered[(page - 1) * per_page: page * per_page]
        return ObjectPage([_public(doc) for doc in chosen], len(ordered), max(1, math.ceil(len(ordered) / per_page)))

    # -- writing --------------------------------------------------------------------------------------

    def create(self, account: AccountRef, payload: Mapping[str, Any]) -> Doc:
        with self._db.transaction():
            owner = self._owner(account)
            doc = self._build(owner, {name: None for name in self.kind.fields}, payload, own_id=None)
            object_id = self._ids.next()
            now = isoformat(self._clock.now())
            doc.update(id=object_id, created_at=now, updated_at=now, tags=[], is_deleted=False)
            self._docs.insert(doc, doc_id=object_id)
            return _public(doc)

    def update(self, account: AccountRef, object_id: int, payload: Mapping[str, Any]) -> Doc:
        with self._db.transaction():
            owner = self._owner(account)
            current = self._doc(owner.subdomain, object_id)
            doc = self._build(owner, strictjson.deep_copy(current), payload, own_id=object_id)
            if doc != current:
                doc["updated_at"] = isoformat(self._clock.now())
                self._docs.replace(object_id, doc)
            return _public(doc)

    def delete(self, account: AccountRef, object_id: int) -> Doc:
        with self._db.transaction():
            owner = self._owner(account)
            doc = self._doc(owner.subdomain, object_id)
            self._docs.delete(object_id)
            for unlink in self.on_delete:
                unlink(owner.subdomain, object_id)
            return _public(doc)

    def upsert(self, account: AccountRef, identifier: Any, payload: Mapping[str, Any]) -> tuple[Doc, bool]:
        """Update the object whose fields equal every identifier value (names compared trimmed and
        case-insensitively), or create one with the identifier's values. Returns ``(object, created)``."""
        if not isinstance(identifier, dict) or not identifier:
            raise ValidationError('unique_identifier must be an object naming a field, e.g. {"name": "Acme"}')
        with self._db.transaction():
            owner = self._owner(account)
            match = self.find(owner, identifier)
            if match is not None:
                return self.update(owner, match, payload), False
            merged = dict(payload)
            for name, value in identifier.items():
                if name.startswith("cf_"):
                    merged.setdefault("custom_field", {}).setdefault(name, value)
                else:
                    merged.setdefault(name, value)
            return self.create(owner, merged), True

    def find(self, account: AccountRef, identifier: Mapping[str, Any]) -> int | None:
        """The oldest object whose fields equal every identifier value."""
        with self._db.lock:
            owner = self._owner(account)
            for doc in sorted(self._all(owner.subdomain), key=lambda d: d["id"]):
                if all(_same(_value(doc, name), value) for name, value in identifier.items()):
                    return int(doc["id"])
            return None

    def unlink(self, subdomain: str, field_name: str, linked_id: int) -> None:
        """Clear ``field_name`` (an id, or a list of ids) wherever it names ``linked_id`` (a deleted record)."""
        with self._db.transaction():
            for doc in self._all(subdomain):
                value = doc.get(field_name)
                if value == linked_id:
                    self._docs.replace(doc["id"], {**doc, field_name: None})
                elif isinstance(value, list) and linked_id in value:
                    self._docs.replace(doc["id"], {**doc, field_name: [v for v in value if v != linked_id]})

    # -- helpers --------------------------------------------------------------------------------------

    def _owner(self, account: AccountRef) -> Account:
        return account if isinstance(account, Account) else self._accounts.require(account)

    def _all(self, subdomain: str) -> Docs:
        return [dict(doc) for doc in (self._docs.get(i) for i in self._by_account.ids(subdomain)) if doc is not None]

    def _stored(self, subdomain: str, object_id: int) -> Doc | None:
        doc = self._docs.get(object_id) if isinstance(object_id, int) and object_id > 0 else None
        return dict(doc) if doc is not None and doc["_account"] == subdomain else None

    def _doc(self, subdomain: str, object_id: int) -> Doc:
        doc = self._stored(subdomain, object_id)
        if doc is None:
            raise NotFoundError(f"{self.kind.label} {object_id} not found")
        return doc

    def _build(self, owner: Account, doc: Doc, payload: Any, *, own_id: int | None) -> Doc:
        if not isinstance(payload, Mapping):
            raise ValidationError(f"The {self.kind.entity} must be a JSON object")
        problems: Messages = []
        written: dict[str, Any] = {}
        for given, value in payload.items():
            name: str = self.kind.aliases.get(str(given), str(given))
            kind = self.kind.fields.get(name)
            if kind is None:
                continue  # unknown or read-only attribute: dropped, as for leads and contacts
            coerced = _coerce(kind, value)
            if coerced is _INVALID:
                problems.append(f"The type for {name} is invalid.")
            else:
                written[name] = coerced
        custom = payload.get("custom_field")
        if custom is not None and not isinstance(custom, dict):
            problems.append("The type for custom_field is invalid.")
        doc.update(written)
        doc["custom_field"] = {**(doc.get("custom_field") or {}), **(custom if isinstance(custom, dict) else {}),
                               **{k: v for k, v in payload.items() if k.startswith("cf_")}}
        if own_id is None:
            self.kind.defaults(owner, doc)
        if "name" in self.kind.fields and not str(doc.get("name") or "").strip():
            problems.append("Name can't be blank")
        elif self.kind.unique_name:
            taken = self.find(owner, {"name": doc["name"]})
            if taken is not None and taken != own_id:
                problems.append("Name has already been taken")
        problems.extend(self._selectors.problems(owner, {k: v for k, v in written.items() if k.endswith("_id")}))
        for check in self.kind.links:
            problems.extend(check(owner, doc, written))
        if problems:
            raise ValidationError(*problems)
        doc["_account"] = owner.subdomain
        return doc


_INVALID = object()


def _coerce(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("text", "date"):
        return value if isinstance(value, str) else _INVALID
    if kind == "bool":
        return value if isinstance(value, bool) else _INVALID
    if kind == "number":
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                return _INVALID
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return _INVALID
        return int(value) if float(value).is_integer() else float(value)
    if kind == "id":
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return value if isinstance(value, int) and not isinstance(value, bool) else _INVALID
    if kind == "ids":
        items = [_coerce("id", item) for item in (value if isinstance(value, list) else [_INVALID])]
        return _INVALID if any(item is _INVALID or item is None for item in items) else list(dict.fromkeys(items))
    return _INVALID


def _value(doc: Mapping[str, Any], name: str) -> Any:
    if name.startswith("cf_"):
        return (doc.get("custom_field") or {}).get(name)
    return doc.get(name)


def _same(stored: Any, wanted: Any) -> bool:
    if isinstance(stored, str) and isinstance(wanted, str):
        return stored.strip().lower() == wanted.strip().lower()
    return bool(stored == wanted)


def _sortable(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _public(doc: Mapping[str, Any]) -> Doc:
    return {key: value for key, value in doc.items() if not key.startswith("_")}


def in_last_days(clock: Clock, days: int = NEW_VIEW_DAYS) -> ViewTest:
    def test(owner: Account, doc: Doc) -> bool:
        return parse_iso(str(doc["created_at"])) >= clock.now() - timedelta(days=days)

    return test
