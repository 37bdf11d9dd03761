"""The Freshsales domain layer (accounts, records, timeline, engagements) without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from fssim.clock import Clock
from fssim.freshsales.accounts import AccountExistsError
from fssim.freshsales.errors import ModuleUnavailableError, NotFoundError, ValidationError
from fssim.freshsales.ids import FIRST_ID
from fssim.freshsales.service import Freshsales
from fssim.store import Database


@pytest.fixture
def fs() -> Freshsales:
    service = Freshsales(Database(), Clock(frozen=True))
    service.accounts.create("acme", plan="garden", api_key="acme-key")
    service.accounts.create("globex", plan="estate", api_key="globex-key")
    service.accounts.create("initech", plan="forest", api_key="initech-key", product="suite")
    return service


def messages(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return error.value.messages


def test_accounts_are_found_by_key_and_keys_are_unique(fs: Freshsales) -> None:
    account = fs.accounts.by_api_key("acme-key")
    assert account is not None and account.subdomain == "acme" and account.plan.per_hour == 1000
    assert fs.accounts.by_api_key("nope") is None
    fs.accounts.add_api_key("acme", "acme-key-2")
    assert fs.accounts.by_api_key("acme-key-2").subdomain == "acme"  # type: ignore[union-attr]
    with pytest.raises(AccountExistsError):
        fs.accounts.create("other", api_key="acme-key")
    with pytest.raises(AccountExistsError):
        fs.accounts.create("ACME")
    with pytest.raises(ValueError, match="unknown plan"):
        fs.accounts.create("x1", plan="tree")
    with pytest.raises(ValueError, match="subdomain"):
        fs.accounts.create("no spaces")


def test_segment_toggle_keeps_state_history_and_hands_over(fs: Freshsales) -> None:
    handed: list[dict[str, Any]] = []
    fs.on_segment_enabled(lambda **kwargs: handed.append(kwargs))
    assert fs.accounts.require("acme").segment_enabled is False
    fs.enable_segment("acme", source="web")
    fs.disable_segment("acme")
    account = fs.accounts.require("acme")
    assert account.segment_enabled is False
    assert [(h["enabled"], h["source"], h["via"]) for h in account.segment_history] == [
        (True, "web", "freshsales"), (False, None, "freshsales")]
    assert handed == [{"source": "web", "api_key": "acme-key", "subdomain": "acme"}]


def test_create_shapes_a_lead_like_the_real_api(fs: Freshsales) -> None:
    lead = fs.records.create("acme", "lead", {"first_name": "Ada", "last_name": "Lovelace",
                                              "email": " Ada@Example.com ", "company": {"name": "Engines"}})
    assert lead["id"] >= FIRST_ID
    assert lead["display_name"] == "Ada Lovelace"
    assert lead["email"] == "Ada@Example.com"
    assert lead["company"] == {"name": "Engines"}
    assert lead["created_at"].endswith("+00:00")
    assert lead["links"]["timeline_feeds"] == f"/leads/{lead['id']}/timeline_feeds"
    contact = fs.records.create("initech", "contact", {"emails": ["a@x.io", "b@x.io"]})
    assert [e["value"] for e in contact["emails"]] == ["a@x.io", "b@x.io"]
    assert contact["emails"][0]["is_primary"] and contact["email"] == "a@x.io"
    assert contact["display_name"] == "a@x.io"
    assert contact["links"]["notes"].startswith("/crm/sales/contacts/")


def test_one_email_namespace_for_leads_and_contacts(fs: Freshsales) -> None:
    fs.records.create("acme", "lead", {"email": "ada@example.com"})
    with pytest.raises(ValidationError) as error:
        fs.records.create("acme", "contact", {"emails": ["x@y.io", "ADA@example.com"]})
    assert messages(error) == ["Email ADA@example.com has already been taken"]
    assert fs.records.count("acme", "contact") == 0
    # another account is another namespace
    fs.records.create("globex", "contact", {"email": "ada@example.com"})
    found = fs.records.find_by_email("acme", "  ADA@EXAMPLE.COM")
    assert found is not None and found.entity == "lead"
    assert fs.records.find_by_email("globex", "ada@example.com").entity == "contact"  # type: ignore[union-attr]


def test_every_problem_is_named_and_nothing_is_stored(fs: Freshsales) -> None:
    fs.accounts.define_custom_field("acme", "lead", "cf_grade", "number")
    with pytest.raises(ValidationError) as error:
        fs.records.create("acme", "lead", {"first_name": ["x"], "custom_field": {"cf_grade": "ten", "cf_nope": 1}})
    assert messages(error) == [
        "The type for first_name is invalid.",
        "The type for cf_grade is invalid.",
        "Unknown custom field cf_nope: it is not defined for leads in this account",
        "Last name can't be blank when there is no email (give last_name or email)",
    ]
    assert fs.records.count("acme", "lead") == 0


def test_update_records_changed_fields_on_the_timeline(fs: Freshsales) -> None:
    lead = fs.records.create("acme", "lead", {"email": "a@b.io", "job_title": "Dev"})
    fs.clock.advance(60)
    updated = fs.records.update("acme", "lead", lead["id"], {"job_title": "CTO", "city": None, "unknown": 1})
    assert updated["job_title"] == "CTO" and updated["updated_at"] > lead["updated_at"]
    items = fs.timeline.activities("acme", "lead", lead["id"])
    assert [i["action_type"] for i in items] == ["create", "update"]
    assert items[1]["action_data"] == {"property_key": "job_title", "property_value": "CTO",
                                       "previous_value": "Dev"}
    fs.records.update("acme", "lead", lead["id"], {"job_title": "CTO"})  # no change, no item
    assert len(fs.timeline.activities("acme", "lead", lead["id"])) == 2


def test_records_of_other_accounts_are_not_found(fs: Freshsales) -> None:
    lead = fs.records.create("acme", "lead", {"email": "a@b.io"})
    with pytest.raises(NotFoundError):
        fs.records.get("globex", "lead", lead["id"])
    with pytest.raises(NotFoundError):
        fs.records.get("acme", "contact", lead["id"])
    with pytest.raises(ModuleUnavailableError):
        fs.records.create("initech", "lead", {"email": "a@b.io"})


def test_list_sorts_pages_and_counts(fs: Freshsales) -> None:
    for name in ["delta", "alpha", "charlie", "bravo", "echo"]:
        fs.records.create("acme", "lead", {"last_name": name})
        fs.clock.advance(1)
    page = fs.records.list("acme", "lead", page=2, per_page=2, sort="last_name", sort_type="asc")
    assert [r["last_name"] for r in page.records] == ["charlie", "delta"]
    assert (page.total, page.total_pages) == (5, 3)
    newest = fs.records.list("acme", "lead", per_page=1)
    assert newest.records[0]["last_name"] == "echo"
    with pytest.raises(ValidationError) as error:
        fs.records.list("acme", "lead", per_page=101, sort="nope")
    assert len(messages(error)) == 2


def test_upsert_updates_or_creates_by_identifier(fs: Freshsales) -> None:
    created, was_created = fs.records.upsert("initech", "contact", {"emails": "u@x.io"}, {"first_name": "U"})
    assert was_created and created["email"] == "u@x.io"
    again, was_created = fs.records.upsert("initech", "contact", {"emails": "U@X.io"}, {"job_title": "Boss"})
    assert not was_created and again["id"] == created["id"] and again["first_name"] == "U"
    assert fs.records.count("initech", "contact") == 1


def test_convert_moves_email_and_history_to_a_contact(fs: Freshsales) -> None:
    lead = fs.records.create("acme", "lead", {"email": "c@d.io", "last_name": "Conv"})
    fs.engagements.add_note("acme", {"description": "hello", "targetable_type": "Lead",
                                     "targetable_id": lead["id"]})
    contact = fs.records.convert("acme", lead["id"])
    assert contact["email"] == "c@d.io" and contact["last_name"] == "Conv"
    assert fs.records.find_by_email("acme", "c@d.io").entity == "contact"  # type: ignore[union-attr]
    with pytest.raises(NotFoundError):
        fs.records.get("acme", "lead", lead["id"])
    kinds = [i["action_type"] for i in fs.timeline.activities("acme", "contact", contact["id"])]
    assert kinds == ["create", "note", "create", "convert"]


def test_generic_activities_are_ordered_by_their_time(fs: Freshsales) -> None:
    lead = fs.records.create("acme", "lead", {"email": "t@t.io"})
    fs.records.add_activity("acme", "lead", lead["id"], {"action_type": "page_view",
                                                          "created_at": "2030-01-01T10:00:00Z"})
    fs.records.add_activity("acme", "lead", lead["id"], {"action_type": "event",
                                                          "created_at": "2000-01-01T10:00:00+02:00",
                                                          "action_data": {"name": "Signed up"}})
    items = fs.timeline.activities("acme", "lead", lead["id"])
    assert [i["action_type"] for i in items] == ["event", "create", "page_view"]
    assert items[0]["created_at"] == "2000-01-01T08:00:00+00:00"
    with pytest.raises(NotFoundError):
        fs.records.add_activity("globex", "lead", lead["id"], {"action_type": "event"})


def test_ids_never_collide_across_accounts(fs: Freshsales) -> None:
    a = fs.records.create("acme", "lead", {"email": "same@x.io"})
    b = fs.records.create("globex", "lead", {"email": "same@x.io"})
    assert a["id"] != b["id"]


def test_activity_times_may_be_datetimes_and_data_must_be_json(fs: Freshsales) -> None:
    from datetime import UTC, datetime

    lead = fs.records.create("acme", "lead", {"email": "dt@t.io"})
    item = fs.records.add_activity("acme", "lead", lead["id"], {
        "action_type": "event", "created_at": datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)})
    assert item["created_at"] == "2001-02-03T04:05:06+00:00"
    with pytest.raises(ValidationError, match="JSON data"):
        fs.records.add_activity("acme", "lead", lead["id"], {"action_type": "event", "action_data": {1, 2}})
    with pytest.raises(ValidationError, match="ISO-8601"):
        fs.records.add_activity("acme", "lead", lead["id"], {"action_type": "event", "created_at": "soon"})
    assert len(fs.timeline.activities("acme", "lead", lead["id"])) == 2


@pytest.mark.parametrize("seconds", [-1.0, float("nan"), float("inf")])
def test_the_clock_moves_only_forward_by_finite_amounts(seconds: float) -> None:
    clock = Clock(frozen=True)
    before = clock.now()
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(seconds)
    assert clock.now() == before
