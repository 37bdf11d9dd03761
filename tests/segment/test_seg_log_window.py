"""The event and delivery logs keep a window (issue 12, bounded memory): by count and by simulated age,
the oldest entries go and ``GET /_sim/state`` counts them; an open delivery is never dropped, so no
message is lost; the dashboard and ``/_sim/deliveries`` keep working on what is left."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from fssim import open_fssim
from fssim.app import Simulator, SimulatorConfig
from fssim.commands.serve import serve
from fssim.segment.retention import LogWindow


def _config(**window: object) -> SimulatorConfig:
    return SimulatorConfig(frozen_clock=True, **window)  # type: ignore[arg-type]


def test_the_logs_keep_only_the_newest_entries_and_state_counts_the_dropped_ones() -> None:
    with open_fssim(_config(log_max_entries=3)) as fssim:
        fssim.connect()
        for n in range(7):
            fssim.identify(f"user{n}@example.com", {"firstName": f"U{n}"})
            fssim.flush()
        assert [e["user_id"] for e in fssim.events()] == [f"user{n}@example.com" for n in (4, 5, 6)]
        assert [d["user_id"] for d in fssim.deliveries()] == [f"user{n}@example.com" for n in (4, 5, 6)]
        state = fssim.call("GET", "/_sim/state")["segment"]
        assert state["dropped"] == {"events": 4, "deliveries": 4}
        assert state["log_window"] == {"max_entries": 3, "max_age_seconds": 24 * 3600.0}
        assert len(fssim.leads()) == 7  # the window is the logs', never the CRM's


def test_entries_older_than_the_window_in_simulated_time_are_dropped() -> None:
    with open_fssim(_config(log_max_entries=None, log_max_age_seconds=3600)) as fssim:
        fssim.connect()
        fssim.identify("old@example.com")
        fssim.flush()
        fssim.advance(1800)
        fssim.identify("middle@example.com")
        fssim.flush()
        fssim.advance(1801)  # "old" is now 3601 s old, "middle" 1801 s
        fssim.identify("new@example.com")
        fssim.flush()
        assert [e["user_id"] for e in fssim.events()] == ["middle@example.com", "new@example.com"]
        assert fssim.call("GET", "/_sim/state")["segment"]["dropped"] == {"events": 1, "deliveries": 1}


def test_an_open_delivery_is_never_dropped_and_is_delivered_later() -> None:
    with open_fssim(_config(log_max_entries=2)) as fssim:
        fssim.connect()
        fssim.fail(status=503)  # every delivery fails and awaits a retry
        for n in range(5):
            fssim.identify(f"user{n}@example.com")
        fssim.flush()
        assert [d["status"] for d in fssim.deliveries()] == ["awaiting-retry"] * 5  # held past the window
        assert fssim.call("GET", "/_sim/state")["segment"]["dropped"]["deliveries"] == 0
        fssim.clear_failures()
        fssim.advance(600)
        fssim.flush()
        assert len(fssim.leads()) == 5  # nothing was lost
        fssim.identify("after@example.com")  # the next write lets the finished ones go
        fssim.flush()
        assert [d["user_id"] for d in fssim.deliveries()] == ["user4@example.com", "after@example.com"]
        assert fssim.call("GET", "/_sim/state")["segment"]["dropped"]["deliveries"] == 4


def test_an_event_whose_delivery_left_the_log_says_so() -> None:
    # One destination per source, and both logs share one window, so this happens when the delivery
    # log fills faster (several destinations, or a file written with another window): removed by hand.
    with open_fssim(_config()) as fssim:
        fssim.connect()
        fssim.identify("ada@example.com")
        fssim.identify("bob@example.com")
        fssim.flush()
        first_delivery = fssim.deliveries()[0]
        fssim.sim.segment.deliveries.entries.delete(first_delivery["id"])
        first, second = fssim.events()
        [gone] = first["destinations"]
        assert gone["delivery_id"] == first_delivery["id"]
        assert "no longer in the delivery log" in str(gone["reason"])
        [kept] = second["destinations"]
        assert (kept["status"], kept["code"]) == ("delivered", "success.200")


def test_the_dashboard_pages_answer_on_a_window() -> None:
    from starlette.testclient import TestClient

    with open_fssim(_config(log_max_entries=2)) as fssim:
        fssim.connect()
        for n in range(5):
            fssim.identify(f"user{n}@example.com")
        fssim.flush()
        with TestClient(fssim.sim.app, base_url="http://127.0.0.1") as browser:
            for page in ("/", "/ui/segment/debugger", "/ui/segment/deliveries", "/ui/controls"):
                answer = browser.get(page)
                assert answer.status_code == 200, page
            assert "user4@example.com" in browser.get("/ui/segment/deliveries").text
            assert "3 events and 3 deliveries have left that window" in browser.get("/ui/controls").text
            assert "user0@example.com" not in browser.get("/ui/segment/deliveries").text


def test_a_reopened_file_keeps_its_window_and_drops_from_the_oldest(tmp_path: Path) -> None:
    path = str(tmp_path / "fssim.json")
    sim = Simulator(SimulatorConfig(db_path=path, frozen_clock=True, log_max_entries=5))
    sim.segment.add_source("web", "wk")
    sim.segment.ingest("/v1/batch", [{"type": "track", "userId": f"u{n}", "event": "E"} for n in range(5)], {}, "wk")
    sim.close()
    reopened = Simulator(SimulatorConfig(db_path=path, frozen_clock=True, log_max_entries=3))
    reopened.segment.ingest("/v1/batch", [{"type": "track", "userId": "u5", "event": "E"}], {}, "wk")
    assert [e["user_id"] for e in reopened.segment.event_log({})] == ["u3", "u4", "u5"]
    reopened.close()


@pytest.mark.parametrize("window", [{"max_entries": 0}, {"max_entries": -1}, {"max_age_seconds": 0},
                                    {"max_age_seconds": float("nan")}])
def test_a_window_that_keeps_nothing_is_refused_with_a_reason(window: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="log window"):
        LogWindow(**window)  # type: ignore[arg-type]


def test_serve_documents_the_window_flags() -> None:
    answer = CliRunner().invoke(serve, ["--help"])
    assert answer.exit_code == 0
    assert "--log-max-entries" in answer.output and "--log-max-age" in answer.output
