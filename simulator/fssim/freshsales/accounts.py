"""Freshsales accounts: subdomain, product, plan, API keys, custom fields and the Segment toggle.

Several accounts live side by side in one simulator; every record, note and activity carries its
account's subdomain and every lookup is keyed by it, so accounts never see each other's data.
API keys live in their own table with an index, because a request finds its account by key alone.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fssim.clock import Clock, isoformat
from fssim.errors import FssimError
from fssim.freshsales.fields import ENTITIES, FieldSpec, custom_field_spec
from fssim.freshsales.ids import IdSequence
from fssim.freshsales.plans import DEFAULT_PLAN, Plan, plan_named
from fssim.store import Database

__all__ = ["PRODUCTS", "Account", "AccountExistsError", "Accounts", "UnknownAccountError"]

PRODUCTS = ("classic", "suite")
_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_KEY_ALPHABET = string.ascii_letters + string.digits
# The list views every new account starts with (reference §5 names "All Contacts", "My Contacts"…).
_VIEW_NAMES = ("All {p}", "My {p}", "New {p}")


class AccountExistsError(FssimError, ValueError):
    """A subdomain or an API key that another account already has (control API: 409)."""


class UnknownAccountError(FssimError, KeyError):
    def __init__(self, subdomain: str) -> None:
        super().__init__(subdomain)
        self.subdomain = subdomain

    def __str__(self) -> str:
        return f"no Freshsales account with subdomain {self.subdomain!r}"


@dataclass(frozen=True)
class Account:
    """A snapshot of one account (change it through :class:`Accounts`)."""

    subdomain: str
    plan: Plan
    product: str
    api_keys: tuple[str, ...]
    segment_enabled: bool
    segment_history: tuple[dict[str, Any], ...]
    rate_limits: bool
    custom_fields: dict[str, dict[str, FieldSpec]]
    views: dict[str, list[dict[str, Any]]]
    user_id: int
    created_at: str
    field_ids: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def has_leads(self) -> bool:
        """Freshsales Suite accounts have no leads module (reference §2.1)."""
        return self.product == "classic"

    @property
    def api_key(self) -> str:
        """The first key: what the Segment toggle hands to Segment (R2)."""
        return self.api_keys[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "subdomain": self.subdomain,
            "product": self.product,
            "plan": self.plan.to_json(),
            "api_keys": list(self.api_keys),
            "hosts": [f"{self.subdomain}.freshsales.io", f"{self.subdomain}.myfreshworks.com"],
            "segment": {"enabled": self.segment_enabled, "history": list(self.segment_history)},
            "rate_limits": self.rate_limits,
            "custom_fields": {
                entity: [{"name": s.name, "type": s.type, "label": s.label, "choices": list(s.choices)}
                         for s in specs.values()]
                for entity, specs in self.custom_fields.items()
            },
            "created_at": self.created_at,
        }


def _account_from(doc: dict[str, Any], keys: list[str]) -> Account:
    custom = {
        entity: {
            name: FieldSpec(name, spec["label"], spec["type"], choices=tuple(spec.get("choices", ())))
            for name, spec in doc["custom_fields"].get(entity, {}).items()
        }
        for entity in ENTITIES
    }
    field_ids = {entity: {name: spec["id"] for name, spec in doc["custom_fields"].get(entity, {}).items()}
                 for entity in ENTITIES}
    return Account(
        subdomain=doc["subdomain"],
        plan=plan_named(doc["plan"]),
        product=doc["product"],
        api_keys=tuple(keys),
        segment_enabled=doc["segment_enabled"],
        segment_history=tuple(dict(entry) for entry in doc["segment_history"]),
        rate_limits=doc["rate_limits"],
        custom_fields=custom,
        views={entity: [dict(view) for view in views] for entity, views in doc["views"].items()},
        user_id=doc["user_id"],
        created_at=doc["created_at"],
        field_ids=field_ids,
    )


class Accounts:
    def __init__(self, db: Database, clock: Clock, ids: IdSequence) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids
        self._accounts = db.collection("fs_accounts")
        self._keys = db.collection("fs_api_keys")
        self._by_subdomain = self._accounts.index(lambda doc: doc.get("subdomain"))
        self._by_key = self._keys.index(lambda doc: doc.get("key"))
        self._keys_of = self._keys.index(lambda doc: doc.get("subdomain"))
        # How many times an Account was built from storage: the instrument that keeps a request from
        # re-reading its account (tests/freshsales/test_fs_receiver_reads.py).
        self.rebuilds = 0
        # Built Accounts by subdomain. Any write to either collection (toggle, plan, keys, custom fields,
        # rate limits, a reset ...) forgets them all: writes are rare, reads are every request's.
        self._cached: dict[str, Account] = {}
        self._cached_by_key: dict[str, Account] = {}
        self._accounts.watch(self._forget)
        self._keys.watch(self._forget)

    # -- reading --------------------------------------------------------------------------------------

    def get(self, subdomain: str) -> Account | None:
        """The account (shared and cached until its next change: read it, never change it)."""
        if not isinstance(subdomain, str):
            return None
        subdomain = subdomain.strip().lower()
        with self._db.lock:
            cached = self._cached.get(subdomain)
            if cached is not None:
                return cached
            doc_id = self._by_subdomain.first(subdomain)
            if doc_id is None:
                return None
            doc = self._accounts.get(doc_id)
            assert doc is not None
            account = self._cached[subdomain] = self._account_from(doc)
            return account

    def require(self, subdomain: str) -> Account:
        account = self.get(subdomain)
        if account is None:
            raise UnknownAccountError(subdomain)
        return account

    def by_api_key(self, key: str) -> Account | None:
        with self._db.lock:
            cached = self._cached_by_key.get(key)
            if cached is not None:
                return cached
            doc_id = self._by_key.first(key)
            if doc_id is None:
                return None
            key_doc = self._keys.get(doc_id)
            assert key_doc is not None
            account = self.get(key_doc["subdomain"])
            if account is not None:
                self._cached_by_key[key] = account
            return account

    def all(self) -> list[Account]:
        with self._db.lock:
            return [self._account_from(doc) for _, doc in self._accounts.items()]

    def _forget(self) -> None:
        self._cached.clear()
        self._cached_by_key.clear()

    def _account_from(self, doc: dict[str, Any]) -> Account:
        self.rebuilds += 1
        return _account_from(doc, self._api_keys(doc["subdomain"]))

    def _api_keys(self, subdomain: str) -> list[str]:
        docs = (self._keys.get(doc_id) for doc_id in sorted(self._keys_of.ids(subdomain)))
        return [doc["key"] for doc in docs if doc is not None]

    # -- changing -------------------------------------------------------------------------------------

    def create(
        self, subdomain: str, plan: str = DEFAULT_PLAN, api_key: str | None = None, product: str = "classic"
    ) -> Account:
        """A new account; ``ValueError`` naming the problem for bad input, :class:`AccountExistsError`
        when the subdomain or the key is taken. A missing key is generated (like the real 18+ chars)."""
        if not isinstance(subdomain, str) or not _SUBDOMAIN.match(subdomain.strip().lower()):
            raise ValueError(f"subdomain {subdomain!r} must be 1-63 letters, digits or '-' (as in acme.freshsales.io)")
        subdomain = subdomain.strip().lower()
        plan_named(plan)  # raises ValueError naming the plans
        if product not in PRODUCTS:
            raise ValueError(f"product {product!r} must be one of {', '.join(PRODUCTS)}")
        key = api_key if api_key is not None else self._new_key()
        self._check_key(key)
        with self._db.transaction():
            if subdomain in self._by_subdomain:
                raise AccountExistsError(f"an account with subdomain {subdomain!r} already exists")
            if key in self._by_key:
                raise AccountExistsError("that API key already belongs to an account")
            views = {
                entity: [{"id": self._ids.next(), "name": name.format(p=entity.capitalize() + "s")}
                         for name in _VIEW_NAMES]
                for entity in ENTITIES
            }
            self._accounts.insert({
                "subdomain": subdomain,
                "plan": plan.strip().lower(),
                "product": product,
                "segment_enabled": False,
                "segment_history": [],
                "rate_limits": True,
                "custom_fields": {entity: {} for entity in ENTITIES},
                "views": views,
                "user_id": self._ids.next(),
                "created_at": isoformat(self._clock.now()),
            })
            self._keys.insert({"key": key, "subdomain": subdomain})
            return self.require(subdomain)

    def add_api_key(self, subdomain: str, api_key: str | None = None) -> str:
        key = api_key if api_key is not None else self._new_key()
        self._check_key(key)
        with self._db.transaction():
            account = self.require(subdomain)
            if key in self._by_key:
                raise AccountExistsError("that API key already belongs to an account")
            self._keys.insert({"key": key, "subdomain": account.subdomain})
            return key

    def set_segment_toggle(self, subdomain: str, enabled: bool, *, source: str | None, via: str) -> Account:
        """Record the toggle's state and a history entry (time, on/off, source, via)."""
        entry = {"at": isoformat(self._clock.now()), "enabled": bool(enabled), "source": source, "via": via}
        return self._change(subdomain, lambda doc: doc.update(
            segment_enabled=bool(enabled), segment_history=[*doc["segment_history"], entry]))

    def set_rate_limits(self, subdomain: str, enabled: bool) -> Account:
        """The per-account switch for plan limits (R12)."""
        return self._change(subdomain, lambda doc: doc.update(rate_limits=bool(enabled)))

    def set_plan(self, subdomain: str, plan: str) -> Account:
        name = plan_named(plan).name
        return self._change(subdomain, lambda doc: doc.update(plan=name))

    def define_custom_field(
        self, subdomain: str, entity: str, name: str, type_: str = "text",
        label: str | None = None, choices: list[str] | None = None,
    ) -> FieldSpec:
        """Add (or redefine the label/choices of) a ``cf_*`` field; ``ValueError`` for a bad definition.
        A field's type cannot change once defined, as in Freshsales, because stored values would lie."""
        if entity not in ENTITIES:
            raise ValueError(f"entity {entity!r} must be one of {', '.join(ENTITIES)}")
        spec = custom_field_spec(name, type_, label, choices)
        with self._db.transaction():
            account = self.require(subdomain)
            existing = account.custom_fields[entity].get(name)
            if existing is not None and existing.type != spec.type:
                raise ValueError(f"{name} is already a {existing.type} field of {entity}s; its type cannot change")
            field_id = account.field_ids[entity].get(name) or self._ids.next()
            stored = {"label": spec.label, "type": spec.type, "choices": list(spec.choices), "id": field_id}

            def add(doc: dict[str, Any]) -> None:
                fields = {entity: dict(specs) for entity, specs in doc["custom_fields"].items()}
                fields.setdefault(entity, {})[name] = stored
                doc["custom_fields"] = fields

            self._change(subdomain, add)
            return spec

    def _change(self, subdomain: str, mutate: Callable[[dict[str, Any]], None]) -> Account:
        with self._db.transaction():
            doc_id = self._by_subdomain.first(subdomain.strip().lower()) if isinstance(subdomain, str) else None
            doc = None if doc_id is None else self._accounts.get(doc_id)
            if doc_id is None or doc is None:
                raise UnknownAccountError(subdomain)
            mutate(doc)  # mutators assign new values, so the shallow copy ``get`` gave us is enough
            self._accounts.replace(doc_id, doc)
            return self._account_from(doc)

    @staticmethod
    def _check_key(key: object) -> None:
        if not isinstance(key, str) or not key or any(ch.isspace() for ch in key) or len(key) > 200:
            raise ValueError("api_key must be a non-empty string without spaces (at most 200 characters)")

    @staticmethod
    def _new_key() -> str:
        return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(22))
