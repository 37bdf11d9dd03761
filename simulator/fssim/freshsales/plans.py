"""Freshsales Classic plans and their REST API limits (DESIGN R12).

Figures from reference/freshsales-api.md §4.1 (support.freshsales.io article 50000010026): the limit is
per account, whatever the number of users, and Sprout (the free plan) has no REST API access at all.
Segment deliveries are available on every plan, so nothing here applies to the Segment receiver.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_PLAN", "PLANS", "Plan", "plan_named"]


@dataclass(frozen=True)
class Plan:
    name: str
    per_hour: int  # 0 with rest_access=False
    per_minute: int
    rest_access: bool

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "rest_access": self.rest_access,
            "requests_per_hour": self.per_hour if self.rest_access else None,
            "requests_per_minute": self.per_minute if self.rest_access else None,
        }


PLANS: dict[str, Plan] = {
    plan.name: plan
    for plan in (
        Plan("sprout", 0, 0, rest_access=False),
        Plan("blossom", 1000, 400, rest_access=True),
        Plan("garden", 1000, 400, rest_access=True),
        Plan("estate", 2000, 400, rest_access=True),
        Plan("forest", 5000, 400, rest_access=True),
    )
}

DEFAULT_PLAN = "garden"


def plan_named(name: str) -> Plan:
    """The plan called ``name`` (case-insensitive); ``ValueError`` naming the known plans otherwise."""
    plan = PLANS.get(name.strip().lower()) if isinstance(name, str) else None
    if plan is None:
        raise ValueError(f"unknown plan {name!r}: use one of {', '.join(PLANS)}")
    return plan
