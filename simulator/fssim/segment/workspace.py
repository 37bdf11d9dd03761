"""A Segment workspace: sources (each with a write key) and the destinations connected to each source.

Only the Freshsales destination exists here (DESIGN §1). It can be created two ways (R2): from
Segment's catalog (``created_by: "segment"``, the toggle in Freshsales stays as it was) or by the
Freshsales-side hand-over (``created_by: "freshsales"``). Either way the destination is keyed by
(source, type): connecting again updates its settings and enables it instead of adding a second one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fssim.errors import Refusal
from fssim.segment.enrich import iso_ms
from fssim.segment.shapes import DestinationSummary, SourceView
from fssim.store import Database

__all__ = [
    "DESTINATION_NAMES",
    "SOURCE_KINDS",
    "Workspace",
    "WorkspaceError",
]

SOURCE_KINDS = ("web", "mobile", "server")
# Destination type -> the names the `integrations` object may use for it (reference/segment.md §1.2, §4.1).
DESTINATION_NAMES = {"freshsales": ("Freshsales", "Freshsales Suite - CRM")}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class WorkspaceError(Refusal):
    """A workspace request that cannot be carried out; ``status_code`` is the HTTP answer to give."""


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WorkspaceError(400, f"'{name}' is required and must be a non-empty string")
    return value.strip()


class Workspace:
    """Sources and destinations in two collections, indexed by name and write key."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sources = db.collection("segment_sources")
        self.destinations = db.collection("segment_destinations")
        self._by_name = self.sources.index(lambda doc: doc.get("name"))
        self._by_key = self.sources.index(lambda doc: doc.get("write_key"))
        self._by_source = self.destinations.index(lambda doc: doc.get("source"))
        # The stored destinations by id, as the deliverer looks one up for every attempt: a store read
        # each time cost as much as building the attempt's log entry. Any write to the destinations
        # (connect, a reset) empties it, under the lock the write holds.
        self._destination_by_id: dict[int, Mapping[str, Any] | None] = {}
        self.destinations.watch(self._destination_by_id.clear)

    def add_source(self, name: Any, write_key: Any, kind: Any = "web", *, now: datetime) -> SourceView:
        name = _text(name, "name")
        write_key = _text(write_key, "write_key")
        if not _NAME.match(name):
            raise WorkspaceError(400, f"source name {name!r} must be 1-64 letters, digits, '_', '-' or '.'")
        if kind is None:
            kind = "web"
        if kind not in SOURCE_KINDS:
            raise WorkspaceError(400, f"'kind' must be one of {', '.join(SOURCE_KINDS)}, got {kind!r}")
        with self.db.transaction():
            if name in self._by_name:
                raise WorkspaceError(409, f"a source named {name!r} already exists")
            if write_key in self._by_key:
                raise WorkspaceError(409, "that write key already belongs to another source")
            source = {"name": name, "write_key": write_key, "kind": kind, "enabled": True,
                      "created_at": iso_ms(now)}
            self.sources.insert(source)
        return self.describe_source(source)

    def source_by_key(self, write_key: str) -> dict[str, Any] | None:
        doc_id = self._by_key.first(write_key)
        return None if doc_id is None else self.sources.get(doc_id)

    def destination(self, destination_id: int) -> Mapping[str, Any] | None:
        """The stored destination itself (never to be changed), or ``None`` if there is none."""
        try:
            return self._destination_by_id[destination_id]
        except KeyError:
            # Read and kept under the lock, so a write cannot slip in between and leave an old copy kept.
            with self.db.lock:
                found = self._destination_by_id[destination_id] = self.destinations.peek(destination_id)
            return found

    def destinations_of(self, source: str) -> list[dict[str, Any]]:
        found = ((doc_id, self.destinations.get(doc_id)) for doc_id in sorted(self._by_source.ids(source)))
        return [{"id": doc_id, **doc} for doc_id, doc in found if doc is not None]

    def connect(self, source: Any, type_: Any, api_key: Any, subdomain: Any, *, created_by: str,
                now: datetime) -> dict[str, Any]:
        """Create or update-and-enable the destination of ``type_`` on ``source``."""
        source = _text(source, "source")
        if not isinstance(type_, str) or type_ not in DESTINATION_NAMES:
            raise WorkspaceError(400, f"'type' must be one of {', '.join(DESTINATION_NAMES)}, got {type_!r}")
        settings = {"api_key": _text(api_key, "api_key"), "subdomain": _text(subdomain, "subdomain")}
        with self.db.transaction():
            if source not in self._by_name:
                raise WorkspaceError(404, f"no Segment source named {source!r}; create it with POST /_sim/sources")
            existing = next((d for d in self.destinations_of(source) if d["type"] == type_), None)
            if existing is not None:
                doc_id = existing.pop("id")
                updated = {**existing, "settings": settings, "enabled": True, "updated_at": iso_ms(now),
                           "updated_by": created_by}
                self.destinations.replace(doc_id, updated)
                return {"id": doc_id, **updated, "created": False}
            destination = {
                "source": source,
                "type": type_,
                "name": DESTINATION_NAMES[type_][0],
                "settings": settings,
                "enabled": True,
                "created_by": created_by,
                "created_at": iso_ms(now),
            }
            doc_id = self.destinations.insert(destination)
        return {"id": doc_id, **destination, "created": True}

    def describe_source(self, source: Mapping[str, Any]) -> SourceView:
        """A stored source (a :class:`Source`) with its destinations, as ``GET /_sim/sources`` lists it."""
        destinations: list[DestinationSummary] = [
            {"id": d["id"], "type": d["type"], "name": d["name"], "enabled": d["enabled"],
             "subdomain": d["settings"]["subdomain"], "created_by": d["created_by"]}
            for d in self.destinations_of(source["name"])
        ]
        return {"name": source["name"], "write_key": source["write_key"], "kind": source["kind"],
                "enabled": source["enabled"], "created_at": source["created_at"], "destinations": destinations}

    def all_sources(self) -> list[SourceView]:
        return [self.describe_source(doc) for _, doc in self.sources.items()]
