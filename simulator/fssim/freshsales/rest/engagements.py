"""Notes (reference §3.1); sales activities, tasks and appointments are in ``rest/schedule.py``, the sales
activity types and outcomes in ``rest/selectors.py`` (each account's own list).

Simulator policy: deleting a note or a sales activity answers ``{"success": "200"}``, which is what
python-freshworks-crm checks for.
"""

from __future__ import annotations

from typing import Any

from fssim.endpoints import Endpoint
from fssim.freshsales.rest.auth import Call

__all__ = ["endpoints"]


def create_note(call: Call) -> tuple[int, Any]:
    return 201, {"note": call.fs.engagements.add_note(call.account.subdomain, call.record_body("note"))}


def view_note(call: Call) -> tuple[int, Any]:
    return 200, {"note": call.fs.engagements.get(call.account.subdomain, "note", call.path_id())}


def update_note(call: Call) -> tuple[int, Any]:
    note = call.fs.engagements.update_note(call.account.subdomain, call.path_id(), call.record_body("note"))
    return 200, {"note": note}


def delete_note(call: Call) -> tuple[int, Any]:
    call.fs.engagements.delete(call.account.subdomain, "note", call.path_id())
    return 200, {"success": "200"}


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", "/notes", create_note, "Add a note to a lead or contact", "notes", body="note",
                 responses={201: "the note", 400: "every problem named", 404: "no such lead or contact"}),
        Endpoint("GET", "/notes/{id:int}", view_note, "View a note", "notes", responses={200: "the note"}),
        Endpoint("PUT", "/notes/{id:int}", update_note, "Update a note", "notes", body="note",
                 responses={200: "the note"}),
        Endpoint("DELETE", "/notes/{id:int}", delete_note, "Delete a note", "notes",
                 responses={200: '{"success": "200"}'}),
    ]
