"""List views of leads and contacts: what a page may ask for, which records a view holds, and the
order they are listed in (``GET /api/leads/view/{id}`` and friends; the dashboard pages by its own index).

Functions over stored documents, so :class:`~fssim.freshsales.records.Records` keeps only the reading
of the store: :func:`list_page` is given its ordered index and a way to read documents; a page of the
default sort is a slice of that index, any other is sorted here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from fssim.clock import parse_iso
from fssim.freshsales.accounts import Account
from fssim.freshsales.errors import NotFoundError, ValidationError
from fssim.freshsales.fields import standard_fields
from fssim.freshsales.shapes import PLURALS, PublicRecord, StoredRecord, public
from fssim.indexes import SortedIndex

__all__ = ["DEFAULT_SORT", "MAX_PER_PAGE", "NEW_VIEW_DAYS", "RecordPage", "field_value", "in_view", "list_page",
           "narrowing_view", "page_problems", "pages", "sort_value", "sortable_fields", "sorted_page"]

MAX_PER_PAGE = 100
DEFAULT_SORT = "created_at"
NEW_VIEW_DAYS = 7  # "New Leads"/"New Contacts": created in the last week of simulated time

Doc = TypeVar("Doc", bound=Mapping[str, Any])


class RecordPage(NamedTuple):
    records: list[PublicRecord]
    total: int
    total_pages: int


def pages(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def page_problems(page: object, per_page: object, sort_type: object) -> list[str]:
    """What is wrong with a page request (empty when nothing is)."""
    problems = []
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        problems.append(f"page must be a whole number >= 1, got {page!r}")
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        problems.append(f"per_page must be a whole number from 1 to {MAX_PER_PAGE}, got {per_page!r}")
    if sort_type not in ("asc", "desc"):
        problems.append(f"sort_type must be asc or desc, got {sort_type!r}")
    return problems


def sortable_fields(owner: Account, entity: str) -> set[str]:
    return {"id", "created_at", "updated_at", "display_name", "email",
            *(spec.name for spec in standard_fields(entity)
              if spec.type not in ("list", "company", "emails", "sales_accounts")),
            *owner.custom_fields[entity]}


def narrowing_view(owner: Account, entity: str, view_id: int | None) -> dict[str, Any] | None:
    """The view that narrows a list (``My``/``New``), ``None`` for all records; unknown: 404."""
    if view_id is None:
        return None
    view = next((v for v in owner.views[entity] if v["id"] == view_id), None)
    if view is None:
        raise NotFoundError(f"View {view_id} not found for {PLURALS[entity]}")
    return view if view["name"].startswith(("My ", "New ")) else None


def in_view(docs: list[Doc], view: Mapping[str, Any] | None, owner: Account, now: datetime) -> list[Doc]:
    """The documents a narrowing view holds (all of them for ``None``)."""
    if view is None:
        return docs
    if view["name"].startswith("My "):
        return [doc for doc in docs if doc.get("owner_id") == owner.user_id]
    if view["name"].startswith("New "):
        since = now - timedelta(days=NEW_VIEW_DAYS)
        return [doc for doc in docs if parse_iso(str(doc["created_at"])) >= since]
    return docs


def field_value(doc: Mapping[str, Any], name: str) -> Any:
    """A stored field's value, custom fields by their cf_ name."""
    return doc.get("custom_field", {}).get(name) if name.startswith("cf_") else doc.get(name)


def sort_value(doc: Mapping[str, Any], name: str) -> Any:
    """What a list sorts by: text case-folded, booleans as numbers."""
    value = field_value(doc, name)
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, bool):
        return int(value)
    return value


def sorted_page(docs: Sequence[Doc], field: str, *, descending: bool, page: int, per_page: int) -> list[Doc]:
    """One page of ``docs`` sorted by ``field``, ties by id; empty values last both ways (SQL NULLS LAST)."""
    present = [doc for doc in docs if sort_value(doc, field) is not None]
    missing = sorted((doc for doc in docs if sort_value(doc, field) is None), key=lambda d: d["id"])
    present.sort(key=lambda doc: (sort_value(doc, field), doc["id"]), reverse=descending)
    start = (page - 1) * per_page
    return (present + missing)[start:start + per_page]


def list_page(
    owner: Account, entity: str, by_owner: SortedIndex, docs: Callable[[Iterable[int]], list[StoredRecord]],
    now: datetime, *, page: int, per_page: int, sort: str | None, sort_type: str, view_id: int | None,
) -> RecordPage:
    """One page of a list view of ``owner``'s ``entity`` records, sorted by ``sort`` (default
    ``created_at``), ties broken by id; :class:`ValidationError` naming every problem with the request.
    ``by_owner`` orders each (account, entity)'s ids by the default sort; ``docs`` reads ids' documents."""
    problems = page_problems(page, per_page, sort_type)
    sort_field = sort or DEFAULT_SORT
    if sort_field not in sortable_fields(owner, entity):
        problems.append(f"sort field {sort_field} is not a sortable field of {PLURALS[entity]}")
    if problems:
        raise ValidationError(*problems)
    view = narrowing_view(owner, entity, view_id)
    owner_key = (owner.subdomain, entity)
    total = by_owner.count(owner_key)
    if sort_field == DEFAULT_SORT and view is None and by_owner.ordered_count(owner_key) == total:
        # The default sort of a whole-entity view: a slice of the ordered index, not a sort of them all.
        start = (page - 1) * per_page
        chosen = docs(by_owner.window(owner_key, start, start + per_page, descending=sort_type == "desc"))
    else:
        held = in_view(docs(by_owner.ids(owner_key)), view, owner, now)
        total = len(held)
        chosen = sorted_page(held, sort_field, descending=sort_type == "desc", page=page, per_page=per_page)
    return RecordPage([public(doc, owner.product) for doc in chosen], total, pages(total, per_page))
