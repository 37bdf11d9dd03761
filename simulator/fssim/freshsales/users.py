"""The users of each Freshsales account: the people records are owned by (``owner_id``).

Every account has one admin user from its creation: its id is the account's ``user_id`` (the owner
given to records created without one, and the ``user_id`` of its list views). The control API adds
more (``POST /_sim/accounts/{subdomain}/users``). ``selector/owners`` and the ``users`` side-load list
them, and any ``owner_id`` a record names must be one of them (:meth:`Users.require`).

    users = fs.users
    users.list("acme")                      # [{"id": ..., "display_name": "acme admin", ...}]
    users.require("acme", owner_id)         # the user, or ValidationError naming the bad id
    users.add("acme", email="bo@acme.example.com", display_name="Bo")

Simulator policy: the admin is materialized on first use (accounts made before this module existed,
or restored from a file, get theirs too), with the email ``admin@{subdomain}.example.com``.
"""

from __future__ import annotations

from typing import Any

from fssim.clock import Clock, isoformat
from fssim.freshsales.accounts import Account, Accounts
from fssim.freshsales.errors import ValidationError
from fssim.freshsales.ids import IdSequence
from fssim.integration.emails import is_email, normalize_email
from fssim.store import Database

__all__ = ["ROLES", "User", "Users"]

ROLES = ("admin", "account_admin", "manager", "sales_rep")
User = dict[str, Any]  # {"id", "display_name", "email", "is_active", "role", "time_zone", "created_at"}
AccountRef = str | Account


class Users:
    def __init__(self, db: Database, clock: Clock, ids: IdSequence, accounts: Accounts) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids
        self._accounts = accounts
        self._users = db.collection("fs_users")
        self._by_account = self._users.index(lambda doc: doc.get("_account"))

    def list(self, account: AccountRef) -> list[User]:
        """Every user of the account, the admin first (then by id)."""
        with self._db.transaction():
            owner = self._owner(account)
            self._ensure_admin(owner)
            docs = (self._users.get(i) for i in sorted(self._by_account.ids(owner.subdomain)))
            return [_public(doc) for doc in docs if doc is not None]

    def get(self, account: AccountRef, user_id: int) -> User | None:
        with self._db.transaction():
            owner = self._owner(account)
            self._ensure_admin(owner)
            doc = self._users.get(user_id) if _is_id(user_id) else None
            if doc is None or doc["_account"] != owner.subdomain:
                return None
            return _public(doc)

    def exists(self, account: AccountRef, user_id: Any) -> bool:
        return _is_id(user_id) and self.get(account, user_id) is not None

    def require(self, account: AccountRef, user_id: Any, *, field: str = "owner_id") -> User:
        """The user, or :class:`ValidationError` (400) naming the field and the id that is not a user here."""
        found = self.get(account, user_id) if _is_id(user_id) else None
        if found is None:
            raise ValidationError(f"{field} {user_id!r} is not a user of this account "
                                  "(GET /api/selector/owners lists them)")
        return found

    def add(self, account: AccountRef, *, email: str, display_name: str | None = None,
            role: str = "sales_rep") -> User:
        """A new user; ``ValueError`` naming the problem (bad email, taken email, unknown role)."""
        if not isinstance(email, str) or not is_email(email.strip()):
            raise ValueError(f"email {email!r} is not a valid email address")
        if role not in ROLES:
            raise ValueError(f"role {role!r} must be one of {', '.join(ROLES)}")
        if display_name is not None and (not isinstance(display_name, str) or len(display_name) > 200):
            raise ValueError("display_name must be a string of at most 200 characters")
        with self._db.transaction():
            owner = self._owner(account)
            self._ensure_admin(owner)
            taken = {normalize_email(user["email"]) for user in self.list(owner)}
            if normalize_email(email) in taken:
                raise ValueError(f"a user with email {email.strip()} already exists in {owner.subdomain}")
            user_id = self._ids.next()
            name = display_name.strip() if display_name and display_name.strip() else email.split("@")[0]
            self._users.insert(self._doc(owner, user_id, email.strip(), name, role), doc_id=user_id)
            return self.require(owner, user_id)

    def count(self, account: AccountRef) -> int:
        """How many users the account has, without materializing its admin (reading never writes)."""
        with self._db.lock:
            owner = self._owner(account)
            stored = self._by_account.ids(owner.subdomain)
            return len(stored) + (0 if owner.user_id in stored else 1)

    # -- helpers --------------------------------------------------------------------------------------

    def _owner(self, account: AccountRef) -> Account:
        return account if isinstance(account, Account) else self._accounts.require(account)

    def _ensure_admin(self, owner: Account) -> None:
        if owner.user_id not in self._users:
            self._users.insert(self._doc(owner, owner.user_id, f"admin@{owner.subdomain}.example.com",
                                         f"{owner.subdomain} admin", "admin", owner.created_at),
                               doc_id=owner.user_id)

    def _doc(self, owner: Account, user_id: int, email: str, name: str, role: str,
             created_at: str | None = None) -> dict[str, Any]:
        return {"id": user_id, "display_name": name, "email": email, "is_active": True, "role": role,
                "time_zone": "UTC", "created_at": created_at or isoformat(self._clock.now()),
                "_account": owner.subdomain}


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _public(doc: Any) -> User:
    return {key: value for key, value in dict(doc).items() if not key.startswith("_")}
