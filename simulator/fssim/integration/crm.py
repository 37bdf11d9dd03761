"""The small CRM interface the integration rules need, and nothing more.

The rules (:mod:`fssim.integration.rules`) never see HTTP or storage: they talk to one Freshsales
account through this Protocol. The simulator's adapter (``simulator/fssim/freshsales/crm_adapter.py``) puts the
fake store behind it; a REST client could put the real API behind it just as well.

A :class:`CRM` is bound to one account, so no method takes the account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from fssim.errors import FssimError

__all__ = ["CRM", "CRMConflict", "CustomField", "Entity", "FieldType", "RecordRef"]

Entity = Literal["lead", "contact"]

# The custom field types the mapping checks a value against (Freshsales' custom field types).
FieldType = Literal["text", "paragraph", "number", "checkbox", "date", "dropdown"]


@dataclass(frozen=True)
class CustomField:
    """One ``cf_*`` field an account has defined: its type and, for a dropdown, the allowed values."""

    type: FieldType
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordRef:
    """Which record a rule touched: a lead or a contact, and its Freshsales id."""

    entity: Entity
    id: int

    def to_json(self) -> dict[str, Any]:
        return {"type": self.entity, "id": self.id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecordRef:
        entity = data["type"]
        if entity not in ("lead", "contact"):
            raise ValueError(f"unknown record type {entity!r}")
        return cls(entity=entity, id=int(data["id"]))


class CRMConflict(FssimError):
    """A create or update the store refused (an email already taken, a value it does not accept).

    The message says why, in words fit for the answer to the message; nothing was changed.
    """


class CRM(Protocol):
    """One Freshsales account as the integration rules see it."""

    @property
    def contacts_only(self) -> bool:
        """True for accounts without a leads module (Freshsales Suite): every new record is a contact."""
        ...

    def find_by_email(self, email: str) -> RecordRef | None:
        """The lead or contact with this email, compared trimmed and case-insensitively."""
        ...

    def find_by_external_id(self, external_id: str) -> RecordRef | None:
        """The lead or contact created for this database id (its ``external_id``)."""
        ...

    def create(self, entity: Entity, fields: Mapping[str, Any], *, at: str) -> RecordRef:
        """Create a record from Freshsales fields; raises :class:`CRMConflict` if the email is taken.
        ``at``: the message's time as the rules write times (``timeline_time``), for its timeline item."""
        ...

    def update(self, ref: RecordRef, fields: Mapping[str, Any], *, at: str) -> list[str]:
        """Merge fields into a record; returns the names of the fields whose value changed.
        Raises :class:`CRMConflict` if the store refuses the write. ``at`` as for :meth:`create`."""
        ...

    def link_sales_account(self, ref: RecordRef, company: Mapping[str, Any]) -> str:
        """Create or update the sales account named ``company["name"]`` (compared trimmed and
        case-insensitively) and make it the contact's primary account; returns what was done, in
        words. Raises :class:`CRMConflict` if the store refuses."""
        ...

    def link_deal(self, ref: RecordRef, deal: Mapping[str, Any]) -> str:
        """Create or update the contact's deal named ``deal["name"]``; returns what was done, in words.
        Raises :class:`CRMConflict` if the store refuses."""
        ...

    def add_activity(self, ref: RecordRef, activity: Mapping[str, Any]) -> None:
        """Append a page view or event to the record's timeline (``activity["created_at"]`` orders it)."""
        ...

    def custom_fields(self, entity: Entity) -> Mapping[str, CustomField]:
        """The account's custom fields of leads or contacts by ``cf_*`` name; a trait may only fill one
        that exists (reference/segment.md §4.3: custom fields are not created on the fly)."""
        ...

    def recall(self, message_id: str) -> Mapping[str, Any] | None:
        """The answer already given to this messageId (R10), if any."""
        ...

    def remember(self, message_id: str, answer: Mapping[str, Any]) -> None:
        """Keep the answer given to this messageId so a replay gets the same one and changes nothing."""
        ...
