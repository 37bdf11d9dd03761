"""Ordered delivery under random faults, as a state machine (issue 10, defect 3).

Hypothesis interleaves identifies, tracks and pages of a few users with forced 5xx/429 answers of the
receiver, clock moves and flushes. Whatever the interleaving: a track or page sent after its user's
identify lands on that user's timeline exactly once as soon as that identify was delivered, and
nothing is ever duplicated (R10). Before the ordering policy, a track tried right behind an identify
awaiting its retry was answered 202 "no lead" and lost.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from fssim.harness import Fssim, open_fssim

USERS = ["ada@example.com", "bob@example.com", "cy@example.com"]


class OrderedDelivery(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._stack = contextlib.ExitStack()
        self.h: Fssim = self._stack.enter_context(open_fssim())
        self.h.connect("acme", "web")
        self.names = itertools.count(1)
        self.identifies: dict[str, list[str]] = {user: [] for user in USERS}  # messageIds sent, per user
        # (user, activity name, the messageIds of that user's identifies sent before it)
        self.activities: list[tuple[str, str, tuple[str, ...]]] = []

    @rule(user=st.sampled_from(USERS))
    def identify(self, user: str) -> None:
        sent = self.h.identify(user, {"firstName": user.split("@")[0].title()})
        self.identifies[user].append(sent["messageId"])

    @rule(user=st.sampled_from(USERS), kind=st.sampled_from(["track", "page"]))
    def activity(self, user: str, kind: str) -> None:
        name = f"{kind}-{next(self.names)}"
        if kind == "track":
            self.h.track(user, name)
        else:
            self.h.page(user, name)
        self.activities.append((user, name, tuple(self.identifies[user])))

    @rule(status=st.sampled_from([429, 500, 502, 503]), count=st.integers(min_value=1, max_value=3))
    def fault(self, status: int, count: int) -> None:
        self.h.fail("acme", status=status, count=count)

    @rule(seconds=st.sampled_from([10, 60, 300, 1800]))
    def advance(self, seconds: int) -> None:
        self.h.advance(seconds)

    @rule()
    def flush(self) -> None:
        self.h.flush()

    def _timeline_names(self, user: str) -> list[str]:
        if self.h.find(user) is None:
            return []
        return [a["action_data"].get("name") for a in self.h.timeline(user) if a["action_type"] != "create"]

    @invariant()
    def nothing_is_duplicated(self) -> None:
        for user in USERS:
            repeated = [name for name, n in Counter(self._timeline_names(user)).items() if n > 1]
            assert not repeated, f"{user}'s timeline repeats {repeated}"
        assert len(self.h.leads()) <= len(USERS)

    @invariant()
    def nothing_is_lost_once_its_identify_is_delivered(self) -> None:
        delivered = {d["message_id"] for d in self.h.deliveries(status="delivered", type="identify")}
        open_ids = {d["message_id"] for d in self.h.deliveries() if d["status"] in ("pending", "awaiting-retry")}
        for user, name, identifies in self.activities:
            if not delivered.intersection(identifies):
                continue
            mine = self.h.deliveries(user=user, event=name)
            if any(d["message_id"] in open_ids for d in mine):
                continue  # not tried yet (or waiting behind its identify): not lost
            outcome = [(d["status"], d["reason"]) for d in mine]
            assert name in self._timeline_names(user), f"{name} of {user} was lost: {outcome}"

    def teardown(self) -> None:
        try:
            for _ in range(40):  # past the 4-hour retry window, then everything is final
                if self.h.flush()["open"] == 0:
                    break
                self.h.advance(900)
            self.nothing_is_lost_once_its_identify_is_delivered()
            self.nothing_is_duplicated()
        finally:
            self._stack.close()


TestOrderedDelivery = OrderedDelivery.TestCase
TestOrderedDelivery.settings = settings(max_examples=20, stateful_step_count=30, deadline=None)


def test_the_machine_would_catch_the_unordered_loss() -> None:
    """The same checks fail in unordered mode with one forced 500: the invariant is not vacuous."""
    machine = OrderedDelivery()
    try:
        machine.h.delivery_order("unordered", seed=0)
        machine.fault(500, 1)
        machine.identify("ada@example.com")
        machine.activity("ada@example.com", "track")
        machine.flush()
        machine.advance(300)
        machine.flush()
        caught: Any = None
        try:
            machine.nothing_is_lost_once_its_identify_is_delivered()
        except AssertionError as error:
            caught = error
        assert caught is not None and "was lost" in str(caught)
    finally:
        machine._stack.close()
