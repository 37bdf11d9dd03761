"""Assertion helpers whose failures say what was expected and what the simulator holds.

A failing ``assert_lead`` should not send the author digging: the message shows the expected fields,
the record actually held (or that there is none, and which records exist), and what Segment's logs say
about that user — the delivery's code and the receiver's reason, e.g. ``errors.discarded.403`` with
"the Segment toggle is off in Freshsales…". Expected values use :mod:`fssim.expect` matching, so
``first_name="Ada"`` and ``custom_field={"cf_plan": "pro"}`` and operators such as
``{"$contains": "toggle"}`` all work.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from fssim.expect import describe_mismatches, first_unmatched_in_order, matches, mismatches, render
from fssim.segment.shapes import DeliveryEntry, EventEntry

__all__ = ["Assertions", "describe_delivery", "describe_event"]

LogEntry = TypeVar("LogEntry", EventEntry, DeliveryEntry)

Describe = Callable[[Mapping[str, Any]], str]  # one log entry as a line a person reads

_RECORD_SUMMARY_KEYS = ("id", "email", "emails", "external_id", "first_name", "last_name", "job_title",
                        "work_number", "company", "custom_field", "updated_at")


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_delivery(entry: Mapping[str, Any]) -> str:
    """One delivery-log entry as a person reads Segment's Event Delivery view."""
    who = entry.get("user_id") or entry.get("anonymous_id")
    attempts = entry.get("attempts") or []
    line = (f"#{entry.get('id')} {entry.get('type')} from {entry.get('source')} -> {entry.get('destination')}"
            f" ({entry.get('subdomain')}) for {who!r}: {entry.get('status')}")
    if entry.get("code"):
        line += f" {entry['code']}"
    line += f" after {len(attempts)} attempt{'s' if len(attempts) != 1 else ''}"
    if entry.get("reason"):
        line += f"\n      reason: {entry['reason']}"
    if entry.get("next_attempt_at"):
        line += f"\n      next attempt at {entry['next_attempt_at']} (simulated time)"
    return line


def describe_event(entry: Mapping[str, Any]) -> str:
    who = entry.get("user_id") or entry.get("anonymous_id")
    origin = f"from {entry['source']}" if entry.get("source") else "with a write key of no source"
    line = f"#{entry.get('id')} {entry.get('type')} {origin} for {who!r}: {entry.get('status')}"
    if entry.get("code"):
        line += f" {entry['code']}"
    if entry.get("reason"):
        line += f"\n      reason: {entry['reason']}"
    return line


class Assertions:
    """Mixed into :class:`fssim.harness.Fssim`, which provides the reading methods used here.

    Each assertion sets ``__tracebackhide__`` so that pytest points a failure at the test's own line
    rather than at the raise inside this module; the message carries the explanation."""

    # Provided by Fssim; declared so the mixin type-checks on its own.
    def find(self, email: str, account: str | None = None) -> tuple[str, dict[str, Any]] | None:
        raise NotImplementedError

    def leads(self, account: str | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def contacts(self, account: str | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def timeline(self, email: str, account: str | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def events(self, **filters: str) -> list[EventEntry]:
        raise NotImplementedError

    def deliveries(self, **filters: str) -> list[DeliveryEntry]:
        raise NotImplementedError

    def _account_name(self, account: str | None) -> str:
        raise NotImplementedError

    # --- records ------------------------------------------------------------------------------------

    def assert_lead(self, email: str, account: str | None = None, **fields: Any) -> dict[str, Any]:
        """The lead with this email exists and has ``fields``; returns it."""
        __tracebackhide__ = True
        return self._assert_record("lead", email, account, fields)

    def assert_contact(self, email: str, account: str | None = None, **fields: Any) -> dict[str, Any]:
        """The contact with this email exists and has ``fields``; returns it."""
        __tracebackhide__ = True
        return self._assert_record("contact", email, account, fields)

    def assert_no_record(self, email: str, account: str | None = None) -> None:
        """Neither a lead nor a contact has this email."""
        __tracebackhide__ = True
        found = self.find(email, account)
        if found is not None:
            entity, record = found
            raise AssertionError(
                f"expected no lead or contact with email {email!r} in account {self._account_name(account)!r},"
                f" but a {entity} holds it: {_short(_summary(record), 400)}\n{self.explain_user(email)}")

    def assert_counts(self, account: str | None = None, *, leads: int | None = None,
                      contacts: int | None = None) -> None:
        __tracebackhide__ = True
        held = {"leads": len(self.leads(account)), "contacts": len(self.contacts(account))}
        wanted = {"leads": leads, "contacts": contacts}
        wrong = {name: count for name, count in wanted.items() if count is not None and held[name] != count}
        if wrong:
            note = self._open_deliveries_note()
            raise AssertionError(
                f"account {self._account_name(account)!r}: expected "
                + ", ".join(f"{count} {name}" for name, count in wrong.items())
                + f"; the simulator holds {held['leads']} leads and {held['contacts']} contacts"
                + (f"\n{note}" if note else ""))

    def _assert_record(self, entity: str, email: str, account: str | None, fields: Mapping[str, Any]
                       ) -> dict[str, Any]:
        __tracebackhide__ = True
        subdomain = self._account_name(account)
        wanted = f"a {entity} with email {email!r} in account {subdomain!r}"
        if fields:
            wanted += " with " + ", ".join(f"{key}={render(value)}" for key, value in fields.items())
        found = self.find(email, account)
        if found is None:
            held = [_identity(record) for record in self.leads(account)]
            held_contacts = [_identity(record) for record in self.contacts(account)]
            raise AssertionError(
                f"expected {wanted}, but there is no lead or contact with that email.\n"
                f"  leads held:    {', '.join(held) or '(none)'}\n"
                f"  contacts held: {', '.join(held_contacts) or '(none)'}\n{self.explain_user(email)}")
        held_entity, record = found
        problems: list[str] = []
        if held_entity != entity:
            problems.append(f"  the record is a {held_entity}, not a {entity}")
        problems += describe_mismatches(mismatches(dict(fields), record)).splitlines()
        if problems:
            raise AssertionError(
                f"expected {wanted}, but:\n" + "\n".join(problems)
                + f"\n  the {held_entity} held: {_short(_summary(record), 600)}\n{self.explain_user(email)}")
        return record

    # --- timelines ----------------------------------------------------------------------------------

    def assert_timeline(self, email: str, expected: Sequence[Mapping[str, Any]], account: str | None = None,
                        *, exact: bool = False) -> list[dict[str, Any]]:
        """The record's timeline contains ``expected`` in this order (other items may sit between them;
        ``exact=True``: nothing else)."""
        __tracebackhide__ = True
        items = self.timeline(email, account)
        missing = first_unmatched_in_order([dict(want) for want in expected], items)
        too_many = exact and len(items) != len(expected)
        if missing is not None or too_many:
            shown = "\n".join(f"    {index}. {_short(_activity_summary(item), 200)}" for index, item in
                              enumerate(items, 1)) or "    (empty)"
            problem = (f"item {missing + 1} ({render(expected[missing])}) is not there in order"
                       if missing is not None else f"{len(expected)} items expected, {len(items)} held")
            raise AssertionError(f"timeline of {email!r}: {problem}.\n  the timeline held:\n{shown}\n"
                                 f"{self.explain_user(email)}")
        return items

    # --- Segment's logs -----------------------------------------------------------------------------

    def assert_delivery(self, count: int | None = None, **expected: Any) -> list[DeliveryEntry]:
        """Deliveries matching ``expected`` (e.g. ``status="discarded", code="errors.discarded.403"``):
        at least one, or exactly ``count``. Returns them."""
        __tracebackhide__ = True
        return self._assert_log("delivery", self.deliveries(), expected, count, describe_delivery)

    def assert_event(self, count: int | None = None, **expected: Any) -> list[EventEntry]:
        """Event-log entries matching ``expected`` (e.g. ``status="dropped", code="invalid_write_key"``)."""
        __tracebackhide__ = True
        return self._assert_log("event", self.events(), expected, count, describe_event)

    def _assert_log(self, name: str, entries: list[LogEntry], expected: Mapping[str, Any],
                    count: int | None, describe: Describe) -> list[LogEntry]:
        __tracebackhide__ = True
        chosen = [entry for entry in entries if matches(dict(expected), entry)]
        if (count is None and not chosen) or (count is not None and len(chosen) != count):
            wanted = "at least one" if count is None else f"exactly {count}"
            shown = "\n".join(f"    {describe(entry)}" for entry in entries) or "    (empty)"
            raise AssertionError(
                f"expected {wanted} {name} matching {render(dict(expected))}, found {len(chosen)}.\n"
                f"  Segment's {name} log holds:\n{shown}")
        return chosen

    # --- explanations -------------------------------------------------------------------------------

    def explain_user(self, user: str) -> str:
        """What Segment's logs say about one user: the lines a failure message needs."""
        deliveries = self.deliveries(user=user)
        events = self.events(user=user)
        lines = [f"  Segment's delivery log for {user!r}:"]
        lines += [f"    {describe_delivery(entry)}" for entry in deliveries] or ["    (no deliveries)"]
        if not deliveries:
            lines.append(f"  Segment's event log for {user!r}:")
            lines += [f"    {describe_event(entry)}" for entry in events] or [
                "    (no events: nothing with this userId reached Segment)"]
            lines += self._other_problems(user)
        note = self._open_deliveries_note()
        return "\n".join(lines) + (f"\n{note}" if note else "")

    def _other_problems(self, user: str, limit: int = 10) -> list[str]:
        """Messages for *other* users that went wrong: often the cause (e.g. a database id sent as
        userId instead of the email the test looks for). The user's own are listed above already."""

        def other(entry: Mapping[str, Any]) -> bool:
            return user not in (entry.get("user_id"), entry.get("anonymous_id"))

        troubled = [entry for entry in self.deliveries() if other(entry) and (
            entry.get("status") not in ("delivered", "pending") or entry.get("code") == "success.202")]
        dropped = [entry for entry in self.events() if other(entry) and entry.get("status") in ("dropped", "discarded")]
        if not troubled and not dropped:
            return []
        lines = ["  but these messages (for other users) did not go through:"]
        lines += [f"    {describe_delivery(entry)}" for entry in troubled[-limit:]]
        lines += [f"    {describe_event(entry)}" for entry in dropped[-limit:]]
        return lines

    def _open_deliveries_note(self) -> str:
        waiting = [entry for entry in self.deliveries() if entry.get("status") in ("pending", "awaiting-retry")]
        if not waiting:
            return ""
        return (f"  note: {len(waiting)} deliveries are still waiting (pending or awaiting retry): call "
                "fssim.flush(), and fssim.advance(seconds) for retries")


def _identity(record: Mapping[str, Any]) -> str:
    emails = [entry.get("value") for entry in record.get("emails") or [] if isinstance(entry, Mapping)]
    return str(record.get("email") or (emails[0] if emails else None) or record.get("external_id") or record.get("id"))


def _summary(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in _RECORD_SUMMARY_KEYS if record.get(key) not in (None, {}, [])}


def _activity_summary(item: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("action_type", "action_data", "created_at")
    return {key: item[key] for key in keep if key in item} or dict(item)
