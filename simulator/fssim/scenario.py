"""Run scenario files (given / when / then) against a fresh in-process simulator and explain failures.

Each scenario gets its own simulator with a frozen clock, built through the same harness the pytest
plugin uses (control and tracking APIs), so a scenario exercises exactly what a test would. The file
format is in :mod:`fssim.scenario_schema` and ``docs/harness.md``.

    results = run_paths(["scenarios/"])
    print(format_result(results[0]))
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fssim.assertions import Describe, describe_delivery, describe_event
from fssim.errors import FssimError
from fssim.expect import MISSING, Mismatch, first_unmatched_in_order, matches, mismatches, render
from fssim.harness import Fssim, HarnessError, open_fssim
from fssim.scenario_schema import Scenario, Step, load_scenario
from fssim.yaml_source import Location, Path_, SourceError, format_path

__all__ = ["Failure", "ScenarioResult", "collect", "format_result", "run_paths", "run_scenario"]

_LOG_NAMES = {"deliveries": "delivery log", "events": "event log"}
_LOOKUP_KEYS = ("account", "email", "external_id", "timeline", "timeline_count")


@dataclass
class Failure:
    location: Location
    field_path: str
    message: str
    diff: list[str] = field(default_factory=list)


@dataclass
class ScenarioResult:
    file: str
    name: str
    failures: list[Failure]
    error: SourceError | None = None  # the file itself is malformed

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None


def collect(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files named, or found (``*.yaml``/``*.yml``, sorted) in the folders named."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            found.append(path)
    return found


def run_paths(paths: Iterable[str | Path]) -> list[ScenarioResult]:
    results = []
    for path in collect(paths):
        try:
            scenario = load_scenario(path)
        except SourceError as error:
            results.append(ScenarioResult(str(path), path.stem, [], error))
            continue
        except OSError as error:
            location = Location(str(path), 1, 1)
            results.append(ScenarioResult(str(path), path.stem, [], SourceError(location, "", str(error))))
            continue
        results.append(run_scenario(scenario))
    return results


def run_scenario(scenario: Scenario) -> ScenarioResult:
    from fssim.app import SimulatorConfig

    failures: list[Failure] = []
    with open_fssim(SimulatorConfig(frozen_clock=True, strict=scenario.given["strict"])) as harness:
        try:
            _given(harness, scenario)
            for step in scenario.when:
                _step(harness, step)
        except _StepFailed as failed:
            failures.append(failed.failure)
        else:
            failures += _then(harness, scenario)
    return ScenarioResult(scenario.file, scenario.name, failures)


class _StepFailed(FssimError):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@contextlib.contextmanager
def _failing_as(location: Location, path: Path_, what: str) -> Iterator[None]:
    """A set-up step or action the simulator refuses becomes the scenario's failure, at its place in the file."""
    try:
        yield
    except (HarnessError, ValueError, KeyError) as error:
        raise _StepFailed(Failure(location, format_path(path), f"{what}: {error}")) from error


def _guard(scenario: Scenario, path: Path_, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with _failing_as(scenario.where(path), path, "could not do this"):
        return action(*args, **kwargs)


# --- given ----------------------------------------------------------------------------------------

def _given(h: Fssim, scenario: Scenario) -> None:
    given = scenario.given
    for index, source in enumerate(given["sources"]):
        _guard(scenario, ("given", "sources", index), h.source, source["name"], kind=source["kind"],
               write_key=source["write_key"])
    for index, account in enumerate(given["accounts"]):
        path: Path_ = ("given", "accounts", index)
        _guard(scenario, path, h.account, account["subdomain"], plan=account["plan"], api_key=account["api_key"],
               product=account["product"], rate_limits=account["rate_limits"])
        for position, spec in enumerate(account["custom_fields"]):
            _guard(scenario, (*path, "custom_fields", position), _define_field, h, account["subdomain"], spec)
        for entity in ("leads", "contacts"):
            for position, fields in enumerate(account[entity]):
                _guard(scenario, (*path, entity, position), h.add_record, entity[:-1], fields, account["subdomain"])
    for index, source in enumerate(given["sources"]):
        for position, destination in enumerate(source["destinations"]):
            _guard(scenario, ("given", "sources", index, "destinations", position), h.connect_from_segment,
                   source["name"], destination["account"], api_key=destination.get("api_key"),
                   subdomain=destination.get("subdomain"))
    for index, account in enumerate(given["accounts"]):
        for position, source_name in enumerate(account["segment_enabled_for"]):
            _guard(scenario, ("given", "accounts", index, "segment_enabled_for", position), h.enable_segment,
                   account["subdomain"], source_name)


def _define_field(h: Fssim, subdomain: str, spec: Mapping[str, Any]) -> None:
    unknown = set(spec) - {"entity", "name", "type", "label", "choices"}
    if unknown or "name" not in spec:
        raise ValueError("a custom field is {entity: lead|contact, name: cf_..., type: text|number|..., "
                         "label?, choices?}" + (f"; unknown key(s): {', '.join(sorted(unknown))}" if unknown else ""))
    entities = [spec["entity"]] if "entity" in spec else ["lead", "contact"]
    for entity in entities:
        h.sim.freshsales.accounts.define_custom_field(subdomain, entity, spec["name"], spec.get("type", "text"),
                                                      spec.get("label"), spec.get("choices"))


# --- when -----------------------------------------------------------------------------------------

def _step(h: Fssim, step: Step) -> None:
    args = step.args
    with _failing_as(step.location, step.path, f"step '{step.written_as}' failed"):
        if step.kind == "send":
            messages = [args["message"]] if "message" in args else list(args["messages"])
            h.send(*messages, source=args.get("source"), write_key=args.get("write_key"))
            if args.get("flush", True):
                h.flush()
        elif step.kind == "enable_segment":
            h.enable_segment(args["account"], args["source"])
        elif step.kind == "disable_segment":
            h.disable_segment(args["account"])
        elif step.kind == "connect_from_segment":
            h.connect_from_segment(args["source"], args["account"], api_key=args.get("api_key"),
                                   subdomain=args.get("subdomain"))
        elif step.kind == "advance":
            h.advance(args)
            h.flush()  # what is due after the move is tried, as Segment would
        elif step.kind == "fail":
            h.fail(args["account"], **{name: value for name, value in args.items() if name != "account"})
        elif step.kind == "clear_failures":
            h.clear_failures(args["account"])
        elif step.kind == "flush":
            if args:
                h.flush()
        else:  # pragma: no cover - the schema admits only the kinds above
            raise AssertionError(f"{format_path(step.path)}: unhandled step {step.kind}")


# --- then -----------------------------------------------------------------------------------------

def _then(h: Fssim, scenario: Scenario) -> list[Failure]:
    then = scenario.then
    failures: list[Failure] = []
    for section in ("leads", "contacts"):
        for index, item in enumerate(then[section]):
            failures += _check_record(h, scenario, section[:-1], item, ("then", section, index))
    for index, item in enumerate(then["absent"]):
        path: Path_ = ("then", "absent", index)
        found = h.find(item["email"], item.get("account"))
        if found is not None:
            failures.append(Failure(scenario.where(path), format_path(path),
                                    f"expected no lead or contact with email {item['email']!r}, "
                                    f"but a {found[0]} holds it",
                                    [f"+ {found[0]}: {render(_brief(found[1]))}"]))
    for index, item in enumerate(then["counts"]):
        for entity in ("leads", "contacts", "sales_accounts", "deals"):
            if entity in item:
                held = _held(h, entity, item.get("account"))
                if held != item[entity]:
                    path = ("then", "counts", index, entity)
                    failures.append(Failure(scenario.where(path), format_path(path),
                                            f"expected {item[entity]} {entity}, the simulator holds {held}",
                                            [f"- {entity}: {item[entity]}", f"+ {entity}: {held}"]))
    failures += _check_log(scenario, "deliveries", h.deliveries(), describe_delivery)
    failures += _check_log(scenario, "events", h.events(), describe_event)
    return failures


def _held(h: Fssim, entity: str, account: str | None) -> int:
    if entity in ("sales_accounts", "deals"):
        return getattr(h.sim.freshsales, entity).count(h._account_name(account))
    return len(h.leads(account) if entity == "leads" else h.contacts(account))


def _check_record(h: Fssim, scenario: Scenario, entity: str, item: Mapping[str, Any], path: Path_) -> list[Failure]:
    account = item.get("account")
    if "email" in item:
        key = f"email {item['email']!r}"
        found = h.find(item["email"], account)
    else:
        key = f"external_id {item['external_id']!r}"
        found = h.find_by_external_id(str(item["external_id"]), account)
    who = item.get("email") or str(item.get("external_id"))
    if found is None:
        held = [_brief(record) for record in (h.leads(account) if entity == "lead" else h.contacts(account))]
        return [Failure(scenario.where(path), format_path(path), f"expected a {entity} with {key}; there is none",
                        [f"+ {entity}s held: {render(held)}", *h.explain_user(who).splitlines()])]
    held_entity, record = found
    failures: list[Failure] = []
    if held_entity != entity:
        failures.append(Failure(scenario.where(path), format_path(path),
                                f"the record with {key} is a {held_entity}, not a {entity}",
                                [f"- type: {entity}", f"+ type: {held_entity}"]))
    for name, want in item.items():
        if name in _LOOKUP_KEYS:
            continue
        failures += _diff_failures(scenario, (*path, name), mismatches(want, record.get(name, MISSING), name))
    if "timeline" in item or "timeline_count" in item:
        subdomain = account or h._account_name(None)
        timeline = h.sim.freshsales.timeline.activities(subdomain, held_entity, int(record["id"]))
        failures += _check_timeline(scenario, item, timeline, path)
    if failures:  # what Segment says about this user usually explains the difference (once per record)
        failures[-1].diff += h.explain_user(who).splitlines()
    return failures


def _check_timeline(scenario: Scenario, item: Mapping[str, Any], timeline: list[dict[str, Any]], path: Path_
                    ) -> list[Failure]:
    shown = [f"  {index}. {render(_brief_activity(entry))}" for index, entry in enumerate(timeline, 1)]
    expected = item.get("timeline", [])
    missing = first_unmatched_in_order(expected, timeline)
    if missing is not None:
        where = (*path, "timeline", missing)
        return [Failure(scenario.where(where), format_path(where), "this timeline item is not there (in this order)",
                        [f"- {render(expected[missing])}", "+ the timeline holds:", *shown])]
    if "timeline_count" in item and item["timeline_count"] != len(timeline):
        where = (*path, "timeline_count")
        return [Failure(scenario.where(where), format_path(where),
                        f"expected {item['timeline_count']} timeline items, the record has {len(timeline)}",
                        ["+ the timeline holds:", *shown])]
    return []


def _check_log(scenario: Scenario, section: str, entries: Sequence[Mapping[str, Any]], describe: Describe
               ) -> list[Failure]:
    failures = []
    for index, raw in enumerate(scenario.then[section]):
        want = {key: value for key, value in raw.items() if key != "count"}
        count = raw.get("count")
        chosen = [entry for entry in entries if matches(want, entry)]
        if (count is None and chosen) or (count is not None and len(chosen) == count):
            continue
        path: Path_ = ("then", section, index)
        wanted = "at least one" if count is None else f"exactly {count}"
        held = [f"  {line}" for entry in entries for line in describe(entry).splitlines()] or ["  (empty)"]
        failures.append(Failure(scenario.where(path), format_path(path),
                                f"expected {wanted} {_entry_word(section, count)} matching this, found {len(chosen)}",
                                [f"- {render(want)}", f"+ Segment's {_LOG_NAMES[section]} holds:", *held]))
    return failures


def _entry_word(section: str, count: int | None) -> str:
    plural = count is not None and count != 1
    if section == "events":
        return "events" if plural else "event"
    return "deliveries" if plural else "delivery"


def _diff_failures(scenario: Scenario, path: Path_, found: Sequence[Mismatch]) -> list[Failure]:
    parent = format_path(path[:-1])
    failures = []
    for mismatch in found:
        where = f"{parent}.{mismatch.path}"
        failures.append(Failure(scenario.where(path), where, "differs",
                                [f"- {where}: {render(mismatch.expected)}", f"+ {where}: {render(mismatch.actual)}"]))
    return failures


def _brief(record: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("id", "email", "emails", "external_id", "first_name", "last_name", "job_title")
    return {key: record[key] for key in keys if record.get(key) not in (None, [], {})}


def _brief_activity(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {key: entry[key] for key in ("action_type", "action_data", "created_at") if key in entry}


# --- output ---------------------------------------------------------------------------------------

def format_result(result: ScenarioResult) -> str:
    """``PASS name (file)`` or ``FAIL`` with each failure's place and the expected/actual difference."""
    if result.error is not None:
        return f"ERROR {result.file}\n  {result.error}"
    if result.passed:
        return f"PASS {result.name}  ({result.file})"
    lines = [f"FAIL {result.name}  ({result.file})"]
    for failure in result.failures:
        lines.append(f"  {failure.location} {failure.field_path}: {failure.message}")
        lines += [f"      {line}" for line in failure.diff]
    return "\n".join(lines)
