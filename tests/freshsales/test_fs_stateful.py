"""Any sequence of REST creates, updates, deletes and upserts leaves the API agreeing with a plain
in-memory model (a Hypothesis state machine)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fs_helpers import token
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig

EMAILS = st.sampled_from(["ann@x.io", "ANN@x.io", " bob@x.io ", "bob@X.IO", "cy@x.io", "dee@y.io"])
NAMES = st.sampled_from(["Ng", "O'Neil", "Ünal", "Smith"])
TITLES = st.one_of(st.none(), st.sampled_from(["CEO", "Dev", ""]))
ENTITIES = st.sampled_from(["lead", "contact"])
HEADERS = token("acme-key")


@dataclass
class Person:
    entity: str
    email: str | None  # as stored: trimmed
    last_name: str | None
    job_title: str | None


def key(email: str | None) -> str | None:
    return email.strip().lower() if email else None


class FreshsalesModel(RuleBasedStateMachine):
    records = Bundle("records")

    def __init__(self) -> None:
        super().__init__()
        self.sim = Simulator(SimulatorConfig(frozen_clock=True, rate_limits=False))
        self.http = TestClient(self.sim.app)
        self.http.post("/_sim/accounts", json={"subdomain": "acme", "api_key": "acme-key"})
        self.model: dict[int, Person] = {}

    def owner_of(self, email: str | None) -> int | None:
        return next((rid for rid, p in self.model.items() if key(p.email) == key(email)), None) if email else None

    @rule(target=records, entity=ENTITIES, email=EMAILS, last_name=NAMES, job_title=TITLES)
    def create(self, entity: str, email: str, last_name: str, job_title: str | None) -> int:
        response = self.http.post(f"/api/{entity}s", headers=HEADERS,
                                  json={entity: {"email": email, "last_name": last_name, "job_title": job_title}})
        if self.owner_of(email) is not None:
            assert response.status_code == 400
            assert response.json()["errors"]["message"] == [f"Email {email.strip()} has already been taken"]
            return -1
        assert response.status_code == 201, response.text
        record = response.json()[entity]
        self.model[record["id"]] = Person(entity, email.strip(), last_name, job_title)
        return int(record["id"])

    @rule(record=records, email=st.one_of(st.none(), EMAILS), job_title=TITLES)
    def update(self, record: int, email: str | None, job_title: str | None) -> None:
        person = self.model.get(record)
        entity = person.entity if person else "lead"
        body: dict[str, Any] = {"job_title": job_title}
        if email is not None:
            body["email"] = email
        response = self.http.put(f"/api/{entity}s/{record}", headers=HEADERS, json={entity: body})
        if person is None:
            assert response.status_code == 404
            return
        owner = self.owner_of(email)
        if owner is not None and owner != record:
            assert response.status_code == 400
            return
        assert response.status_code == 200, response.text
        person.job_title = job_title
        if email is not None:
            person.email = email.strip()

    @rule(record=consumes(records))
    def delete(self, record: int) -> None:
        person = self.model.pop(record, None)
        entity = person.entity if person else "contact"
        response = self.http.delete(f"/api/{entity}s/{record}", headers=HEADERS)
        assert response.status_code == (200 if person else 404)

    @rule(target=records, email=EMAILS, job_title=TITLES)
    def upsert(self, email: str, job_title: str | None) -> int:
        response = self.http.post("/api/contacts/upsert", headers=HEADERS, json={
            "unique_identifier": {"emails": email}, "contact": {"job_title": job_title}})
        owner = self.owner_of(email)
        if owner is not None and self.model[owner].entity == "lead":
            assert response.status_code == 400
            return -1
        if owner is not None:
            assert response.status_code == 200
            assert response.json()["contact"]["id"] == owner
            self.model[owner].job_title = job_title
            return owner
        assert response.status_code == 201, response.text
        contact = response.json()["contact"]
        self.model[contact["id"]] = Person("contact", email.strip(), None, job_title)
        return int(contact["id"])

    @invariant()
    def every_record_reads_back_as_modelled(self) -> None:
        for record_id, person in self.model.items():
            stored = self.http.get(f"/api/{person.entity}s/{record_id}", headers=HEADERS).json()[person.entity]
            assert (stored["email"], stored["last_name"], stored["job_title"]) == (
                person.email, person.last_name, person.job_title)
            if person.entity == "contact":
                assert [e["value"] for e in stored["emails"]] == [person.email]

    @invariant()
    def lookups_and_counts_agree(self) -> None:
        for email in ["ann@x.io", "bob@x.io", "cy@x.io", "dee@y.io"]:
            found = self.http.get(f"/api/lookup?q={email}&f=email&entities=lead,contact", headers=HEADERS).json()
            ids = [r["id"] for r in found["leads"]["leads"] + found["contacts"]["contacts"]]
            owner = self.owner_of(email)
            assert ids == ([owner] if owner is not None else [])
        for entity in ("lead", "contact"):
            view = self.sim.freshsales.accounts.require("acme").views[entity][0]["id"]
            meta = self.http.get(f"/api/{entity}s/view/{view}", headers=HEADERS).json()["meta"]
            assert meta["total"] == sum(1 for p in self.model.values() if p.entity == entity)

    def teardown(self) -> None:
        self.sim.close()


FreshsalesModel.TestCase.settings = settings(stateful_step_count=15)
test_rest_agrees_with_the_model = FreshsalesModel.TestCase
