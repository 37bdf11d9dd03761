"""R7 for ``company`` and ``deal`` traits: a contact's company is its primary sales account and its deal
a deal of the contact; a lead keeps its company. Checked in the store the REST API reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fs_world import World
from hypothesis import given
from hypothesis import strategies as st

Factory = Callable[..., World]


def identify(user_id: str, message_id: str, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user_id, "messageId": message_id, "traits": traits,
            "timestamp": "2026-03-01T10:00:00.000Z"}


def test_company_on_a_contact_creates_then_updates_its_primary_sales_account(new_world: Factory) -> None:
    world = new_world("suite")
    fs = world.sim.freshsales
    first = world.apply(identify("ada@example.com", "m1", lastName="Lovelace",
                                 company={"name": "Engines Ltd", "employees": 12}))
    assert first.result == "created" and "sales_accounts" in first.changed
    assert not [i for i in first.ignored if i.trait == "company"]
    (account,) = fs.sales_accounts.all("acme")
    assert (account["name"], account["number_of_employees"]) == ("Engines Ltd", 12)
    contact = fs.records.get("acme", "contact", first.record.id if first.record else 0)
    assert contact["sales_accounts"] == [{"id": account["id"], "is_primary": True}]
    second = world.apply(identify("ada@example.com", "m2", company={"name": " engines LTD ", "website": "e.io"}))
    assert second.result == "updated"
    (same,) = fs.sales_accounts.all("acme")
    assert same["id"] == account["id"] and same["website"] == "e.io"
    world.apply(identify("ada@example.com", "m3", company="Looms"))
    linked = fs.records.get("acme", "contact", contact["id"])["sales_accounts"]
    looms = fs.sales_accounts.find("acme", {"name": "Looms"})
    assert linked == [{"id": looms, "is_primary": True}, {"id": account["id"], "is_primary": False}]


def test_company_on_a_lead_stays_the_lead_s_company(new_world: Factory) -> None:
    world = new_world()
    outcome = world.apply(identify("bo@example.com", "m1", company="Initech"))
    assert outcome.record is not None and outcome.record.entity == "lead"
    assert world.sim.freshsales.records.get("acme", "lead", outcome.record.id)["company"] == {"name": "Initech"}
    assert world.sim.freshsales.sales_accounts.all("acme") == []


def test_deal_on_a_contact_is_created_then_updated_by_name(new_world: Factory) -> None:
    world = new_world("suite")
    fs = world.sim.freshsales
    made = world.apply(identify("cy@example.com", "m1", lastName="Cy", deal={"name": "Renewal", "amount": 100}))
    assert made.record is not None and "deal" in made.changed
    (deal,) = fs.deals.all("acme")
    assert (deal["name"], deal["amount"], deal["contact_ids"]) == ("Renewal", 100, [made.record.id])
    world.apply(identify("cy@example.com", "m2", deal={"name": "renewal", "amount": 250}))
    (same,) = fs.deals.all("acme")
    assert same["id"] == deal["id"] and same["amount"] == 250
    nameless = world.apply(identify("cy@example.com", "m3", deal={"amount": 5}))
    assert [i.trait for i in nameless.ignored] == ["deal"] and len(fs.deals.all("acme")) == 1
    other = world.apply(identify("di@example.com", "m4", lastName="Di", deal={"name": "Renewal"}))
    assert other.record is not None and len(fs.deals.all("acme")) == 2


_names = st.sampled_from(["Engines Ltd", "engines ltd", "Looms", " LOOMS", "Initech"])


@given(steps=st.lists(st.tuples(st.sampled_from(["a@example.com", "b@example.com"]), _names,
                                st.sampled_from([None, "Renewal", "renewal", "Upsell"])), min_size=1, max_size=8))
def test_property_one_account_per_name_and_links_name_real_records(new_world: Factory,
                                                                   steps: list[tuple[str, str, str | None]]) -> None:
    world = new_world("suite")
    fs = world.sim.freshsales
    for number, (email, company, deal) in enumerate(steps):
        traits: dict[str, Any] = {"lastName": "X", "company": company}
        if deal is not None:
            traits["deal"] = {"name": deal}
        assert world.apply(identify(email, f"m{number}", **traits)).status == 200
    accounts = fs.sales_accounts.all("acme")
    names = [a["name"].strip().lower() for a in accounts]
    assert len(names) == len(set(names)) == len({c.strip().lower() for _, c, _ in steps})
    ids = {a["id"] for a in accounts}
    for contact in fs.records.all("acme", "contact"):
        links = contact["sales_accounts"]
        assert {link["id"] for link in links} <= ids and sum(link["is_primary"] for link in links) == 1
    contacts = {c["id"] for c in fs.records.all("acme", "contact")}
    pairs = [(tuple(d["contact_ids"]), d["name"].lower()) for d in fs.deals.all("acme")]
    assert len(pairs) == len(set(pairs)) and all(set(cids) <= contacts for cids, _ in pairs)
