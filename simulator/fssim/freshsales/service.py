"""``Freshsales``: the fake Freshsales as one object — accounts, CRM store, timeline, engagements,
rate limits, forced failures and the REST routes — the contract the receiver, the control API and
the app build on.

    fs = Freshsales(db, clock)
    fs.accounts.create("acme", plan="garden", api_key="k1", product="classic")
    lead = fs.records.create("acme", "lead", {"email": "ada@example.com", "first_name": "Ada"})
    fs.records.add_activity("acme", "lead", lead["id"], {"action_type": "page_view", ...})
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute

from fssim.clock import Clock
from fssim.freshsales.accounts import Account, Accounts
from fssim.freshsales.deals import deal_kind
from fssim.freshsales.engagements import Engagements
from fssim.freshsales.forced_failures import ForcedFailures
from fssim.freshsales.ids import IdSequence
from fssim.freshsales.links import connect
from fssim.freshsales.listing import RecordListing
from fssim.freshsales.lists import Lists
from fssim.freshsales.objects import Objects
from fssim.freshsales.ratelimit import RateLimiter
from fssim.freshsales.records import Records
from fssim.freshsales.references import store_reference_check, store_target_lookup
from fssim.freshsales.sales_accounts import sales_account_kind
from fssim.freshsales.selectors import Selectors
from fssim.freshsales.timeline import Timeline
from fssim.freshsales.users import Users
from fssim.store import Database

if TYPE_CHECKING:
    from fssim.freshsales.rest.routing import RestRouter

__all__ = ["Freshsales", "SegmentEnabledCallback"]

# Called as callback(source=..., api_key=..., subdomain=...) when the toggle goes on from Freshsales (R2).
SegmentEnabledCallback = Callable[..., Any]


class Freshsales:
    def __init__(self, db: Database, clock: Clock, *, rate_limits: bool = True) -> None:
        self.db = db
        self.clock = clock
        self.ids = IdSequence(db)
        self.accounts = Accounts(db, clock, self.ids)
        self.timeline = Timeline(db, clock, self.ids)
        self.records = Records(db, clock, self.ids, self.accounts, self.timeline)
        # The dashboard's lists: most recently updated first, paged by index.
        self.listing = RecordListing(db, self.records)
        # Users and configuration lists (selector/*): the ids records may name are checked against them.
        self.users = Users(db, clock, self.ids, self.accounts)
        self.selectors = Selectors(db, self.ids, self.accounts, self.users)
        self.sales_accounts = Objects(db, clock, self.ids, self.accounts, self.selectors, sales_account_kind(clock))
        self.deals = Objects(db, clock, self.ids, self.accounts, self.selectors,
                             deal_kind(clock, self.selectors, lambda sub, i: self.records.exists(sub, "contact", i),
                                       self.sales_accounts))
        connect(self.records, self.selectors, self.sales_accounts, self.deals)
        # Tasks, appointments and sales activities name owners, activity types and outcomes, and may
        # target sales accounts and deals (and then appear on their timelines): the reference check and
        # the target lookup ask the stores above.
        self.engagements = Engagements(
            db, clock, self.ids, self.records, self.timeline, self.accounts,
            check=store_reference_check(self.users, self.selectors, self.sales_accounts, self.deals),
            targets=store_target_lookup(self.sales_accounts, self.deals))
        # Deleting a sales account or deal deletes what targets it and its timeline, as for leads and contacts.
        for store in (self.sales_accounts, self.deals):
            store.on_delete.append(self._forget_target(store.kind.label, store.kind.entity))
        self.lists = Lists(db, clock, self.ids, self.records)
        self.rate_limiter = RateLimiter(clock, enabled=rate_limits)
        # One instance for the receiver that obeys the rules and the control API that sets them.
        self.forced_failures = ForcedFailures(db, clock)
        self._segment_callbacks: list[SegmentEnabledCallback] = []

    def _forget_target(self, label: str, entity: str) -> Callable[[str, int], None]:
        """What deleting a sales account or deal (``label``/``entity``) does to engagements and timeline."""

        def forget(subdomain: str, target_id: int) -> None:
            self.engagements.target_deleted(subdomain, label, target_id)
            self.timeline.drop(subdomain, entity, target_id)

        return forget

    @property
    def rate_limits(self) -> bool:
        """The simulator-wide switch (``fssim serve --no-rate-limits`` sets it off)."""
        return self.rate_limiter.enabled

    # -- the Segment toggle (R1, R2) ------------------------------------------------------------------

    def on_segment_enabled(self, callback: SegmentEnabledCallback) -> None:
        """Register the R2 hand-over: called with ``source``, ``api_key``, ``subdomain`` keywords each
        time :meth:`enable_segment` turns the toggle on."""
        self._segment_callbacks.append(callback)

    def enable_segment(self, subdomain: str, *, source: str | None, via: str = "freshsales") -> Account:
        """Turn the toggle on and, when done from Freshsales' own settings, hand the key to Segment (R2).

        If a hand-over callback raises (Segment refuses, e.g. a :class:`~fssim.errors.Refusal` for an
        unknown source, or a bug), the flow never completed: the toggle goes back to what it was, with a
        history entry saying so, and the exception is raised again for the caller to answer.
        """
        was_enabled = self.accounts.require(subdomain).segment_enabled
        account = self.accounts.set_segment_toggle(subdomain, True, source=source, via=via)
        if via == "freshsales":
            try:
                for callback in self._segment_callbacks:
                    callback(source=source, api_key=account.api_key, subdomain=account.subdomain)
            except Exception:
                # Whatever the cause: a toggle left on after a failed hand-over would claim a connection
                # Segment never made.
                self.accounts.set_segment_toggle(subdomain, was_enabled, source=source,
                                                 via=f"{via} (hand-over to Segment failed)")
                raise
        return account

    def disable_segment(self, subdomain: str, *, via: str = "freshsales") -> Account:
        return self.accounts.set_segment_toggle(subdomain, False, source=None, via=via)

    # -- wiring ---------------------------------------------------------------------------------------

    def rest_routes(self) -> list[BaseRoute]:
        """The REST API's routes, mounted by the app at both ``/api`` and ``/crm/sales/api``."""
        from fssim.freshsales.rest import routes

        return routes(self)

    def rest_app(self) -> RestRouter:
        """The REST API as one ASGI app (its routes, trailing slashes, 404/405 in Freshsales' shape)."""
        from fssim.freshsales.rest.routing import RestRouter

        return RestRouter(self.rest_routes())

    def reset(self) -> None:
        """After the database was cleared (``POST /_sim/reset``): forget in-memory counters too."""
        self.rate_limiter.reset()
        self.ids.forget()

    def state(self) -> dict[str, Any]:
        """A JSON-able summary for ``GET /_sim/state``."""
        accounts = []
        for account in self.accounts.all():
            summary = account.to_json()
            summary["records"] = {
                "leads": self.records.count(account.subdomain, "lead"),
                "contacts": self.records.count(account.subdomain, "contact"),
                "sales_accounts": self.sales_accounts.count(account),
                "deals": self.deals.count(account),
                "users": self.users.count(account),
            }
            summary["records"].update({f"{kind}s": self.engagements.count(account.subdomain, kind)
                                       for kind in ("note", "task", "appointment")})
            summary["records"]["sales_activities"] = self.engagements.count(account.subdomain, "sales_activity")
            summary["records"]["lists"] = self.lists.count(account.subdomain)
            summary["rate_limit_usage"] = self.rate_limiter.usage(account)
            accounts.append(summary)
        return {"rate_limits": self.rate_limits, "accounts": accounts}
