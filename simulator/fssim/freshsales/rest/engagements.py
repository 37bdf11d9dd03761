"""Notes and sales activities (reference §3.1, §3.2).

Simulator policy: deleting a note or a sales activity answers ``{"success": "200"}``, which is what
python-freshworks-crm checks for; listing sales activities is one page with ``meta``.
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


def create_sales_activity(call: Call) -> tuple[int, Any]:
    activity = call.fs.engagements.add_sales_activity(call.account.subdomain, call.record_body("sales_activity"))
    return 201, {"sales_activity": activity}


def view_sales_activity(call: Call) -> tuple[int, Any]:
    return 200, {"sales_activity": call.fs.engagements.get(call.account.subdomain, "sales_activity", call.path_id())}


def list_sales_activities(call: Call) -> tuple[int, Any]:
    items = call.fs.engagements.list(call.account.subdomain, "sales_activity")
    return 200, {"sales_activities": items, "meta": {"total": len(items), "total_pages": 1}}


def delete_sales_activity(call: Call) -> tuple[int, Any]:
    call.fs.engagements.delete(call.account.subdomain, "sales_activity", call.path_id())
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
        Endpoint("POST", "/sales_activities", create_sales_activity, "Log a sales activity on a lead or contact",
                 "sales activities", body="sales_activity",
                 responses={201: "the sales activity", 400: "every problem named"}),
        Endpoint("GET", "/sales_activities", list_sales_activities, "List sales activities", "sales activities",
                 responses={200: "sales_activities and meta"}),
        Endpoint("GET", "/sales_activities/{id:int}", view_sales_activity, "View a sales activity",
                 "sales activities", responses={200: "the sales activity"}),
        Endpoint("DELETE", "/sales_activities/{id:int}", delete_sales_activity, "Delete a sales activity",
                 "sales activities", responses={200: '{"success": "200"}'}),
    ]
