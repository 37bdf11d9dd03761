"""Realistic Segment traffic: Faker-made users on journeys across web, mobile and server sources.

Every message is a spec-shaped Segment call with its own ``messageId`` and ``timestamp`` and a
``channel`` (``browser``, ``mobile`` or ``server``) that says which kind of source sends it, so
``fssim send`` can pick the right write key. The same seed always gives the same messages: all
randomness comes from one seeded ``random.Random`` and a Faker seeded from it, and times are counted
from a fixed start rather than from "now".

Journeys (each user follows one):

* **visitor**: anonymous page views on the website, never signs up.
* **signup**: anonymous page views, a sign-up ``identify`` by email (R4) with profile traits, a
  "Signed Up" track, "Trial Started", maybe "Plan Upgraded", and a returning visit later.
* **customer**: signs up flagged ``fs_contact`` (R5), so Freshsales makes a contact.
* **backend**: known only to the server: ``identify`` by database id with ``traits.email`` (R6),
  then server-side tracks by that id.
* **mobile**: app screens (filtered for Freshsales, R9), an ``identify`` by email and app tracks.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from faker import Faker

__all__ = ["CHANNELS", "DEFAULT_START", "JOURNEYS", "generate", "write_jsonl"]

DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CHANNELS = ("browser", "mobile", "server")
JOURNEYS = ("visitor", "signup", "customer", "backend", "mobile")
_WEIGHTS = (3, 4, 1, 2, 2)
_PAGES = (("/", "Home"), ("/pricing", "Pricing"), ("/features", "Features"), ("/blog/segment-to-crm", "Blog"),
          ("/signup", "Sign up"), ("/docs", "Docs"))
_PLANS = ("starter", "growth", "pro")
_SITE = "https://www.example.com"


class _User:
    """One simulated person and the clock of their journey."""

    def __init__(self, fake: Faker, rng: random.Random, number: int, start: datetime) -> None:
        self.rng = rng
        self.first_name = fake.first_name()
        self.last_name = fake.last_name()
        domain = fake.domain_name()
        self.email = f"{self.first_name}.{self.last_name}.{number}@{domain}".lower().replace(" ", "")
        self.anonymous_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.db_id = f"usr_{number:06d}"
        self.company = fake.company()
        self.title = fake.job()
        self.phone = fake.numerify("+1-###-###-####")
        self.city = fake.city()
        self.country = fake.country_code()
        self.user_agent = fake.user_agent()
        self.ip = fake.ipv4_public()
        self.device = rng.choice(("iPhone 15", "Pixel 8", "Galaxy S24"))
        self.now = start + timedelta(seconds=rng.randint(0, 7 * 24 * 3600))

    def later(self, low: int, high: int) -> datetime:
        self.now += timedelta(seconds=self.rng.randint(low, high))
        return self.now

    def profile(self) -> dict[str, Any]:
        return {"email": self.email, "firstName": self.first_name, "lastName": self.last_name,
                "title": self.title, "phone": self.phone, "company": {"name": self.company},
                "address": {"city": self.city, "country": self.country}}


class _Journeys:
    def __init__(self, seed: int, start: datetime) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker()
        self.fake.seed_instance(seed)
        self.start = start

    def message(self, user: _User, channel: str, kind: str, **fields: Any) -> dict[str, Any]:
        context: dict[str, Any] = {"library": {"name": "fssim-generator", "version": "1"}}
        if channel == "browser":
            context |= {"userAgent": user.user_agent, "ip": user.ip, "locale": "en-US"}
        elif channel == "mobile":
            context |= {"app": {"name": "Example", "version": "3.2.1"}, "device": {"model": user.device},
                        "os": {"name": "iOS" if user.device.startswith("iPhone") else "Android"}}
        return {
            "type": kind,
            "messageId": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "timestamp": user.later(5, 600).isoformat(timespec="milliseconds"),
            "channel": channel,
            "context": context,
            **fields,
        }

    def page_views(self, user: _User, count: int, identified: bool = False) -> Iterator[dict[str, Any]]:
        for _ in range(count):
            path, title = self.rng.choice(_PAGES)
            who = {"userId": user.email} if identified else {}
            yield self.message(user, "browser", "page", anonymousId=user.anonymous_id, name=title, **who,
                               properties={"path": path, "url": _SITE + path, "title": title,
                                           "referrer": self.rng.choice(("https://www.google.com/", "", _SITE))})

    def track(self, user: _User, channel: str, user_id: str, event: str, **properties: Any) -> dict[str, Any]:
        return self.message(user, channel, "track", userId=user_id, event=event, properties=properties)

    def signup(self, user: _User, *, contact: bool) -> Iterator[dict[str, Any]]:
        yield from self.page_views(user, self.rng.randint(1, 4))
        traits = user.profile() | ({"fs_contact": True} if contact else {})
        yield self.message(user, "browser", "identify", userId=user.email, anonymousId=user.anonymous_id,
                           traits=traits)
        yield self.track(user, "browser", user.email, "Signed Up", plan="trial")
        yield self.track(user, "server", user.email, "Trial Started", trial_days=14)
        if self.rng.random() < 0.4:
            user.later(86400, 10 * 86400)
            yield self.track(user, "server", user.email, "Plan Upgraded", plan=self.rng.choice(_PLANS),
                             revenue=float(self.rng.choice((29, 99, 299))), currency="USD")
        if self.rng.random() < 0.6:
            user.later(3600, 5 * 86400)  # a returning visit, now known by email
            yield from self.page_views(user, self.rng.randint(1, 3), identified=True)

    def backend(self, user: _User) -> Iterator[dict[str, Any]]:
        yield self.message(user, "server", "identify", userId=user.db_id, traits=user.profile())
        for event in ("Account Created", "Invoice Paid")[: self.rng.randint(1, 2)]:
            yield self.track(user, "server", user.db_id, event, source="billing")

    def mobile(self, user: _User) -> Iterator[dict[str, Any]]:
        for name in ("Onboarding", "Home")[: self.rng.randint(1, 2)]:
            yield self.message(user, "mobile", "screen", anonymousId=user.anonymous_id, name=name)
        yield self.message(user, "mobile", "identify", userId=user.email, anonymousId=user.anonymous_id,
                           traits=user.profile())
        yield self.track(user, "mobile", user.email, "App Opened", from_background=self.rng.random() < 0.5)

    def journey(self, number: int) -> Iterator[dict[str, Any]]:
        user = _User(self.fake, self.rng, number, self.start)
        kind = self.rng.choices(JOURNEYS, weights=_WEIGHTS)[0]
        if kind == "visitor":
            yield from self.page_views(user, self.rng.randint(1, 5))
        elif kind in ("signup", "customer"):
            yield from self.signup(user, contact=kind == "customer")
        elif kind == "backend":
            yield from self.backend(user)
        else:
            yield from self.mobile(user)


def generate(users: int, seed: int = 0, start: datetime = DEFAULT_START) -> list[dict[str, Any]]:
    """Messages of ``users`` journeys, ordered by time (as they would reach Segment)."""
    if users < 0:
        raise ValueError("users must be >= 0")
    journeys = _Journeys(seed, start)
    messages = [message for number in range(1, users + 1) for message in journeys.journey(number)]
    # Stable sort: one user's calls keep their order even when two share a millisecond.
    return sorted(messages, key=lambda m: m["timestamp"])


def write_jsonl(messages: list[dict[str, Any]], path: Path | None) -> str:
    """JSON lines; written to ``path`` when given, and returned."""
    text = "".join(json.dumps(message, sort_keys=True) + "\n" for message in messages)
    if path is not None:
        path.write_text(text, encoding="utf-8")
    return text
