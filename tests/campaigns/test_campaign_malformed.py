"""Malformed-input campaign: seeded malformed requests over every surface (the Tracking API, the Segment
receiver, the REST API, the control API) through real HTTP. Broken JSON, JSON of the wrong shape, wrong
types, huge numbers, odd headers, wrong methods, random paths.

Every answer is below 500 and is JSON, and refused requests change nothing: the state (``/_sim/state``
without its clock, a REST listing of leads and contacts, the event and delivery logs' sizes) is
compared every few requests; a stretch holding an accepted (2xx) answer starts a new baseline instead.
Bounded: ~1,500 requests; ``make soak``: 10,000.

Left out, because another part of issue 10 owns them and fixes them (see its tests): lone UTF-16
surrogates, non-ASCII ``Authorization`` headers, integer path ids of more than 4,300 digits, bodies
larger than the size limits, and CORS preflights (``OPTIONS``), which answer for browsers, not in JSON.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from campaigns.scale import pick, report
from fssim.guard import is_dashboard
from fssim.server import ServerThread

WRITE_KEY = "mal-write-key"
API_KEY = "mal-api-key"
STRETCH = 25  # requests between two state comparisons


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


def _basic(user: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:".encode()).decode()


class Generator:
    """Seeded malformed requests; ``next()`` picks a surface, then a way to break a request to it."""

    TRACKING_PATHS = ("/v1/identify", "/v1/track", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias",
                      "/v1/batch", "/v1/import", "/v1/t", "/v1/i", "/v1/p", "/v1/b")
    REST_PATHS = ("/api/leads", "/api/contacts", "/api/leads/{id}", "/api/contacts/{id}", "/api/notes",
                  "/api/notes/{id}", "/api/sales_activities", "/api/lookup", "/api/search",
                  "/api/filtered_search/lead", "/api/leads/view/{id}", "/api/contacts/upsert",
                  "/api/leads/{id}/convert", "/crm/sales/api/contacts", "/api/leads/{id}/activities")
    CONTROL_PATHS = ("/_sim/accounts", "/_sim/sources", "/_sim/clock/advance", "/_sim/accounts/{sub}/segment/enable",
                     "/_sim/accounts/{sub}/fields", "/_sim/accounts/{sub}/plan", "/_sim/accounts/{sub}/rate_limits",
                     "/_sim/accounts/{sub}/api_keys", "/_sim/sources/{sub}/destinations",
                     "/_sim/accounts/{sub}/failures", "/_sim/events", "/_sim/deliveries")

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    # -- pieces -----------------------------------------------------------------------------------------

    def broken_json(self) -> bytes:
        return self.random.choice([
            b"{", b"}", b"{\"a\":", b"[1, 2", b"{'single': 'quotes'}", b"nul", b"{\"a\": NaN}", b"{\"a\": Infinity}",
            b"{\"a\": 1e999}", b"\x00\x01\x02", b"\xff\xfe\xfd", b"{\"a\": 01}", b"{\"a\":1,}", b"  ", b"{} {}",
            b"{\"a\": \"\\x41\"}", b"\"unterminated", b"[" * 5000 + b"]" * 5000, b"{\"a\": tru}",
        ])

    @staticmethod
    def wrong_shape_choices() -> list[Any]:
        return [[], [1, 2], 5, -1, 1.5, "text", None, True, {"": None}, [{}], {"batch": 5}]

    def wrong_shape(self) -> Any:
        return self.random.choice(self.wrong_shape_choices())

    def odd_value(self) -> Any:
        return self.random.choice([
            None, True, 12, -3, 1.5e308, 10**100, -(10**300), "", " ", "x" * 300, [], {}, [None], {"a": [1, {}]},
            "2024-13-45T99:99:99Z", "NaN", "Infinity", "<script>alert(1)</script>", "'; DROP TABLE leads; --",
            "../../etc/passwd", "%00", "\u202e\u0000", "😀" * 10,
        ])

    def odd_headers(self) -> dict[str, str]:
        return self.random.choice([
            {}, {"Content-Type": "text/plain"}, {"Content-Type": "application/xml"},
            {"Content-Type": "application/json; charset=latin-1"}, {"Content-Type": "multipart/form-data"},
            {"Content-Encoding": "gzip"}, {"Content-Encoding": "br"}, {"Content-Encoding": "gzip, gzip"},
            {"Accept": "text/html"}, {"X-Forwarded-For": "1.2.3.4"}, {"Content-Type": ""},
        ])

    def odd_auth(self) -> dict[str, str]:
        return self.random.choice([
            {}, {"Authorization": "Basic"}, {"Authorization": "Basic !!!not-base64"},
            {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, {"Authorization": "Bearer x"},
            {"Authorization": "Token"}, {"Authorization": "Token token="}, {"Authorization": "Token token=wrong"},
            {"Authorization": "token token=" + API_KEY.upper()}, {"Authorization": _basic("unknown-key")},
            {"Authorization": "Basic " + base64.b64encode(b"\x00\x01:").decode()}, {"Authorization": "x" * 2000},
        ])

    def path_id(self) -> str:
        return self.random.choice(["0", "-1", "1", "99999999999999999999", "abc", "1.5", "%20", "null", "1e3",
                                   str(10**40), "16000000001", "", "..", "%2e%2e"])

    def body_of(self, value: Any) -> bytes:
        return json.dumps(value, allow_nan=True).encode()

    # -- requests ---------------------------------------------------------------------------------------

    def next(self) -> Request:
        surface = self.random.choice(["tracking", "tracking", "rest", "rest", "receiver", "control", "control",
                                      "method", "path"])
        return getattr(self, surface)()

    def tracking(self) -> Request:
        path = self.random.choice(self.TRACKING_PATHS)
        # Any JSON object sent to a one-message path is a message, accepted like the real edge and then
        # discarded with a Spec code (and logged): the refusals here are bodies that are no message at all.
        headers = {"Authorization": _basic(WRITE_KEY), "Content-Type": "application/json", **self.odd_headers()}
        kind = self.random.randrange(5)
        if kind == 0:
            body = self.broken_json()
        elif kind == 1:
            body = self.body_of(self.random.choice([v for v in self.wrong_shape_choices() if not isinstance(v, dict)]))
        elif kind == 2:  # gzip announced, something else sent (or gzip of broken JSON)
            headers["Content-Encoding"] = "gzip"
            body = self.random.choice([b"not gzip at all", gzip.compress(self.broken_json()), b"\x1f\x8b\x08"])
        elif kind == 3:  # a batch that is not one
            path = self.random.choice(["/v1/batch", "/v1/b", "/v1/import"])
            # (A list with items that are no messages is accepted and each item discarded, like the edge.)
            body = self.body_of({"batch": self.random.choice([5, "x", None, {"a": 1}, True, -1.5])})
        else:  # a message with a field of the wrong type, in a body that is not a message
            body = self.body_of([{"type": "track", "userId": self.odd_value(), "event": self.odd_value()}])
        return Request("POST", path, headers, body)

    def rest(self) -> Request:
        path = self.random.choice(self.REST_PATHS).replace("{id}", self.path_id())
        method = self.random.choice(["GET", "POST", "PUT", "DELETE"])
        authorized = self.random.random() < 0.6
        headers = {"Authorization": f"Token token={API_KEY}"} if authorized else self.odd_auth()
        headers.update({"Content-Type": "application/json", **self.odd_headers()})
        kind = self.random.randrange(4)
        if kind == 0:
            body: bytes | None = self.broken_json()
        elif kind == 1:
            body = self.body_of(self.wrong_shape())
        elif kind == 2:
            envelope = self.random.choice(["lead", "contact", "note", "sales_activity", "filter_rule"])
            fields = self.random.choice(["email", "emails", "last_name", "custom_field", "cf_nope", "company",
                                         "tags", "owner_id", "targetable_id", "subscription_status"])
            # Always refused: an invalid email beside the odd field (or an unknown custom field).
            body = self.body_of({envelope: {fields: self.odd_value(), "email": "not an email",
                                            "cf_undefined": 1}})
        else:
            body = None
        query = self.random.choice(["", "?page=abc", "?per_page=0", "?per_page=10000", "?sort=nope", "?page=-1",
                                    "?q=", "?f=nope&q=x", "?include=" + "x" * 200, "?sort_type=up", "?page=1e3"])
        if method == "GET" and self.random.random() < 0.5:
            body = None
        return Request(method, path + query, headers, body)

    def receiver(self) -> Request:
        headers = {"Content-Type": "application/json", **self.odd_auth(), **self.odd_headers()}
        if self.random.random() < 0.5:
            headers["Authorization"] = _basic("wrong-api-key")
        body = self.random.choice([self.broken_json(), self.body_of(self.wrong_shape()),
                                   self.body_of({"type": self.odd_value(), "userId": self.odd_value()})])
        return Request("POST", "/integrations/segment", headers, body)

    def control(self) -> Request:
        path = self.random.choice(self.CONTROL_PATHS).replace(
            "{sub}", self.random.choice(["mal", "nope", "%2F", "a" * 300, "..", "MAL"]))
        if path.endswith(("/events", "/deliveries")):
            query = self.random.choice(["?limit=-1", "?limit=x", "?status=nope", "?unknown=1", "?type=nope",
                                        "?limit=" + "9" * 30])
            return Request("GET", path + query, {})
        kind = self.random.randrange(3)
        if kind == 0:
            body = self.broken_json()
        elif kind == 1:
            body = self.body_of(self.wrong_shape())
        else:
            # Every field present but of a wrong type: refused whatever the endpoint.
            body = self.body_of({"subdomain": self.random.choice([5, None, [], ""]), "name": [],
                                 "write_key": {}, "plan": "no-such-plan", "api_key": 7, "entity": "deal",
                                 "type": 5, "enabled": "maybe", "seconds": self.random.choice(["x", -5, None, 1e400]),
                                 "source": 12, "status": "five hundred", "kind": 3.5})
        return Request("POST", path, {"Content-Type": "application/json", **self.odd_headers()}, body)

    def method(self) -> Request:
        path = self.random.choice([*self.TRACKING_PATHS, "/integrations/segment", "/_sim/reset", "/_sim/flush",
                                   "/_sim/accounts", "/api/leads", "/api/leads/1", "/_sim/health", "/api/openapi.json"])
        method = self.random.choice(["PUT", "PATCH", "DELETE", "TRACE"] if not path.startswith("/v1") else
                                    ["GET", "PUT", "PATCH", "DELETE"])
        if path in ("/_sim/accounts", "/api/leads", "/api/leads/1", "/_sim/health", "/api/openapi.json"):
            method = self.random.choice(["PATCH", "TRACE"])
        return Request(method, path, {"Authorization": f"Token token={API_KEY}"}, None)

    def path(self) -> Request:
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_./%~"
        tail = "".join(self.random.choice(alphabet) for _ in range(self.random.randrange(1, 40)))
        prefix = self.random.choice(["/", "/v1/", "/api/", "/crm/sales/api/", "/_sim/", "/integrations/", "/v2/"])
        return Request(self.random.choice(["GET", "POST"]), prefix + tail, {}, None)


def _setup(http: httpx.Client) -> None:
    for path, body in (("/_sim/sources", {"name": "mal", "write_key": WRITE_KEY, "kind": "server"}),
                       ("/_sim/accounts", {"subdomain": "mal", "plan": "forest", "api_key": API_KEY}),
                       ("/_sim/accounts/mal/rate_limits", {"enabled": False}),
                       ("/_sim/accounts/mal/segment/enable", {"source": "mal"})):
        answer = http.post(path, json=body)
        assert answer.status_code in (200, 201), (path, answer.text)
    sent = http.post("/v1/identify", auth=(WRITE_KEY, ""), json={"userId": "ada@example.com", "traits": {
        "firstName": "Ada", "lastName": "Lovelace"}})
    assert sent.status_code == 200
    assert http.post("/_sim/flush").status_code == 200


def _is_json(answer: httpx.Response) -> bool:
    if not answer.headers.get("content-type", "").startswith("application/json"):
        return False
    try:
        answer.json()
    except ValueError:
        return False
    return True


def _snapshot(http: httpx.Client) -> dict[str, Any]:
    state = http.get("/_sim/state").json()
    state.pop("now", None)
    rest = {"Authorization": f"Token token={API_KEY}"}
    listings = {}
    for plural in ("leads", "contacts"):
        views = http.get(f"/api/{plural}/filters", headers=rest).json()["filters"]
        all_view = next(view["id"] for view in views if view["name"].startswith("All"))
        listings[plural] = http.get(f"/api/{plural}/view/{all_view}", headers=rest,
                                    params={"per_page": 100}).json()
    return {"state": state, "listings": listings,
            "events": http.get("/_sim/events").json()["count"],
            "deliveries": http.get("/_sim/deliveries").json()["count"]}


def test_malformed_requests_get_json_4xx_and_change_nothing(live: ServerThread) -> None:
    total = pick(1_500, 10_000)
    generator = Generator(seed=10)
    statuses: Counter[int] = Counter()
    server_errors: list[str] = []
    not_json: list[str] = []
    changed: list[str] = []
    stretches_checked = accepted = redirects = 0
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        _setup(http)
        baseline = _snapshot(http)
        stretch_accepted = False
        for n in range(1, total + 1):
            request = generator.next()
            try:
                answer = http.request(request.method, request.path, headers=request.headers, content=request.body)
            except httpx.TransportError as error:  # a dropped connection is as bad as a 500
                server_errors.append(f"{request.method} {request.path}: connection {error!r}")
                answer = None
            if answer is not None:
                statuses[answer.status_code] += 1
                shown = f"{request.method} {request.path} {request.headers} {(request.body or b'')[:80]!r}"
                if answer.status_code >= 500:
                    server_errors.append(f"{answer.status_code} {shown}: {answer.text[:200]}")
                if 300 <= answer.status_code < 400 and answer.headers.get("location"):
                    # Starlette's redirect of a trailing slash (/api/leads/ -> /api/leads): a pointer, not an error.
                    redirects += 1
                elif is_dashboard(answer.request.url.path) and answer.headers.get("content-type", "").startswith(
                        "text/html"):
                    pass  # the dashboard answers people in HTML (a random "//x" is resolved by httpx to "/")
                elif not _is_json(answer):
                    not_json.append(f"{answer.status_code} {shown}: {answer.text[:80]!r}")
                if answer.status_code < 400 and request.method != "GET":  # a GET changes nothing, whatever it answers
                    accepted += 1
                    stretch_accepted = True
            if n % STRETCH == 0:
                now = _snapshot(http)
                if not stretch_accepted:
                    stretches_checked += 1
                    if now != baseline:
                        changed.append(f"requests {n - STRETCH + 1}..{n}")
                baseline, stretch_accepted = now, False
    report("malformed", requests=total, server_errors=len(server_errors), not_json=len(not_json),
           accepted=accepted, redirects=redirects, stretches_checked=stretches_checked, state_changes=len(changed),
           statuses=dict(sorted(statuses.items())))
    assert server_errors == [], server_errors[:10]
    assert not_json == [], sorted({item[:60] for item in not_json})
    assert changed == []
    # The comparison covered most of the campaign, not only the stretches nothing happened in by chance.
    assert stretches_checked >= (total // STRETCH) * 0.6
