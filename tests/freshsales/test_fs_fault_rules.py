"""The fault rules themselves (no HTTP): seeded replay, lifetimes and composition, as properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fssim.clock import Clock
from fssim.freshsales.forced_failures import ForcedFailures
from fssim.store import Database


def rules() -> ForcedFailures:
    return ForcedFailures(Database(None), Clock(frozen=True))


def kinds_met(failures: ForcedFailures, n: int, path: str = "/api/leads") -> list[str | None]:
    met = []
    for _ in range(n):
        fault = failures.take("acme", "rest", "GET", path)
        met.append(None if fault is None else fault.kind)
    return met


@given(seed=st.integers(0, 2**31), probability=st.floats(0.01, 1.0), n=st.integers(1, 60))
def test_the_same_seed_always_gives_the_same_fault_sequence(seed: int, probability: float, n: int) -> None:
    first, second = rules(), rules()
    for failures in (first, second):
        failures.add("acme", {"surface": "rest", "status": 500, "probability": probability, "seed": seed})
    assert kinds_met(first, n) == kinds_met(second, n)


@given(seed=st.integers(0, 2**31), count=st.integers(1, 5), probability=st.floats(0.1, 1.0))
def test_a_count_counts_faults_served_never_more(seed: int, count: int, probability: float) -> None:
    failures = rules()
    failures.add("acme", {"surface": "rest", "kind": "reset", "probability": probability, "seed": seed,
                          "count": count})
    met = kinds_met(failures, 200)
    assert met.count("reset") == count  # with p >= 0.1, 200 tries serve them all
    assert failures.rules("acme") == []


def test_a_window_ends_with_simulated_time_and_only_matching_paths_count() -> None:
    clock = Clock(frozen=True)
    failures = ForcedFailures(Database(None), clock)
    rule = failures.add("acme", {"surface": "rest", "path": "/api/leads*", "status": 503, "seconds": 30})
    assert kinds_met(failures, 2, "/api/contacts") == [None, None]
    assert failures.rules("acme")[0]["seen"] == 0
    assert kinds_met(failures, 1) == ["status"]
    clock.advance(30)
    assert kinds_met(failures, 1) == [None] and failures.rules("acme") == []
    assert rule["lifetime"] == "window"


def test_latency_rules_add_up_before_the_first_deciding_rule() -> None:
    failures = rules()
    failures.add("acme", {"surface": "rest", "latency": 0.5})
    failures.add("acme", {"surface": "rest", "latency": 0.25, "count": 1})
    failures.add("acme", {"surface": "rest", "status": 429, "retry_after": 9, "count": 1})
    first = failures.take("acme", "rest", "GET", "/api/leads")
    assert first is not None
    assert (first.kind, first.latency, first.status, first.retry_after) == ("status", 0.75, 429, 9)
    second = failures.take("acme", "rest", "GET", "/api/leads")
    assert second is not None and (second.kind, second.latency) == (None, 0.5)


def test_the_original_one_rule_form_still_replaces() -> None:
    failures = rules()
    failures.add("acme", {"status": 500})
    failures.set("acme", 429, count=2)
    [only] = failures.rules("acme")
    assert (only["status"], only["remaining"], only["retry_after"]) == (429, 2, None)
    fault = failures.take("acme")
    assert fault is not None and fault.retry_after == 1  # a 429 always says when to come back
