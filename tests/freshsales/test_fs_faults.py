"""Faults on demand on the REST API, set through the control API: every kind, lifetime and the seed,
in process and over real HTTP (uvicorn), where a client's own retry and time-out code meets them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fs_helpers import errors_of, make_account
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales.fault_answers import ForcedDisconnect, ForcedTimeout
from fssim.server import ServerThread

Headers = dict[str, str]
FAILURES = "/_sim/accounts/acme/failures"


@pytest.fixture
def acme(client: TestClient) -> Headers:
    return make_account(client, "acme")


def force(http: Any, **rule: Any) -> dict[str, Any]:
    answer = http.post(FAILURES, json=rule)
    assert answer.status_code == 200, answer.text
    failure: dict[str, Any] = answer.json()["failure"]
    return failure


def lead_body(n: int = 0) -> dict[str, Any]:
    return {"lead": {"last_name": f"Lovelace{n}", "email": f"ada{n}@example.com"}}


# --- through the control API, in process ---------------------------------------------------------

def test_a_429_with_retry_after_on_one_rest_pattern_then_normal_answers(client: TestClient, acme: Headers) -> None:
    rule = force(client, surface="rest", method="POST", path="/api/leads*", status=429, retry_after=7, count=1)
    assert (rule["surface"], rule["method"], rule["path"], rule["lifetime"]) == ("rest", "POST", "/api/leads*", "count")
    assert client.get("/api/leads/filters", headers=acme).status_code == 200  # GET: not this rule's method
    refused = client.post("/api/leads", json=lead_body(), headers=acme)
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "7")
    assert "failing on purpose" in errors_of(refused)[0]
    assert client.post("/api/leads", json=lead_body(), headers=acme).status_code == 201
    assert client.get(FAILURES).json() == {"subdomain": "acme", "failure": None, "failures": []}


def test_an_api_pattern_also_covers_the_suite_prefix_and_other_paths_are_untouched(
    client: TestClient, acme: Headers
) -> None:
    force(client, surface="rest", path="/api/leads*", status=503)
    assert client.post("/crm/sales/api/leads", json=lead_body(), headers=acme).status_code == 503
    assert client.get("/api/contacts/filters", headers=acme).status_code == 200
    assert client.get("/api/leads/filters", headers=acme).status_code == 503


def test_a_fault_is_per_account(client: TestClient, acme: Headers) -> None:
    other = make_account(client, "globex")
    force(client, surface="rest", status=500)
    assert client.get("/api/leads/filters", headers=acme).status_code == 500
    assert client.get("/api/leads/filters", headers=other).status_code == 200


def statuses(client: TestClient, headers: Headers, n: int) -> list[int]:
    return [client.get("/api/leads/filters", headers=headers).status_code for _ in range(n)]


def test_probability_with_a_seed_gives_the_same_sequence_every_time(client: TestClient, acme: Headers) -> None:
    rule = force(client, surface="rest", status=500, probability=0.3, seed=42)
    assert (rule["probability"], rule["seed"], rule["lifetime"]) == (0.3, 42, "until cleared")
    first = statuses(client, acme, 60)
    client.delete(FAILURES)
    force(client, surface="rest", status=500, probability=0.3, seed=42)
    assert statuses(client, acme, 60) == first
    assert 5 <= first.count(500) <= 30 and set(first) == {200, 500}  # about 30 %, never all or nothing
    client.delete(FAILURES)
    force(client, surface="rest", status=500, probability=0.3, seed=43)
    assert statuses(client, acme, 60) != first
    listed = client.get(FAILURES).json()["failures"][0]
    assert (listed["seen"], listed["answered"]) == (60, statuses_count(client, acme))


def statuses_count(client: TestClient, acme: Headers) -> int:
    # What the listing says the rule answered equals what a client saw (the 500s of the last run).
    return int(client.get(FAILURES).json()["failures"][0]["answered"])


def test_a_rule_without_a_seed_gets_one_and_shows_it_for_a_replay(client: TestClient, acme: Headers) -> None:
    rule = force(client, surface="rest", status=500, probability=0.5)
    assert isinstance(rule["seed"], int)
    first = statuses(client, acme, 30)
    client.delete(FAILURES)
    force(client, surface="rest", status=500, probability=0.5, seed=rule["seed"])
    assert statuses(client, acme, 30) == first


def test_latency_delays_a_rest_answer_by_real_seconds(client: TestClient, acme: Headers) -> None:
    rule = force(client, surface="rest", latency=0.4, count=1)
    assert rule["kind"] == "latency"
    started = time.perf_counter()
    slow = client.get("/api/leads/filters", headers=acme)
    waited = time.perf_counter() - started
    assert slow.status_code == 200 and waited >= 0.4


def test_latency_and_a_status_compose_in_the_order_added(client: TestClient, acme: Headers) -> None:
    force(client, surface="rest", latency=0.2)
    force(client, surface="rest", status=502, count=1)
    started = time.perf_counter()
    assert client.get("/api/leads/filters", headers=acme).status_code == 502
    assert time.perf_counter() - started >= 0.2
    assert client.get("/api/leads/filters", headers=acme).status_code == 200  # the latency rule stays
    assert [r["kind"] for r in client.get(FAILURES).json()["failures"]] == ["latency"]


def test_reset_and_timeout_in_process_are_the_errors_an_httpx_client_raises(client: TestClient, acme: Headers) -> None:
    force(client, surface="rest", kind="reset", count=1)
    with pytest.raises(httpx.RemoteProtocolError) as dropped:
        client.get("/api/leads/filters", headers=acme)
    assert isinstance(dropped.value, ForcedDisconnect)
    force(client, surface="rest", kind="timeout", count=1)
    with pytest.raises(httpx.ReadTimeout) as late:
        client.get("/api/leads/filters", headers=acme)
    assert isinstance(late.value, ForcedTimeout)
    assert client.get("/api/leads/filters", headers=acme).status_code == 200


def test_lifetimes_count_window_and_until_cleared(sim: Simulator, client: TestClient, acme: Headers) -> None:
    counted = force(client, surface="rest", status=500, count=2)
    windowed = force(client, surface="rest", path="/api/contacts*", status=503, seconds=60)
    forever = force(client, surface="rest", path="/api/selector*", status=500)
    assert [counted["lifetime"], windowed["lifetime"], forever["lifetime"]] == ["count", "window", "until cleared"]
    assert windowed["until"] is not None and forever["remaining"] is None
    assert statuses(client, acme, 3) == [500, 500, 200]
    assert client.get("/api/contacts/filters", headers=acme).status_code == 503
    client.post("/_sim/clock/advance", json={"seconds": 60})
    assert client.get("/api/contacts/filters", headers=acme).status_code == 200
    for _ in range(3):
        client.post("/_sim/clock/advance", json={"seconds": 3600})
        assert client.get("/api/selector/sales_activity_types", headers=acme).status_code == 500
    assert client.delete(f"{FAILURES}/{forever['id']}").json()["removed"] == 1
    assert client.get("/api/selector/sales_activity_types", headers=acme).status_code == 200
    assert client.delete(f"{FAILURES}/{forever['id']}").status_code == 404


def test_several_rules_are_listed_and_cleared_together_and_replace_drops_the_others(client: TestClient,
                                                                                    acme: Headers) -> None:
    force(client, status=500, count=1)
    force(client, surface="rest", status=429)
    listing = client.get(FAILURES).json()
    assert [r["surface"] for r in listing["failures"]] == ["segment", "rest"]
    assert listing["failure"] == listing["failures"][0]
    replaced = client.post(FAILURES, json={"kind": "reset", "replace": True}).json()
    assert [r["kind"] for r in replaced["failures"]] == ["reset"]
    assert client.delete(FAILURES).json() == {"subdomain": "acme", "cleared": True, "removed": 1}


@pytest.mark.parametrize(("body", "words"), [
    ({"surface": "ftp", "status": 500}, "'surface' must be"),
    ({"path": "/api/leads", "status": 500}, "REST rules only"),
    ({"surface": "rest", "method": "BREW", "status": 500}, "'method' must be"),
    ({"surface": "rest", "path": "leads", "status": 500}, "'path' must be"),
    ({"status": 500, "probability": 1.5}, "'probability' must be"),
    ({"status": 500, "probability": "often"}, "'probability' must be"),
    ({"latency": 3600}, "'latency' must be"),
    ({"kind": "explode"}, "'kind' must be one of"),
    ({"kind": "reset", "status": 500}, "answers no status"),
    ({"kind": "reset", "retry_after": 5}, "'retry_after' goes with"),
    ({"kind": "timeout", "hold": 10_000}, "'hold' must be"),
    ({"status": 500, "seed": "x"}, "'seed' must be"),
    ({"status": 500, "replace": "yes"}, "'replace' must be"),
])
def test_bad_rules_are_400s_that_name_the_field(client: TestClient, acme: Headers, body: dict[str, Any],
                                                 words: str) -> None:
    answer = client.post(FAILURES, json=body)
    assert answer.status_code == 400 and words in answer.json()["message"]
    assert client.get(FAILURES).json()["failures"] == []


def test_rules_survive_a_restart_with_db_and_keep_their_sequence(tmp_path: Any) -> None:
    from fssim.app import SimulatorConfig

    path = str(tmp_path / "fssim.json")
    first = Simulator(SimulatorConfig(db_path=path, frozen_clock=True))
    with TestClient(first.app) as http:
        headers = make_account(http, "acme")
        force(http, surface="rest", status=500, probability=0.5, seed=9)
        before = statuses(http, headers, 10)
    first.close()
    again = Simulator(SimulatorConfig(db_path=path, frozen_clock=True))
    with TestClient(again.app) as http:
        after = statuses(http, headers, 10)
        http.delete(FAILURES)
        force(http, surface="rest", status=500, probability=0.5, seed=9)
        replay = statuses(http, headers, 20)
    again.close()
    assert before + after == replay  # the restart continued the very sequence


# --- over real HTTP: a user's own client meets the faults ------------------------------------------

@pytest.fixture
def served(live: ServerThread) -> Iterator[tuple[httpx.Client, Headers]]:
    with httpx.Client(base_url=live.base_url, timeout=10) as http:
        yield http, make_account(http, "acme")


def post_with_retries(http: httpx.Client, path: str, body: Any, headers: Headers, *,
                      attempts: int = 4) -> tuple[httpx.Response, list[float]]:
    """What a careful user's client does: retry 429 and 5xx, waiting as Retry-After says."""
    waits: list[float] = []
    for _ in range(attempts):
        answer = http.post(path, json=body, headers=headers)
        if answer.status_code != 429 and answer.status_code < 500:
            return answer, waits
        wait = float(answer.headers.get("Retry-After", "0.05"))
        waits.append(wait)
        time.sleep(wait)
    return answer, waits


@pytest.mark.e2e
def test_a_retrying_client_meets_a_429_with_retry_after_then_succeeds(
    served: tuple[httpx.Client, Headers]
) -> None:
    http, headers = served
    force(http, surface="rest", method="POST", path="/api/leads", status=429, retry_after=1, count=2)
    answer, waits = post_with_retries(http, "/api/leads", lead_body(1), headers)
    assert answer.status_code == 201 and answer.json()["lead"]["email"] == "ada1@example.com"
    assert waits == [1.0, 1.0]
    assert http.get(FAILURES).json()["failures"] == []


@pytest.mark.e2e
def test_a_reset_drops_the_connection_without_an_answer(served: tuple[httpx.Client, Headers]) -> None:
    http, headers = served
    force(http, surface="rest", kind="reset", count=1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.get("/api/leads/filters", headers=headers)
    assert http.get("/api/leads/filters", headers=headers).status_code == 200  # a new connection works


@pytest.mark.e2e
def test_a_timeout_is_a_read_timeout_for_a_client_with_a_short_time_out(served: tuple[httpx.Client, Headers]) -> None:
    http, headers = served
    force(http, surface="rest", kind="timeout", hold=5, count=1)
    started = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        http.get("/api/leads/filters", headers=headers, timeout=0.5)
    assert time.perf_counter() - started < 4  # the client's time-out, not the hold, ended the wait
    assert http.get("/api/leads/filters", headers=headers).status_code == 200


@pytest.mark.e2e
def test_a_held_answer_ends_as_a_504_for_a_patient_client(served: tuple[httpx.Client, Headers]) -> None:
    http, headers = served
    force(http, surface="rest", kind="timeout", hold=0.3, count=1)
    answer = http.get("/api/leads/filters", headers=headers)
    assert answer.status_code == 504 and "held 0.3 s" in errors_of(answer)[0]
