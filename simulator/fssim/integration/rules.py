"""The Freshsales destination's rules R4-R10: one Segment message + one account's CRM → an :class:`Outcome`.

Pure: no HTTP, no storage, no clock — the caller passes the time the message was received and a
:class:`~fssim.integration.crm.CRM`. The receiver runs :func:`apply` inside one store transaction,
so the look-ups and the writes of one message can never interleave with another's.

* R4 identify with an email userId: update the lead/contact with that email, else create one.
* R5 ``fs_contact``/``fsContact`` true makes a *new* record a contact; never stored, never converts.
* R6 identify with a database-id userId: create directly with ``external_id``; never update; email
  required; an email already taken is rejected.
* R7 traits are mapped by :mod:`fssim.integration.mapping`; what is left out is reported.
* R8 page → page-view activity, track → event activity on the matched record; no match → 202.
* R9 screen, group and alias → 501 (checked by :func:`~fssim.integration.message.check_message`).
* R10 a messageId is answered once; a replay gets the first answer and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from fssim.integration.crm import CRM, CRMConflict, Entity, RecordRef
from fssim.integration.emails import is_email, normalize_email
from fssim.integration.mapping import is_fs_contact, map_traits
from fssim.integration.message import check_message, event_time_text, json_kind, timeline_time
from fssim.integration.outcome import IgnoredTrait, Outcome

__all__ = ["activity_for", "apply", "match_record", "timeline_time"]

_PAGE_PARTS = ("url", "path", "title", "referrer", "search")


def apply(message: Any, crm: CRM, *, received_at: datetime) -> Outcome:
    """Everything the destination does with one message (R4-R10), as an outcome to answer with."""
    problem = check_message(message)
    if problem is not None:
        rule = "R9" if problem.status == 501 else None
        return Outcome("rejected", problem.status, problem.message, field=problem.field, rule=rule)
    message_id: str = message["messageId"]
    answered = crm.recall(message_id)
    if answered is not None:
        return replace(Outcome.from_json(int(answered["status"]), answered["body"]), replayed=True)
    outcome = _process(message, crm, received_at)
    crm.remember(message_id, {"status": outcome.status, "body": outcome.to_json()})
    return outcome


def _process(message: Mapping[str, Any], crm: CRM, received_at: datetime) -> Outcome:
    at = event_time_text(message, received_at)  # what the CRM dates the message's items with
    if message["type"] == "identify":
        return _identify(message, crm, at)
    ref = match_record(crm, message.get("userId"))
    if ref is None:
        who = message.get("userId")
        reason = (
            f"no lead or contact matches userId {who!r}; the {message['type']} was accepted but not processed"
            if who is not None
            else f"the {message['type']} has no userId (anonymous), so no lead or contact can be matched; "
            "accepted but not processed"
        )
        return Outcome("not_processed", 202, reason, rule="R8")
    crm.add_activity(ref, activity_for(message, at))
    what = "page view" if message["type"] == "page" else f"event {message['event']!r}"
    return Outcome("activity_added", 200, f"{what} added to {ref.entity} {ref.id}'s timeline", record=ref, rule="R8")


def match_record(crm: CRM, user_id: Any) -> RecordRef | None:
    """The record a message is about: by email if the userId is one (R4), else by external_id (R6)."""
    if not isinstance(user_id, str) or not user_id.strip():
        return None
    if is_email(user_id):
        return crm.find_by_email(normalize_email(user_id))
    return crm.find_by_external_id(user_id)


def activity_for(message: Mapping[str, Any], at: datetime | str) -> dict[str, Any]:
    """The timeline entry for a page or track (R8), shaped like Freshsales' activities (§3.3); ``at``:
    the message's time, or its text as :func:`timeline_time` writes it."""
    properties = message.get("properties") or {}
    if message["type"] == "page":
        page_context = (message.get("context") or {}).get("page") or {}
        data: dict[str, Any] = {"name": message.get("name") or properties.get("name") or properties.get("title")}
        for part in _PAGE_PARTS:
            value = properties.get(part, page_context.get(part) if isinstance(page_context, dict) else None)
            data[part] = value
        data["category"] = message.get("category")
        data["properties"] = dict(properties)
        action_type = "page_view"
    else:
        data = {"name": message["event"], "properties": dict(properties)}
        action_type = "event"
    return {
        "action_type": action_type,
        "created_at": at if isinstance(at, str) else timeline_time(at),
        "action_data": data,
        "source": "segment",
        "message_id": message["messageId"],
    }


def _new_entity(crm: CRM, traits: Mapping[str, Any]) -> Entity:
    if crm.contacts_only or is_fs_contact(traits):
        return "contact"
    return "lead"


def _identify(message: Mapping[str, Any], crm: CRM, at: str) -> Outcome:
    user_id: str = message["userId"]
    traits: Mapping[str, Any] = message.get("traits") or {}
    if is_email(user_id):
        outcome = _identify_by_email(user_id.strip(), traits, crm, at)
    else:
        outcome = _identify_by_database_id(user_id, traits, crm, at)
    only_in_context = _traits_only_in_context(message)
    if not only_in_context:
        return outcome
    # Some Segment-compatible SDKs put identify traits only in context.traits. The spec reads the
    # top-level traits, and so do we; saying so here answers "why has my lead no name?".
    return replace(outcome, reason=f"{outcome.reason}; traits were found only in context.traits "
                                   f"({', '.join(only_in_context)}) and were not applied: an identify's traits "
                                   "belong in its top-level 'traits'")


def _traits_only_in_context(message: Mapping[str, Any]) -> list[str]:
    """The trait names an identify carries in ``context.traits`` but not in its top-level ``traits``."""
    context = message.get("context")
    in_context = context.get("traits") if isinstance(context, Mapping) else None
    if message.get("type") != "identify" or not isinstance(in_context, Mapping):
        return []
    top = message.get("traits")
    return sorted(str(name) for name in in_context if not (isinstance(top, Mapping) and name in top))


def _mapped(crm: CRM, traits: Mapping[str, Any], entity: Entity) -> tuple[dict[str, Any], list[IgnoredTrait]]:
    mapped = map_traits(traits, crm.custom_fields(entity), entity)
    return mapped.fields, list(mapped.ignored)


def _link_objects(crm: CRM, ref: RecordRef, traits: Mapping[str, Any], ignored: list[IgnoredTrait]) -> list[str]:
    """R7 for a contact's ``company`` and ``deal`` traits: the sales account and deal they create or
    update once the contact is written. Returns the names of what changed (``sales_accounts``,
    ``deal``); a refusal is reported as an ignored trait, because the contact itself was written."""
    if ref.entity != "contact":
        return []
    mapped = map_traits(traits, {}, "contact")
    linked: list[str] = []
    for trait, values, link in (("company", mapped.sales_account, crm.link_sales_account),
                                ("deal", mapped.deal, crm.link_deal)):
        if values is None:
            continue
        try:
            link(ref, values)
        except CRMConflict as error:
            ignored.append(IgnoredTrait(trait, str(error)))
            continue
        linked.append("sales_accounts" if trait == "company" else "deal")
    return linked


def _type_kept(found: RecordRef, traits: Mapping[str, Any]) -> str:
    """Why an existing record kept its type despite an fs_contact flag asking for the other one (R5).

    Said in the answer because "I sent fs_contact: true and it is still a lead" is the question a user
    would otherwise have to ask.
    """
    if not any(key in traits and traits[key] is not None for key in ("fs_contact", "fsContact")):
        return ""
    asked: Entity = "contact" if is_fs_contact(traits) else "lead"
    if asked == found.entity:
        return ""
    return (f"; fs_contact decides the type of new records only, so this {found.entity} stays a {found.entity} "
            "(Freshsales does not convert records from Segment)")


def _identify_by_email(email: str, traits: Mapping[str, Any], crm: CRM, at: str) -> Outcome:
    found = crm.find_by_email(normalize_email(email))
    entity = found.entity if found is not None else _new_entity(crm, traits)
    fields, ignored = _mapped(crm, traits, entity)
    trait_email = traits.get("email")
    if trait_email is not None and not (
        isinstance(trait_email, str) and normalize_email(trait_email) == normalize_email(email)
    ):
        # The userId is the record's identity (R4); letting traits.email move it would split one person in two.
        reason = "the userId is this record's email; a different traits.email is not applied"
        ignored.append(IgnoredTrait("email", reason))
    if found is not None:
        try:
            changed = crm.update(found, fields, at=at)
        except CRMConflict as error:
            return Outcome("rejected", 400, str(error), field="traits", record=found, ignored=tuple(ignored), rule="R7")
        changed = [*changed, *_link_objects(crm, found, traits, ignored)]
        summary = ", ".join(changed) if changed else "nothing changed"
        return Outcome(
            "updated", 200, f"{found.entity} {found.id} updated ({summary}){_type_kept(found, traits)}", record=found,
            ignored=tuple(ignored), changed=tuple(changed), rule="R4",
        )
    try:
        ref = crm.create(entity, {**fields, "email": email}, at=at)
    except CRMConflict as error:
        return Outcome("rejected", 400, str(error), field="userId", ignored=tuple(ignored), rule="R4")
    linked = _link_objects(crm, ref, traits, ignored)
    return Outcome(
        "created", 200, f"{entity} {ref.id} created for {email}", record=ref, ignored=tuple(ignored),
        changed=tuple(sorted({*fields, "email", *linked})), rule="R5" if entity == "contact" else "R4",
    )


def _identify_by_database_id(user_id: str, traits: Mapping[str, Any], crm: CRM, at: str) -> Outcome:
    existing = crm.find_by_external_id(user_id)
    entity = existing.entity if existing is not None else _new_entity(crm, traits)
    fields, ignored = _mapped(crm, traits, entity)
    if existing is not None:
        return Outcome(
            "not_processed", 202,
            f"{existing.entity} {existing.id} already has external_id {user_id!r}; an identify whose userId is "
            "a database id creates records and never updates them (use the email as userId to update)",
            record=existing, ignored=tuple(ignored), rule="R6",
        )
    email = traits.get("email")
    if email is not None and not isinstance(email, str):
        return Outcome(
            "rejected", 400, f"traits.email must be an email address (a string), not {json_kind(email)}",
            field="traits.email", ignored=tuple(ignored), rule="R6",
        )
    if email is None or not email.strip():
        return Outcome(
            "rejected", 400,
            f"traits.email is required when the userId is not an email (userId {user_id!r} is a database id)",
            field="traits.email", ignored=tuple(ignored), rule="R6",
        )
    if not is_email(email):
        return Outcome("rejected", 400, f"traits.email {email!r} is not an email address", field="traits.email",
                       ignored=tuple(ignored), rule="R6")
    taken = crm.find_by_email(normalize_email(email))
    if taken is not None:
        return Outcome(
            "rejected", 400,
            f"{email.strip()} already belongs to {taken.entity} {taken.id}; an identify with a database id "
            "only creates records, so nothing was changed",
            field="traits.email", record=taken, ignored=tuple(ignored), rule="R6",
        )
    try:
        ref = crm.create(entity, {**fields, "email": email.strip(), "external_id": user_id}, at=at)
    except CRMConflict as error:
        return Outcome("rejected", 400, str(error), field="traits.email", ignored=tuple(ignored), rule="R6")
    linked = _link_objects(crm, ref, traits, ignored)
    return Outcome(
        "created", 200, f"{entity} {ref.id} created with external_id {user_id!r}", record=ref,
        ignored=tuple(ignored), changed=tuple(sorted({*fields, "email", "external_id", *linked})), rule="R6",
    )
