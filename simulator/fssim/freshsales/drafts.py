"""Drafts of lead and contact writes: what a record would become, checked before anything is stored.

A draft is the stored record with a payload applied (:meth:`Drafts.build`), refused with EVERY problem
at once (R-level field checks, the ids it names, emails already taken by another lead or contact).
:meth:`Drafts.match` finds the record an upsert's ``unique_identifier`` names, and :func:`changes_between` says
what an update changed, field by field, for the timeline. :class:`~fssim.freshsales.records.Records`
owns the table and its indexes and hands them here; drafts only read them, never write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fssim.freshsales.accounts import Account
from fssim.freshsales.compact import CompactCollection
from fssim.freshsales.errors import ValidationError
from fssim.freshsales.fields import normalize_write
from fssim.freshsales.ids import IdSequence
from fssim.freshsales.shapes import StoredRecord, Target, display_name
from fssim.freshsales.views import field_value
from fssim.indexes import Index, LookupIndex
from fssim.integration.emails import normalize_email

__all__ = ["Changes", "Drafts", "ReferenceCheck", "changes_between"]

# Field -> (old value, new value) for every public field an update changed (custom fields by cf_ name).
Changes = dict[str, tuple[Any, Any]]
# Problems with the ids a write names (owner, selectors, sales accounts); set by the service.
ReferenceCheck = Callable[[Account, str, Mapping[str, Any]], list[str]]


class Drafts:
    def __init__(
        self, records: CompactCollection, ids: IdSequence, *, by_owner: Index, by_email: LookupIndex[Target],
        by_external_id: LookupIndex[Target],
    ) -> None:
        self._records = records
        self._ids = ids
        self._by_owner = by_owner
        self._by_email = by_email
        self._by_external_id = by_external_id
        self.references: ReferenceCheck | None = None

    def match(self, owner: Account, entity: str, identifier: dict[str, Any]) -> int | None:
        """The id of the one record of ``entity`` whose fields equal every identifier value."""
        candidates: Iterable[int] | None = None
        for name, value in identifier.items():
            if name in ("email", "emails"):
                values = value if isinstance(value, list) else [value]
                if not values or not all(isinstance(v, str) for v in values):
                    raise ValidationError(f"The type for unique_identifier.{name} is invalid.")
                ids = self._by_email.ids((owner.subdomain, normalize_email(values[0])))
                for other in ids:
                    other_doc = self._records.get(other)
                    if other_doc is not None and other_doc["_entity"] != entity:
                        raise ValidationError(f"Email {values[0]} has already been taken by a "
                                              f"{other_doc['_entity']} ({other}); convert it instead")
            elif name == "external_id":
                ids = self._by_external_id.ids((owner.subdomain, str(value)))
            else:
                ids = {i for i in self._by_owner.ids((owner.subdomain, entity))
                       if field_value(self._records.get(i) or {}, name) == value}
            candidates = set(ids) if candidates is None else set(candidates) & set(ids)
        matches = sorted(candidates or ())
        return matches[0] if matches else None

    def build(
        self, owner: Account, entity: str, doc: dict[str, Any], payload: dict[str, Any], *,
        creating: bool, own_id: int | None = None,
    ) -> StoredRecord:
        """``doc`` with ``payload`` applied, or :class:`ValidationError` with every problem at once."""
        if not isinstance(payload, dict):
            raise ValidationError(f"The {entity} must be a JSON object")
        write = normalize_write(entity, payload, owner.custom_fields[entity])
        problems = list(write.problems)
        if self.references is not None:
            problems.extend(self.references(owner, entity, write.values))
        doc.update(write.values)
        doc["custom_field"] = {**doc.get("custom_field", {}), **write.custom}
        if creating:
            for name in owner.custom_fields[entity]:
                doc["custom_field"].setdefault(name, None)
        if write.emails is not None:
            if entity == "lead":
                if len(write.emails) > 1:
                    problems.append(f"A lead has one email, got {len(write.emails)}: use a contact for several")
                doc["email"] = write.emails[0] if write.emails else None
            else:
                old_ids = {normalize_email(e["value"]): e["id"] for e in doc.get("emails", [])}
                doc["emails"] = [
                    {"id": old_ids.get(normalize_email(value)) or self._ids.next(), "value": value,
                     "is_primary": position == 0, "label": None, "_destroy": False}
                    for position, value in enumerate(write.emails)]
                doc["email"] = write.emails[0] if write.emails else None
            for value in write.emails:
                for other in self._by_email.ids((owner.subdomain, normalize_email(value))):
                    if other != own_id:
                        problems.append(f"Email {value} has already been taken")
        if not doc.get("last_name") and not doc.get("email"):
            problems.append("Last name can't be blank when there is no email (give last_name or email)")
        if problems:
            raise ValidationError(*problems)
        doc["display_name"] = display_name(doc)
        doc["_account"], doc["_entity"] = owner.subdomain, entity
        return doc  # type: ignore[return-value]  # a StoredRecord now; not typing.cast, a call per write


def changes_between(old: Mapping[str, Any], new: Mapping[str, Any]) -> Changes:
    """Field -> (old, new) for every public field that changed (custom fields by their cf_ name)."""
    changed: dict[str, tuple[Any, Any]] = {}
    for key in new:
        if key.startswith("_") or key in ("custom_field", "display_name", "updated_at", "emails"):
            continue
        if old.get(key) != new.get(key):
            changed[key] = (old.get(key), new.get(key))
    old_emails = [e["value"] for e in old.get("emails", [])]
    new_emails = [e["value"] for e in new.get("emails", [])]
    if old_emails != new_emails:
        changed["emails"] = (old_emails, new_emails)
    for key, value in new.get("custom_field", {}).items():
        if old.get("custom_field", {}).get(key) != value:
            changed[key] = (old.get("custom_field", {}).get(key), value)
    return changed
