"""``limit`` on the event and delivery logs reads the newest entries from the newest down (no full scan;
benchmarks/bench_paging.py shows the ratio); these pin that it answers what the full query's tail was."""

from __future__ import annotations

import random

from fssim.segment.logs import DeliveryLog
from fssim.store import Database


def test_the_newest_n_match_the_tail_of_the_full_query_with_and_without_filters() -> None:
    log = DeliveryLog(Database())
    picker = random.Random(3)
    for n in range(300):
        log.add({"status": picker.choice(["delivered", "discarded", "pending"]), "user_id": f"u{n % 7}",
                 "type": picker.choice(["track", "identify"]), "source": "web"})
    for filters in ({}, {"status": "discarded"}, {"user": "u3", "type": "track"}, {"user": "nobody"}):
        everything = log.query(filters)
        for limit in (0, 1, 10, 299, 1000):
            assert log.query(filters, limit=limit) == (everything[-limit:] if limit else [])


def test_the_newest_n_survive_a_reopened_file(tmp_path: object) -> None:
    path = f"{tmp_path}/log.json"
    db = Database(path)
    log = DeliveryLog(db)
    for n in range(50):
        log.add({"status": "delivered", "user_id": f"u{n}"})
    db.close()
    reopened = DeliveryLog(Database(path))
    assert [entry["user_id"] for entry in reopened.query({}, limit=3)] == ["u47", "u48", "u49"]
    assert [entry["id"] for entry in reopened.query({}, limit=3)] == [48, 49, 50]
