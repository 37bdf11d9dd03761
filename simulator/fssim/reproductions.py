"""Documented failures of the Segment -> Freshsales integration, run end to end and narrated.

Each reproduction builds a fresh in-process simulator, makes the mistake a user makes, shows what
was sent, what Segment's logs say (read from the simulator, never written here), why it happens and
the fix — then applies the fix and shows it working. A reproduction *passes* when the failure appears
as documented and the fix makes it go away; ``fssim reproduce`` exits 1 otherwise, so the test suite
runs every one of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fssim.assertions import describe_delivery, describe_event
from fssim.harness import Fssim, open_fssim
from fssim.segment.shapes import DeliveryEntry

__all__ = ["REPRODUCTIONS", "Narration", "Reproduction", "run_reproduction"]

Echo = Callable[[str], None]


class Narration:
    """Numbered sections of plain text, plus the checks that decide whether the story held."""

    def __init__(self, echo: Echo) -> None:
        self._echo = echo
        self._section = 0
        self.checks: list[tuple[str, bool]] = []
        self._shown: set[tuple[Any, ...]] = set()

    def section(self, title: str) -> None:
        self._section += 1
        self._echo(f"\n{self._section}. {title}")

    def say(self, text: str = "") -> None:
        for line in text.splitlines() or [""]:
            self._echo(f"   {line}" if line else "")

    def check(self, what: str, ok: bool) -> bool:
        self.checks.append((what, ok))
        return ok

    def sent(self, message: dict[str, Any]) -> None:
        shown = {k: v for k, v in message.items() if k in ("type", "userId", "anonymousId", "event", "name",
                                                             "traits", "properties", "messageId")}
        self.say(f"{message['type']}: {json.dumps(shown, ensure_ascii=False)}")

    def seen(self, h: Fssim) -> None:
        """Count every delivery so far as shown: the set-up's own deliveries are no news later on."""
        self._shown.update(_delivery_state(entry) for entry in h.deliveries())

    def deliveries(self, h: Fssim, user: str) -> list[DeliveryEntry]:
        """Show (and return) the user's deliveries that are new or changed since last shown."""
        entries = []
        for entry in h.deliveries(user=user):
            key = _delivery_state(entry)
            if key not in self._shown:
                self._shown.add(key)
                entries.append(entry)
                self.say(describe_delivery(entry))
        if not entries:
            self.say("(no new delivery for this user)")
        return entries

    def record(self, h: Fssim, email: str) -> tuple[str, dict[str, Any]] | None:
        found = h.find(email)
        if found is None:
            self.say(f"Freshsales holds no lead or contact for {email}.")
            return None
        entity, record = found
        keep = ("id", "email", "external_id", "first_name", "last_name", "job_title", "updated_at")
        self.say(f"Freshsales holds a {entity}: {json.dumps({k: record.get(k) for k in keep if record.get(k)})}")
        return found


def _delivery_state(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    return entry["id"], entry["status"], len(entry["attempts"])


@dataclass(frozen=True)
class Reproduction:
    name: str
    title: str  # the symptom, as a user would report it
    rules: str
    run: Callable[[Fssim, Narration], None]


def _data_not_accepted(h: Fssim, n: Narration) -> None:
    n.section("Set-up")
    h.account("acme", plan="garden")
    h.source("web", kind="web")
    h.connect_from_segment("web", "acme")
    n.say("Freshsales account 'acme' (acme.freshsales.io, API key acme-api-key).\n"
          "Segment source 'web'. The Freshsales destination was added from Segment's catalog with the\n"
          "account's API key and subdomain. Nobody switched Segment on inside Freshsales.")
    n.section("What was sent")
    n.sent(h.identify("ada@example.com", {"firstName": "Ada", "lastName": "Lovelace"}))
    h.flush()
    n.section("What Segment's delivery log says")
    entries = n.deliveries(h, "ada@example.com")
    n.check("the delivery was discarded with errors.discarded.403",
            any(e["code"] == "errors.discarded.403" for e in entries))
    n.check("Segment did not retry it", all(len(e["attempts"]) == 1 for e in entries))
    n.check("no lead was created", n.record(h, "ada@example.com") is None)
    n.section("Why")
    n.say("Freshsales accepts Segment data only while its own Segment toggle is on (R1). Enabling the\n"
          "destination from Segment's side only creates the destination; it does not switch that toggle\n"
          "on (R2), so Freshsales answers 403 and Segment discards the event without retrying.")
    n.section("The fix")
    n.say("In Freshsales: Admin Settings > Integrations > Third party integrations > Segment: switch it on\n"
          "and choose the source 'web'. (Simulator: POST /_sim/accounts/acme/segment/enable {\"source\": \"web\"}.)\n"
          "Segment does not replay discarded events: data sent while the toggle was off is lost, new data flows.")
    n.section("The fix working")
    h.enable_segment("acme", "web")
    n.sent(h.identify("ada@example.com", {"firstName": "Ada", "lastName": "Lovelace"}))
    h.flush()
    after = [e for e in n.deliveries(h, "ada@example.com") if e["status"] == "delivered"]
    n.check("after the fix the delivery succeeded", bool(after))
    n.check("after the fix the lead exists", n.record(h, "ada@example.com") is not None)


def _bad_api_key(h: Fssim, n: Narration) -> None:
    n.section("Set-up")
    h.account("acme")
    h.source("web")
    h.connect_from_segment("web", "acme", api_key="stale-key-from-last-year")
    n.say("The Freshsales destination in Segment holds an API key that is not (or no longer) the account's.")
    n.section("What was sent")
    n.sent(h.identify("ada@example.com", {"firstName": "Ada"}))
    h.flush()
    n.section("What Segment's delivery log says")
    entries = n.deliveries(h, "ada@example.com")
    n.check("the delivery was discarded with errors.discarded.401",
            any(e["code"] == "errors.discarded.401" for e in entries))
    n.check("no lead was created", n.record(h, "ada@example.com") is None)
    n.section("Why")
    n.say("Freshsales authenticates every Segment delivery with the destination's API key (R3). A wrong\n"
          "or regenerated key is answered 401; Segment discards the event and does not retry.")
    n.section("The fix")
    n.say("Switch Segment on from Freshsales (Admin Settings > Integrations > Third party integrations >\n"
          "Segment), which hands Segment the account's current key, or paste the key from Freshsales'\n"
          "Profile Settings > API Settings into the destination's settings in Segment.")
    n.section("The fix working")
    h.enable_segment("acme", "web")
    n.sent(h.identify("ada@example.com", {"firstName": "Ada"}))
    h.flush()
    n.check("after the fix the delivery succeeded",
            any(e["status"] == "delivered" for e in n.deliveries(h, "ada@example.com")))
    n.check("after the fix the lead exists", n.record(h, "ada@example.com") is not None)


def _db_id_not_updating(h: Fssim, n: Narration) -> None:
    n.section("Set-up")
    h.connect("acme", "server")
    h.identify("ada@example.com", {"firstName": "Ada", "title": "Engineer"})
    h.flush()
    n.say("Account 'acme' connected to source 'server' (toggle on from Freshsales).")
    n.record(h, "ada@example.com")
    n.seen(h)
    n.section("What was sent")
    n.say("The back end identifies users by their database id, and Ada changed her job title:")
    n.sent(h.identify("4711", {"email": "ada@example.com", "title": "CTO"}))
    h.flush()
    n.section("What Segment's delivery log says")
    entries = n.deliveries(h, "4711")
    n.check("the delivery was not a success", all(e["status"] != "delivered" or e["code"] != "success.200"
                                                  for e in entries) and bool(entries))
    found = n.record(h, "ada@example.com")
    n.check("the lead still has the old job title", found is not None and found[1].get("job_title") == "Engineer")
    n.section("Why")
    n.say("An identify whose userId is not an email is taken as a database key (R6): Freshsales creates a\n"
          "record from the traits, keeps the id as external_id, and never updates an existing lead or\n"
          "contact from it. The email already belongs to a lead, so the create is refused.")
    n.section("The fix")
    n.say("Identify with the email as userId (and the database id as a trait if you need it): an email\n"
          "userId finds the lead or contact and updates it (R4).")
    n.section("The fix working")
    n.sent(h.identify("ada@example.com", {"title": "CTO"}))
    h.flush()
    n.deliveries(h, "ada@example.com")
    found = n.record(h, "ada@example.com")
    n.check("after the fix the job title is updated", found is not None and found[1].get("job_title") == "CTO")


def _rate_limited(h: Fssim, n: Narration) -> None:
    n.section("Set-up")
    h.connect("acme", "web")
    h.fail("acme", status=429, count=3, retry_after=60)
    n.say("Freshsales is rate-limiting: its Segment endpoint answers 429 Too Many Requests (Retry-After 60 s)\n"
          "to the next 3 deliveries. (Simulator: POST /_sim/accounts/acme/failures {\"status\": 429, \"count\": 3}.)")
    n.section("What was sent")
    n.sent(h.identify("ada@example.com", {"firstName": "Ada"}))
    h.flush()
    n.section("What Segment's delivery log says")
    entries = n.deliveries(h, "ada@example.com")
    n.check("the delivery awaits a retry (errors.awaiting-retry.429)",
            any(e["code"] == "errors.awaiting-retry.429" for e in entries))
    n.section("Why")
    n.say("429 (and 5xx, timeouts) are temporary: Segment retries with exponential back-off for up to\n"
          "4 hours, honouring Retry-After. Only after 4 hours of failures is the event given up.")
    n.section("The fix")
    n.say("Usually none: wait. If your own REST calls share the account's limit (R12), spread them out or\n"
          "move to a plan with a higher limit. Retries never duplicate a record (R10).")
    n.section("The fix working: simulated time passes and Segment retries")
    for _ in range(240):  # a minute of simulated time per step, at most the 4-hour retry window
        if not any(e["status"] in ("pending", "awaiting-retry") for e in h.deliveries()):
            break
        h.advance(60)
        h.flush()
    entries = n.deliveries(h, "ada@example.com")
    for entry in entries:
        for attempt in entry["attempts"]:
            n.say(f"  attempt {attempt['number']} at {attempt['at']}: {attempt['status_code']} {attempt['message']}")
    n.check("the delivery finally succeeded after retries",
            any(e["status"] == "delivered" and len(e["attempts"]) > 1 for e in entries))
    n.record(h, "ada@example.com")
    n.check("exactly one lead was created", len(h.leads()) == 1)


def _unknown_write_key(h: Fssim, n: Narration) -> None:
    n.section("Set-up")
    h.connect("acme", "web")
    n.say("Account 'acme' connected to source 'web' (write key web-write-key).")
    n.section("What was sent")
    n.say("The app was configured with a write key from another workspace: 'wk-typo'.")
    message = h.send({"type": "identify", "userId": "ada@example.com", "traits": {"firstName": "Ada"}},
                     write_key="wk-typo")[0]
    n.sent(message)
    h.flush()
    n.say("Segment answered 200 {\"success\": true}: its edge does not check write keys.")
    n.section("What Segment's event log says")
    events = h.events(user="ada@example.com")
    for entry in events:
        n.say(describe_event(entry))
    n.check("the event was dropped (invalid_write_key)", any(e["code"] == "invalid_write_key" for e in events))
    n.check("nothing was delivered", not h.deliveries(user="ada@example.com"))
    n.section("Why")
    n.say("Segment accepts any write key at the edge and drops events whose key matches no source later,\n"
          "so the SDK reports success and nothing reaches Freshsales.")
    n.section("The fix")
    n.say("Copy the write key from Segment > Connections > Sources > web > Settings > API Keys.\n"
          "(fssim serve --strict answers 401 to unknown keys, to catch this in tests.)")
    n.section("The fix working")
    n.sent(h.identify("ada@example.com", {"firstName": "Ada"}, source="web"))
    h.flush()
    n.check("with the right key the delivery succeeded",
            any(e["status"] == "delivered" for e in n.deliveries(h, "ada@example.com")))
    n.record(h, "ada@example.com")


def _screen_not_delivered(h: Fssim, n: Narration) -> None:
    n.section("Set-up")
    h.connect("acme", "mobile", kind="mobile")
    h.identify("ada@example.com", {"firstName": "Ada"})
    h.flush()
    n.say("Account 'acme' connected to the mobile source; Ada is a lead.")
    n.seen(h)
    n.section("What was sent")
    n.sent(h.send({"type": "screen", "userId": "ada@example.com", "name": "Checkout"})[0])
    h.flush()
    n.section("What Segment's delivery log says")
    entries = [e for e in n.deliveries(h, "ada@example.com") if e["type"] == "screen"]
    n.check("the screen call was not delivered", bool(entries) and all(e["status"] != "delivered" for e in entries))
    n.section("Why")
    n.say("The Freshsales destination takes identify, page and track only (R9); Segment filters screen,\n"
          "group and alias for it.")
    n.section("The fix")
    n.say("Send screens to Freshsales as track events (e.g. 'Screen Viewed' with the screen name).")
    n.section("The fix working")
    n.sent(h.track("ada@example.com", "Screen Viewed", {"name": "Checkout"}))
    h.flush()
    n.deliveries(h, "ada@example.com")
    timeline = h.timeline("ada@example.com")
    events = [item for item in timeline if "Screen Viewed" in json.dumps(item)]
    n.say(f"Ada's timeline has {len(timeline)} items, among them: {json.dumps(events[0] if events else None)}")
    n.check("the event is on the timeline", bool(events))


def _event_beat_identify(h: Fssim, n: Narration) -> None:
    n.section("Set-up")
    h.connect("acme", "web")
    h.delivery_order("unordered", seed=0)
    h.fail("acme", status=500, count=1)
    n.say("Account 'acme' connected to source 'web'. Delivery order: unordered (seed 0), as in production:\n"
          "Segment promises destinations no order, and a retried message can be overtaken by a later one.\n"
          "(Simulator: fssim serve --delivery-order unordered --delivery-seed 0, or POST /_sim/delivery-order.)\n"
          "Freshsales' Segment endpoint answers 500 to the next delivery (a hiccup).")
    n.section("What was sent")
    n.say("At sign-up the app identifies Ada and tracks the sign-up, in one batch:")
    for message in h.send({"type": "identify", "userId": "ada@example.com", "traits": {"firstName": "Ada"}},
                          {"type": "track", "userId": "ada@example.com", "event": "Signed Up"}):
        n.sent(message)
    h.flush()
    n.say("Two minutes later Segment retries what failed:")
    h.advance(120)
    h.flush()
    n.section("What Segment's delivery log says")
    entries = n.deliveries(h, "ada@example.com")
    identify = next((e for e in entries if e["type"] == "identify"), None)
    track = next((e for e in entries if e["type"] == "track"), None)
    n.check("the identify was delivered on its retry",
            identify is not None and identify["status"] == "delivered" and len(identify["attempts"]) == 2)
    n.check("the track was 'delivered' with success.202: no lead matched it yet",
            track is not None and track["code"] == "success.202")
    timeline = [item["action_type"] for item in h.timeline("ada@example.com")]
    n.record(h, "ada@example.com")
    n.say(f"Ada's timeline: {timeline}")
    n.check("the Signed Up event is not on Ada's timeline", "event" not in timeline)
    n.section("Why")
    n.say("The identify's first attempt failed, so Segment scheduled a retry; the track, sent right after it,\n"
          "went out before that retry. No lead existed yet, so Freshsales accepted the track without\n"
          "processing it (202, R8). Segment counts a 2xx as delivered and never sends it again: the event is\n"
          "lost. Nothing in Segment's documentation promises destinations that a user's messages arrive in\n"
          "the order they were sent; fssim keeps them in order by default (simulator policy), which is why\n"
          "this story switches that off.")
    n.section("What the sender can do")
    n.say("Make sure the lead exists before the events that must land on it: identify at sign-up and flush\n"
          "the SDK's queue, and send the first tracks only once the identify was delivered (Segment's Event\n"
          "Delivery view, or here GET /_sim/deliveries). Watch for success.202 'no lead' on tracks and pages:\n"
          "re-send the ones that matter, with a new messageId, once the lead exists. Test your code against\n"
          "fssim serve --delivery-order unordered to see whether it survives the reordering.")
    n.section("The fix working: the identify first, then the track")
    n.seen(h)
    h.fail("acme", status=500, count=1)
    n.sent(h.identify("grace@example.com", {"firstName": "Grace"}))
    for _ in range(20):  # wait, as the sender would, until the identify was delivered
        h.flush()
        if any(e["status"] == "delivered" for e in h.deliveries(user="grace@example.com", type="identify")):
            break
        h.advance(60)
    n.sent(h.track("grace@example.com", "Signed Up"))
    h.flush()
    n.deliveries(h, "grace@example.com")
    timeline = [item["action_type"] for item in h.timeline("grace@example.com")]
    n.say(f"Grace's timeline: {timeline}")
    n.check("with the identify delivered first, the event is on the timeline", timeline == ["create", "event"])


REPRODUCTIONS: dict[str, Reproduction] = {r.name: r for r in (
    Reproduction("data-not-accepted", "Freshsales is not accepting the data sent by Segment", "R1, R2",
                 _data_not_accepted),
    Reproduction("bad-api-key", "Every delivery fails with 401", "R3", _bad_api_key),
    Reproduction("db-id-not-updating", "Identify with a database id does not update the lead", "R6, R4",
                 _db_id_not_updating),
    Reproduction("rate-limited", "Freshsales rate-limits Segment's deliveries (429)", "R12, R10",
                 _rate_limited),
    Reproduction("unknown-write-key", "The SDK reports success but nothing arrives", "Segment edge",
                 _unknown_write_key),
    Reproduction("screen-not-delivered", "Mobile screen views never reach Freshsales", "R9",
                 _screen_not_delivered),
    Reproduction("event-beat-identify", "My event never reached the timeline because it beat its identify",
                 "R8, delivery order", _event_beat_identify),
)}


def run_reproduction(name: str, echo: Echo) -> bool:
    """Run one reproduction, narrating through ``echo``; ``True`` when it behaved as documented."""
    reproduction = REPRODUCTIONS[name]
    echo(f'fssim reproduce {name}: "{reproduction.title}" ({reproduction.rules})')
    narration = Narration(echo)
    with open_fssim() as harness:
        reproduction.run(harness, narration)
    echo("\nChecks")
    for what, ok in narration.checks:
        echo(f"   [{'ok' if ok else 'FAILED'}] {what}")
    return bool(narration.checks) and all(ok for _, ok in narration.checks)
