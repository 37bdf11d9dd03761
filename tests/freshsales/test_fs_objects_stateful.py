"""Any sequence of creates and deletes of sales accounts, contacts and deals over the REST API keeps
every link true (a Hypothesis state machine): no record names an id that is gone, and every side-load
holds every id the records of its answer name, since clients index side-loads without checking."""

from __future__ import annotations

from typing import Any

from fs_helpers import token
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig

HEADERS = token("acme-key")


class LinkModel(RuleBasedStateMachine):
    accounts = Bundle("accounts")
    contacts = Bundle("contacts")
    deals = Bundle("deals")

    def __init__(self) -> None:
        super().__init__()
        self.sim = Simulator(SimulatorConfig(frozen_clock=True, rate_limits=False))
        self.http = TestClient(self.sim.app)
        self.http.post("/_sim/accounts", json={"subdomain": "acme", "api_key": "acme-key", "product": "suite"})
        self.live: dict[str, set[int]] = {"sales_accounts": set(), "contacts": set(), "deals": set()}
        self.made = 0

    def _post(self, plural: str, entity: str, body: dict[str, Any]) -> int:
        response = self.http.post(f"/api/{plural}", json={entity: body}, headers=HEADERS)
        assert response.status_code == 201, response.text
        record_id: int = response.json()[entity]["id"]
        self.live[plural].add(record_id)
        return record_id

    def _delete(self, plural: str, record_id: int) -> None:
        response = self.http.delete(f"/api/{plural}/{record_id}", headers=HEADERS)
        assert response.status_code == (200 if record_id in self.live[plural] else 404)
        self.live[plural].discard(record_id)

    @rule(target=accounts)
    def create_account(self) -> int:
        self.made += 1
        return self._post("sales_accounts", "sales_account", {"name": f"Company {self.made}"})

    @rule(target=contacts, linked=st.lists(accounts, max_size=3, unique=True))
    def create_contact(self, linked: list[int]) -> int:
        self.made += 1
        body = {"emails": f"p{self.made}@example.com",
                "sales_accounts": [{"id": i, "is_primary": n == 0} for n, i in enumerate(linked)]}
        if set(linked) <= self.live["sales_accounts"]:
            return self._post("contacts", "contact", body)
        refused = self.http.post("/api/contacts", json={"contact": body}, headers=HEADERS)
        assert refused.status_code == 400 and refused.json()["errors"]["code"] == 400
        return self._post("contacts", "contact", {"emails": f"p{self.made}@example.com"})

    @rule(target=deals, account=st.one_of(st.none(), accounts), people=st.lists(contacts, max_size=2, unique=True))
    def create_deal(self, account: int | None, people: list[int]) -> int:
        self.made += 1
        account = account if account in self.live["sales_accounts"] else None
        people = [i for i in people if i in self.live["contacts"]]
        return self._post("deals", "deal", {"name": f"Deal {self.made}", "sales_account_id": account,
                                            "contact_ids": people})

    @rule(record_id=consumes(accounts))
    def delete_account(self, record_id: int) -> None:
        self._delete("sales_accounts", record_id)

    @rule(record_id=consumes(contacts))
    def delete_contact(self, record_id: int) -> None:
        self._delete("contacts", record_id)

    @rule(record_id=consumes(deals))
    def delete_deal(self, record_id: int) -> None:
        self._delete("deals", record_id)

    @invariant()
    def contacts_link_only_live_accounts_and_side_load_them(self) -> None:
        for contact_id in self.live["contacts"]:
            body = self.http.get(f"/api/contacts/{contact_id}?include=sales_accounts", headers=HEADERS).json()
            linked = {link["id"] for link in body["contact"]["sales_accounts"]}
            assert linked <= self.live["sales_accounts"]
            assert linked <= {one["id"] for one in body["sales_accounts"]}
            primaries = [link for link in body["contact"]["sales_accounts"] if link["is_primary"]]
            assert len(primaries) == min(1, len(linked))

    @invariant()
    def deals_name_only_live_records_and_side_load_them(self) -> None:
        views = self.http.get("/api/deals/filters", headers=HEADERS).json()["filters"]
        everything = next(view["id"] for view in views if view["name"] == "All Deals")
        body = self.http.get(f"/api/deals/view/{everything}?per_page=100&include=sales_accounts,contacts,"
                             "deal_stages,owner", headers=HEADERS).json()
        assert {deal["id"] for deal in body["deals"]} == self.live["deals"]
        loaded = {key: {one["id"] for one in body[key]} for key in ("sales_accounts", "contacts", "deal_stages",
                                                                    "users")}
        for deal in body["deals"]:
            if deal["sales_account_id"] is not None:
                assert deal["sales_account_id"] in self.live["sales_accounts"] & loaded["sales_accounts"]
            assert set(deal["contact_ids"]) <= self.live["contacts"] & loaded["contacts"]
            assert deal["deal_stage_id"] in loaded["deal_stages"] and deal["owner_id"] in loaded["users"]

    def teardown(self) -> None:
        self.sim.close()


# Rules that consume from a bundle wait for it to fill, which Hypothesis counts as filtering; a loaded
# machine is slow: neither is a problem of the model.
LinkModel.TestCase.settings = settings(stateful_step_count=12, max_examples=15, deadline=None,
                                       suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
test_links_stay_true_through_deletes = LinkModel.TestCase
