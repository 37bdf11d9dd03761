"""Contact lists over REST (``freshsales.lists``): ``/lists`` CRUD, ``PUT /lists/{id}/add_contacts`` and
``remove_contacts`` with ``{"ids": [...]}`` (the form rudder-transformer sends), and the members of a
list at ``GET /contacts/lists/{id}``, paged like a view (25 a page, ``meta.total_pages``)."""

from __future__ import annotations

from typing import Any

from fssim.endpoints import Endpoint
from fssim.freshsales.errors import ValidationError
from fssim.freshsales.rest.auth import Call
from fssim.freshsales.rest.records import side_loads
from fssim.freshsales.views import MAX_PER_PAGE

__all__ = ["endpoints"]


def create_list(call: Call) -> tuple[int, Any]:
    return 201, {"list": call.fs.lists.create(call.account.subdomain, call.record_body("list"))}


def all_lists(call: Call) -> tuple[int, Any]:
    found = call.fs.lists.all(call.account.subdomain)
    return 200, {"lists": found, "meta": {"total_pages": 1, "total": len(found)}}


def view_list(call: Call) -> tuple[int, Any]:
    return 200, {"list": call.fs.lists.get(call.account.subdomain, call.path_id())}


def update_list(call: Call) -> tuple[int, Any]:
    return 200, {"list": call.fs.lists.rename(call.account.subdomain, call.path_id(), call.record_body("list"))}


def delete_list(call: Call) -> tuple[int, Any]:
    call.fs.lists.delete(call.account.subdomain, call.path_id())
    return 200, {"success": "200"}


def add_contacts(call: Call) -> tuple[int, Any]:
    ids = call.json_object().get("ids")
    return 200, {"list": call.fs.lists.change_members(call.account.subdomain, call.path_id(), ids, add=True)}


def remove_contacts(call: Call) -> tuple[int, Any]:
    ids = call.json_object().get("ids")
    return 200, {"list": call.fs.lists.change_members(call.account.subdomain, call.path_id(), ids, add=False)}


def list_members(call: Call) -> tuple[int, Any]:
    member_ids = call.fs.lists.members(call.account.subdomain, call.path_id())
    page, per_page = call.query_int("page", 1), call.query_int("per_page", 25)
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"page must be >= 1 and per_page from 1 to {MAX_PER_PAGE}")
    shown = [call.fs.records.get(call.account, "contact", i) for i in member_ids[(page - 1) * per_page:
                                                                                page * per_page]]
    meta = {"total_pages": max(1, -(-len(member_ids) // per_page)), "total": len(member_ids)}
    return 200, {"contacts": shown, "meta": meta, **side_loads(call, "contact", shown)}


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", "/lists", create_list, "Create a contact list", "lists", body="list",
                 responses={201: "the list", 400: "blank or taken name"}),
        Endpoint("GET", "/lists", all_lists, "All contact lists", "lists", responses={200: "lists and meta"}),
        Endpoint("GET", "/lists/{id:int}", view_list, "View a list", "lists", responses={200: "the list"}),
        Endpoint("PUT", "/lists/{id:int}", update_list, "Rename a list", "lists", body="list",
                 responses={200: "the list", 400: "blank or taken name"}),
        Endpoint("DELETE", "/lists/{id:int}", delete_list, "Delete a list (its contacts stay)", "lists",
                 responses={200: '{"success": "200"}'}),
        Endpoint("PUT", "/lists/{id:int}/add_contacts", add_contacts, "Add contacts to a list", "lists", body="ids",
                 responses={200: "the list", 400: "ids that are not contacts"}),
        Endpoint("PUT", "/lists/{id:int}/remove_contacts", remove_contacts, "Remove contacts from a list", "lists",
                 body="ids", responses={200: "the list", 400: "ids that are not contacts"}),
        Endpoint("GET", "/contacts/lists/{id:int}", list_members, "The contacts of a list, paged", "lists",
                 query=("page", "per_page", "include"), responses={200: "contacts and meta"}),
    ]
