"""The scenario file format: given / when / then, checked with file, line and field in every error.

The reference for users is ``docs/harness.md`` (§ Scenario schema). In short::

    name: a returning user updates their lead
    rules: [R4, R7]
    given:
      accounts: [{subdomain: acme, plan: garden, segment_enabled_for: [web]}]
      sources: [{name: web, kind: web}]
    when:
      - identify: {source: web, userId: ada@example.com, traits: {firstName: Ada}}
    then:
      leads: [{email: ada@example.com, first_name: Ada}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fssim.freshsales.accounts import PRODUCTS
from fssim.freshsales.plans import PLANS as FRESHSALES_PLANS
from fssim.schema import (
    Anything,
    Boolean,
    Choice,
    Duration,
    Expectation,
    Field,
    FreeMap,
    Integer,
    ListOf,
    Record,
    Spec,
    Text,
)
from fssim.segment.spec import MESSAGE_TYPES
from fssim.segment.workspace import SOURCE_KINDS
from fssim.yaml_source import Located, Location, Path_, SourceError, load_located

__all__ = [
    "MESSAGE_STEPS",
    "PLANS",
    "RULES",
    "SCENARIO",
    "STEP_KINDS",
    "Scenario",
    "Step",
    "load_scenario",
    "parse_scenario",
]

RULES = tuple(f"R{number}" for number in range(1, 13))
# The simulator's own lists, so a file is refused here exactly when the simulator would refuse it.
PLANS = tuple(FRESHSALES_PLANS)
MESSAGE_STEPS = MESSAGE_TYPES
_NAME = Text(pattern=r"[A-Za-z0-9][A-Za-z0-9_.-]*", hint="letters, digits, '-', '_' or '.'")
_SUBDOMAIN = Text(pattern=r"[a-z0-9][a-z0-9-]*", hint="lower-case letters, digits and '-', like a Freshsales subdomain")

DESTINATION = Record({
    "account": Field(_SUBDOMAIN, required=True, doc="the Freshsales account (subdomain) it delivers to"),
    "type": Field(Choice(("freshsales",)), default="freshsales"),
    "api_key": Field(Text(), doc="defaults to the account's API key; set a wrong one for R3"),
    "subdomain": Field(Text(), doc="defaults to the account's subdomain"),
})

SOURCE = Record({
    "name": Field(_NAME, required=True),
    "write_key": Field(Text(), doc="defaults to '<name>-write-key'"),
    "kind": Field(Choice(SOURCE_KINDS), default="server"),
    "destinations": Field(ListOf(DESTINATION), default_factory=list,
                          doc="Freshsales destinations added from Segment's catalog only (the toggle stays off)"),
})

ACCOUNT = Record({
    "subdomain": Field(_SUBDOMAIN, required=True),
    "plan": Field(Choice(PLANS), default="garden"),
    "product": Field(Choice(PRODUCTS), default="classic"),
    "api_key": Field(Text(), doc="defaults to '<subdomain>-api-key'"),
    "rate_limits": Field(Boolean(), default=True),
    "segment_enabled_for": Field(ListOf(_NAME), default_factory=list,
                                 doc="sources for which the toggle was switched on from Freshsales (R2)"),
    "custom_fields": Field(ListOf(FreeMap()), default_factory=list, doc="custom field definitions (cf_*)"),
    "leads": Field(ListOf(FreeMap()), default_factory=list, doc="existing leads, as REST API fields"),
    "contacts": Field(ListOf(FreeMap()), default_factory=list, doc="existing contacts, as REST API fields"),
})

GIVEN = Record({
    "strict": Field(Boolean(), default=False, doc="Segment answers 401 to an unknown write key"),
    "accounts": Field(ListOf(ACCOUNT), default_factory=list),
    "sources": Field(ListOf(SOURCE), default_factory=list),
})

class Probability(Spec):
    label = "probability (a number above 0, at most 1)"

    def check(self, value: Any, path: Path_, src: Located) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise src.error(path, f"expected a probability above 0 and at most 1, such as 0.3; got {value!r}")
        return float(value)


# A step is a one-key mapping: the key is the action. Message steps carry the message itself plus
# `source` (whose write key sends it) and optionally `write_key` (to send with a wrong one).
_MESSAGE = FreeMap(label="Segment message fields + source")
STEP_KINDS: dict[str, Any] = {
    **{kind: _MESSAGE for kind in MESSAGE_STEPS},
    "send": Record({
        "source": Field(_NAME, doc="the source whose write key is used"),
        "write_key": Field(Text(), doc="send with this write key instead (e.g. an unknown one)"),
        "message": Field(FreeMap()),
        "messages": Field(ListOf(FreeMap(), min_items=1)),
        "flush": Field(Boolean(), default=True, doc="deliver at once (default) or leave it queued"),
    }, one_of=(("message", "messages"),)),
    "enable_segment": Record({
        "account": Field(_SUBDOMAIN, required=True),
        "source": Field(_NAME, required=True),
    }),
    "disable_segment": Record({"account": Field(_SUBDOMAIN, required=True)}),
    "connect_from_segment": Record({"source": Field(_NAME, required=True), **DESTINATION.fields}),
    "advance": Duration(),
    "fail": Record({
        "account": Field(_SUBDOMAIN, required=True),
        "surface": Field(Choice(("segment", "rest")), doc="Segment's deliveries (default) or the REST API"),
        "method": Field(Choice(("GET", "POST", "PUT", "PATCH", "DELETE", "*")), doc="REST only: one method"),
        "path": Field(Text(pattern=r"/\S*|\*", hint="a path pattern such as /api/leads*"),
                      doc="REST only: a path pattern, * wildcards"),
        "kind": Field(Choice(("status", "latency", "reset", "timeout"))),
        "status": Field(Integer(400, 599)),
        "retry_after": Field(Integer(0), doc="seconds in the Retry-After header (429 or 503, typically)"),
        "latency": Field(Duration(), doc="real seconds to wait before answering"),
        "hold": Field(Duration(), doc="timeout over a socket: seconds the answer is held, then 504"),
        "probability": Field(Probability(), doc="the share of matching requests that fail (seeded)"),
        "seed": Field(Integer(), doc="the same seed gives the same faults"),
        "count": Field(Integer(1)),
        "seconds": Field(Duration()),
    }, any_of=(("status", "latency", "kind"),)),
    "clear_failures": Record({"account": Field(_SUBDOMAIN, required=True)}),
    "flush": Boolean(),
}

RECORD_EXPECT = Expectation(label="expected record fields (+ account, timeline, timeline_count)")
# 'count': how many entries must match exactly (default: at least one).
LOG_EXPECT = Expectation(label="expected log entry fields (+ count)", counted=True)
THEN = Record({
    "leads": Field(ListOf(RECORD_EXPECT), default_factory=list),
    "contacts": Field(ListOf(RECORD_EXPECT), default_factory=list),
    "absent": Field(ListOf(Record({"account": Field(_SUBDOMAIN), "email": Field(Text(), required=True)})),
                    default_factory=list),
    "counts": Field(ListOf(Record({
        "account": Field(_SUBDOMAIN),
        "leads": Field(Integer(0)),
        "contacts": Field(Integer(0)),
        "sales_accounts": Field(Integer(0)),
        "deals": Field(Integer(0)),
    })), default_factory=list),
    "deliveries": Field(ListOf(LOG_EXPECT), default_factory=list),
    "events": Field(ListOf(LOG_EXPECT), default_factory=list),
})

SCENARIO = Record({
    "name": Field(Text(), required=True),
    "description": Field(Text()),
    "rules": Field(ListOf(Choice(RULES)), default_factory=list),
    "given": Field(GIVEN, default_factory=dict),
    "when": Field(ListOf(Anything()), default_factory=list),
    "then": Field(THEN, required=True),
})


@dataclass
class Step:
    kind: str  # after normalisation: message steps become "send"
    args: Any
    path: Path_  # ("when", index)
    location: Location
    written_as: str  # the action key as written in the file (identify, send, advance...)

    @property
    def args_path(self) -> Path_:
        return (*self.path, self.written_as)


@dataclass
class Scenario:
    name: str
    file: str
    description: str
    rules: list[str]
    given: dict[str, Any]
    when: list[Step]
    then: dict[str, Any]
    source: Located = field(repr=False)

    def where(self, path: Path_) -> Location:
        return self.source.where(path)


def load_scenario(path: str | Path) -> Scenario:
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise SourceError(Location(str(path), line, column), "",
                          f"not UTF-8 text (byte {raw[error.start]:#04x}); save the file as UTF-8") from error
    return parse_scenario(text, str(path))


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Check a scenario completely (shape and cross-references) before anything runs."""
    src = load_located(text, file)
    if src.data is None:
        raise src.error((), "the file is empty; a scenario needs at least 'name' and 'then'")
    data = SCENARIO.check(src.data, (), src)
    given = GIVEN.check(data.get("given", {}), ("given",), src)
    _fill_defaults(given)
    steps = [_step(raw, ("when", index), src) for index, raw in enumerate(data["when"])]
    scenario = Scenario(data["name"], file, data.get("description", ""), data["rules"], given, steps,
                        data["then"], src)
    _check_references(scenario)
    return scenario


def _step(raw: Any, path: Path_, src: Located) -> Step:
    kinds = ", ".join(STEP_KINDS)
    if not isinstance(raw, dict) or len(raw) != 1:
        raise src.error(path, f"a step is a mapping with exactly one action key, one of: {kinds}")
    ((kind, args),) = raw.items()
    written_as = kind
    if kind not in STEP_KINDS:
        raise src.error((*path, str(kind)), f"unknown step {kind!r}; expected one of: {kinds}")
    checked = STEP_KINDS[kind].check(args, (*path, kind), src)
    if kind in MESSAGE_STEPS:
        message = dict(checked)
        if "type" in message and message["type"] != kind:
            raise src.error((*path, kind, "type"), f"the step says {kind} but the message type is {message['type']!r}")
        message["type"] = kind
        send: dict[str, Any] = {"flush": True}
        for key, spec in (("flush", Boolean()), ("source", _NAME), ("write_key", Text())):
            if key in message:  # step options, not message fields: checked like the 'send' step's
                send[key] = spec.check(message.pop(key), (*path, kind, key), src)
        send["message"] = message
        kind, checked = "send", send
    if kind == "send" and "source" not in checked and "write_key" not in checked:
        raise src.error((*path,), "a message needs 'source' (or an explicit 'write_key')")
    return Step(kind, checked, path, src.where(path), written_as)


def _fill_defaults(given: dict[str, Any]) -> None:
    for account in given["accounts"]:
        account.setdefault("api_key", f"{account['subdomain']}-api-key")
    for source in given["sources"]:
        source.setdefault("write_key", f"{source['name']}-write-key")


def _check_references(scenario: Scenario) -> None:
    """Names used in steps and expectations must be defined in 'given' — a typo fails here, not later."""
    src = scenario.source
    accounts = [account["subdomain"] for account in scenario.given["accounts"]]
    sources = [source["name"] for source in scenario.given["sources"]]

    def account(path: Path_, value: Any) -> None:
        if value is not None and value not in accounts:
            raise src.error(path, f"unknown account {value!r}; given.accounts defines: {', '.join(accounts) or 'none'}")

    def source(path: Path_, value: Any) -> None:
        if value is not None and value not in sources:
            raise src.error(path, f"unknown source {value!r}; given.sources defines: {', '.join(sources) or 'none'}")

    for index, item in enumerate(scenario.given["accounts"]):
        for position, name in enumerate(item["segment_enabled_for"]):
            source(("given", "accounts", index, "segment_enabled_for", position), name)
    for index, item in enumerate(scenario.given["sources"]):
        for position, destination in enumerate(item["destinations"]):
            account(("given", "sources", index, "destinations", position, "account"), destination["account"])
    for step in scenario.when:
        if isinstance(step.args, dict):
            if "source" in step.args:
                source((*step.args_path, "source"), step.args["source"])
            if "account" in step.args:
                account((*step.args_path, "account"), step.args["account"])
    for section in ("leads", "contacts", "absent", "counts"):
        for index, item in enumerate(scenario.then[section]):
            path = ("then", section, index)
            if "account" in item:
                account((*path, "account"), item["account"])
            elif len(accounts) != 1:
                raise src.error(path, f"say which 'account' this is about ({len(accounts)} accounts are given)")
            if section in ("leads", "contacts") and "email" not in item and "external_id" not in item:
                raise src.error(path, "an expected record needs 'email' or 'external_id' to find it by")
            if section in ("leads", "contacts"):
                _check_record_expectation(item, path, src)


def _check_record_expectation(item: dict[str, Any], path: Path_, src: Located) -> None:
    if "timeline" in item:
        ListOf(FreeMap()).check(item["timeline"], (*path, "timeline"), src)
    if "timeline_count" in item:
        Integer(0).check(item["timeline_count"], (*path, "timeline_count"), src)
