"""Properties of the Segment pipeline (Hypothesis), and its state surviving a restart on a file store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fssim.clock import Clock, parse_iso
from fssim.segment import Segment
from fssim.segment.enrich import enrich
from fssim.segment.routing import Router, route
from fssim.store import Database

FRESHSALES = {"id": 1, "type": "freshsales", "name": "Freshsales", "enabled": True,
              "settings": {"api_key": "k", "subdomain": "acme"}}


def fresh_segment() -> Segment:
    segment = Segment(Database(), Clock(frozen=True))
    segment.add_source("web", "web-key")
    return segment


@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=30))
def test_only_the_first_of_each_message_id_is_accepted(ids: list[str]) -> None:
    segment = fresh_segment()
    segment.ingest("/v1/batch", [{"type": "track", "userId": "u", "event": "E", "messageId": i} for i in ids],
                   {}, "web-key")
    statuses = [(e["message_id"], e["status"]) for e in segment.event_log({})]
    first_seen = {i: ids.index(i) for i in ids}
    assert statuses == [(i, "accepted" if n == first_seen[i] else "duplicate") for n, i in enumerate(ids)]


integrations_values = st.one_of(st.booleans(), st.fixed_dictionaries({"apiKey": st.text(max_size=3)}))


@given(
    kind=st.sampled_from(["identify", "track", "page", "screen", "group", "alias"]),
    integrations=st.dictionaries(st.sampled_from(["All", "Freshsales", "Salesforce", "freshsales"]),
                                 integrations_values, max_size=4),
)
def test_routing_matches_segments_rules(kind: str, integrations: dict[str, Any]) -> None:
    [verdict] = route({"type": kind, "integrations": integrations}, [FRESHSALES])
    named = integrations.get("Freshsales")  # keys are case-sensitive: "freshsales" names nothing
    switched_on = named is not False if "Freshsales" in integrations else integrations.get("All") is not False
    if not switched_on:
        assert verdict.code == "filtered.integrations"
    elif kind not in ("identify", "page", "track"):
        assert verdict.code == "filtered.unsupported_type"
    else:
        assert verdict.filtered is None


@given(st.lists(st.tuples(st.sampled_from(["identify", "track", "page", "screen", "group", "alias"]),
                          st.one_of(st.none(), st.dictionaries(st.sampled_from(["All", "Freshsales"]),
                                                               integrations_values, max_size=2))),
                min_size=1, max_size=12))
def test_a_requests_router_gives_every_message_the_verdicts_route_gives(
        messages: list[tuple[str, dict[str, Any] | None]]) -> None:
    disabled = {**FRESHSALES, "id": 2, "enabled": False}
    mobile = {**FRESHSALES, "id": 3, "name": "Freshsales (mobile)"}
    destinations: list[Any] = [FRESHSALES, disabled, mobile]
    router = Router(destinations)  # one request: it keeps the verdicts of messages routed by type alone
    for kind, integrations in messages:
        message = {"type": kind} if integrations is None else {"type": kind, "integrations": integrations}
        assert router(message) == route(message, destinations)


@given(
    skew=st.integers(min_value=-10**7, max_value=10**7),
    delay=st.integers(min_value=0, max_value=10**6),
)
def test_the_corrected_timestamp_removes_the_devices_clock_skew(skew: int, delay: int) -> None:
    received = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    device_now = received + timedelta(milliseconds=skew)
    called = device_now - timedelta(milliseconds=delay)
    message = {"type": "track", "userId": "u", "event": "E", "timestamp": called.isoformat(),
               "sentAt": device_now.isoformat()}
    enriched, warnings = enrich(message, received_at=received, source_kind="web")
    assert warnings == []
    assert parse_iso(enriched["timestamp"]) == received - timedelta(milliseconds=delay)


def test_sources_logs_dedupe_and_waiting_deliveries_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "world.fssim.json"
    db = Database(path)
    clock = Clock(frozen=True)
    segment = Segment(db, clock)
    segment.add_source("web", "web-key")
    segment.add_destination("web", "freshsales", "k", "acme")
    segment.ingest("/v1/batch", [{"type": "identify", "userId": "u1", "messageId": "m1"}], {}, "web-key")
    db.close()

    db = Database(path)
    segment = Segment(db, clock)
    assert [s["name"] for s in segment.sources()] == ["web"]
    assert segment.deliveries.open_count() == 1
    segment.ingest("/v1/batch", [{"type": "identify", "userId": "u1", "messageId": "m1"}], {}, "web-key")
    assert [e["status"] for e in segment.event_log({})] == ["accepted", "duplicate"]
    db.close()
