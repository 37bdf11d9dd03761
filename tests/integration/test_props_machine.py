"""A stateful property: any interleaving of identifies, pages, tracks, replays, toggle switches and REST
edits keeps the simulator equal to a small reference model of the rules written here, independently of
``fssim.integration`` (it shares no code with it).

Everything goes through HTTP in-process: Segment messages to the receiver, the toggle through the
control API, and a salesperson's edits through the Freshsales REST API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fs_world import API_KEY, SUBDOMAIN, Delivery
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig

EMAILS = ("ada@example.com", "grace@example.org", "linus@example.net")
DB_IDS = ("1001", "usr_42")
# Database-id identifies also draw emails nobody else uses, so they create records often enough for a
# second identify with the same id to meet an existing record (the case R6 must refuse to update).
DB_ID_EMAILS = (*EMAILS, "customer1@example.io", "customer2@example.io")
NAMES = ("Ada", "Grace", "Zoë", None)
TITLES = ("CTO", "Buyer", None)
REST = {"Authorization": f"Token token={API_KEY}"}
PLURAL = {"lead": "leads", "contact": "contacts"}


@dataclass
class ModelRecord:
    entity: str
    email: str  # lower case: the model compares emails this way (R4)
    external_id: str | None = None
    first_name: str | None = None
    job_title: str | None = None
    segment_activities: int = 0


@dataclass
class Model:
    toggle: bool = False
    records: dict[int, ModelRecord] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)  # messageId -> status first answered (R10)

    def by_email(self, email: str) -> int | None:
        return next((rid for rid, r in self.records.items() if r.email == email.strip().lower()), None)

    def by_external_id(self, external_id: str) -> int | None:
        return min((rid for rid, r in self.records.items() if r.external_id == external_id), default=None)


def vary(email: str, upper: bool, pad: bool) -> str:
    text = email.upper() if upper else email
    return f"  {text} " if pad else text


class ReceiverMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.sim = Simulator(SimulatorConfig(frozen_clock=True))
        self.http = TestClient(self.sim.app)
        self.delivery = Delivery(self.http)
        self.model = Model()
        self.sent: list[dict[str, Any]] = []
        self.counter = 0

    @initialize()
    def set_up(self) -> None:
        assert self.http.post("/_sim/accounts", json={"subdomain": SUBDOMAIN, "plan": "garden",
                                                      "api_key": API_KEY}).status_code in (200, 201)
        assert self.http.post("/_sim/sources", json={"name": "web", "write_key": "wk-web"}).status_code == 201
        self.sim.freshsales.accounts.set_rate_limits(SUBDOMAIN, False)

    def _deliver(self, message: dict[str, Any]) -> None:
        """Send one message and check the answer against the model's prediction, then follow it."""
        if not self.model.toggle:
            response = self.delivery.send(message)
            assert response.status_code == 403, response.json()
            return
        first = self.model.answers.get(message["messageId"])
        if first is not None:
            response = self.delivery.send(message)
            assert (response.status_code, response.headers.get("X-Fssim-Replayed")) == (first, "true")
            return
        expected, follow = self._predict(message)
        response = self.delivery.send(message)
        assert response.status_code == expected, (message, response.json(), self.model)
        self.model.answers[message["messageId"]] = expected
        follow(response.json())

    def _predict(self, message: dict[str, Any]) -> tuple[int, Callable[[dict[str, Any]], None]]:
        user_id: str = message["userId"]
        if message["type"] == "identify":
            traits = message["traits"]
            if "@" in user_id:
                return 200, self._identified_by_email(user_id.strip().lower(), traits)
            email = traits["email"].strip().lower()
            if self.model.by_external_id(user_id) is not None:
                return 202, lambda body: None
            if self.model.by_email(email) is not None:
                return 400, lambda body: None

            def created(body: dict[str, Any]) -> None:
                self.model.records[body["record"]["id"]] = ModelRecord(
                    "lead", email, external_id=user_id, first_name=traits.get("firstName"))
            return 200, created
        target = self.model.by_email(user_id) if "@" in user_id else self.model.by_external_id(user_id)
        if target is None:
            return 202, lambda body: None

        def added(body: dict[str, Any]) -> None:
            assert body["record"]["id"] == target
            self.model.records[target].segment_activities += 1
        return 200, added

    def _identified_by_email(self, email: str, traits: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
        found = self.model.by_email(email)
        first, title = traits.get("firstName"), traits.get("title")

        def follow(body: dict[str, Any]) -> None:
            if found is None:
                entity = "contact" if traits.get("fsContact") in (True, "true") else "lead"
                assert body["record"]["type"] == entity, "R5: the flag decides a new record's type"
                self.model.records[body["record"]["id"]] = ModelRecord(entity, email, first_name=first,
                                                                       job_title=title)
                return
            assert body["record"]["id"] == found, "R4: the existing record is updated"
            record = self.model.records[found]
            record.first_name = first if first is not None else record.first_name
            record.job_title = title if title is not None else record.job_title
        return follow

    # -- Segment messages ---------------------------------------------------------------------------

    @rule(email=st.sampled_from(EMAILS), upper=st.booleans(), pad=st.booleans(), first=st.sampled_from(NAMES),
          title=st.sampled_from(TITLES), contact=st.sampled_from([None, True, "true", False]))
    def identify_by_email(self, email: str, upper: bool, pad: bool, first: str | None, title: str | None,
                          contact: Any) -> None:
        traits: dict[str, Any] = {"firstName": first, "title": title}
        if contact is not None:
            traits["fsContact"] = contact
        self._send_new({"type": "identify", "userId": vary(email, upper, pad), "traits": traits})

    @rule(db_id=st.sampled_from(DB_IDS), email=st.sampled_from(DB_ID_EMAILS), upper=st.booleans(),
          first=st.sampled_from(NAMES))
    def identify_by_database_id(self, db_id: str, email: str, upper: bool, first: str | None) -> None:
        self._send_new({"type": "identify", "userId": db_id,
                        "traits": {"email": vary(email, upper, False), "firstName": first}})

    @rule(kind=st.sampled_from(["page", "track"]),
          who=st.one_of(st.sampled_from(EMAILS), st.sampled_from(DB_IDS), st.just("stranger@example.com")),
          upper=st.booleans(), second=st.integers(0, 3599))
    def page_or_track(self, kind: str, who: str, upper: bool, second: int) -> None:
        message: dict[str, Any] = {"type": kind, "userId": vary(who, upper, False) if "@" in who else who,
                                   "timestamp": f"2026-05-01T10:{second // 60:02d}:{second % 60:02d}.000Z"}
        message.update({"event": "Clicked", "properties": {"n": second}} if kind == "track" else
                       {"name": "Home", "properties": {"url": "https://example.com/"}})
        self._send_new(message)

    def _send_new(self, message: dict[str, Any]) -> None:
        self.counter += 1
        message["messageId"] = f"msg-{self.counter}"
        self.sent.append(message)
        self._deliver(message)

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """Segment retrying a delivery: same messageId, same body (R10)."""
        self._deliver(data.draw(st.sampled_from(self.sent)))

    # -- the toggle ---------------------------------------------------------------------------------

    @rule(on=st.booleans())
    def switch_toggle(self, on: bool) -> None:
        if on:
            response = self.http.post(f"/_sim/accounts/{SUBDOMAIN}/segment/enable", json={"source": "web"})
        else:
            response = self.http.post(f"/_sim/accounts/{SUBDOMAIN}/segment/disable")
        assert response.status_code == 200
        self.model.toggle = on

    # -- a salesperson's REST edits -------------------------------------------------------------------

    @rule(entity=st.sampled_from(["lead", "contact"]), email=st.sampled_from(EMAILS), upper=st.booleans())
    def rest_create(self, entity: str, email: str, upper: bool) -> None:
        body = {entity: {"email": vary(email, upper, False), "last_name": "Rest"}}
        response = self.http.post(f"/api/{PLURAL[entity]}", json=body, headers=REST)
        if self.model.by_email(email) is not None:
            assert response.status_code == 400, response.json()
            return
        assert response.status_code in (200, 201), response.json()
        self.model.records[response.json()[entity]["id"]] = ModelRecord(entity, email)

    @precondition(lambda self: bool(self.model.records))
    @rule(data=st.data(), title=st.sampled_from(["VP", "Intern"]))
    def rest_update(self, data: st.DataObject, title: str) -> None:
        record_id = data.draw(st.sampled_from(sorted(self.model.records)))
        record = self.model.records[record_id]
        response = self.http.put(f"/api/{PLURAL[record.entity]}/{record_id}",
                                 json={record.entity: {"job_title": title}}, headers=REST)
        assert response.status_code == 200, response.json()
        record.job_title = title

    @precondition(lambda self: bool(self.model.records))
    @rule(data=st.data())
    def rest_delete(self, data: st.DataObject) -> None:
        record_id = data.draw(st.sampled_from(sorted(self.model.records)))
        record = self.model.records.pop(record_id)
        response = self.http.delete(f"/api/{PLURAL[record.entity]}/{record_id}", headers=REST)
        assert response.status_code in (200, 204)

    # -- the comparison -----------------------------------------------------------------------------

    @invariant()
    def simulator_equals_model(self) -> None:
        fs = self.sim.freshsales
        actual = {}
        for entity in ("lead", "contact"):
            for record in fs.records.all(SUBDOMAIN, entity):
                timeline = fs.timeline.activities(SUBDOMAIN, entity, record["id"])
                actual[record["id"]] = ModelRecord(
                    entity, record["email"].lower(), record["external_id"], record["first_name"],
                    record["job_title"], sum(1 for item in timeline if item.get("source") == "segment"))
        assert actual == self.model.records
        assert fs.accounts.require(SUBDOMAIN).segment_enabled is self.model.toggle

    def teardown(self) -> None:
        self.sim.close()


TestReceiverMachine = ReceiverMachine.TestCase
