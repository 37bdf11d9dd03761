"""Scenarios: every file in scenarios/ passes, malformed files are named precisely, the CLI reports well."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from fssim.cli import cli
from fssim.scenario import format_result, run_scenario
from fssim.scenario_schema import RULES, load_scenario, parse_scenario
from fssim.yaml_source import SourceError

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
FILES = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_every_shipped_scenario_passes(path: Path) -> None:
    result = run_scenario(load_scenario(path))
    assert result.passed, format_result(result)


def test_every_rule_has_a_scenario() -> None:
    covered = {rule for path in FILES for rule in load_scenario(path).rules}
    assert sorted(set(RULES) - covered) == []


GOOD = """\
name: good
given:
  accounts: [{subdomain: acme, segment_enabled_for: [web]}]
  sources: [{name: web}]
when:
  - identify: {source: web, userId: ada@example.com, traits: {firstName: Ada}}
then:
  leads: [{email: ada@example.com, first_name: Ada}]
"""


@pytest.mark.parametrize(("old", "new", "line", "field", "words"), [
    ("{subdomain: acme,", "{subdomain: acme, plan: gold,", 3, "given.accounts[0].plan", "one of sprout"),
    ("source: web, userId", "source: mobile, userId", 6, "when[0].identify.source", "unknown source 'mobile'"),
    ("  - identify:", "  - identfy:", 6, "when[0].identfy", "unknown step 'identfy'"),
    ("  leads:", "  lead:", 8, "then.lead", "unknown key"),
    ("[{email: ada@example.com, first_name: Ada}]", "[{first_name: Ada}]", 8, "then.leads[0]",
     "needs 'email' or 'external_id'"),
    ("name: good\n", "", 1, "", "'name' is required"),
    ("sources: [{name: web}]", "sources: [{name: web]", 4, "", "not valid YAML"),
    ("sources: [{name: web}]", "sources: [{name: web, name: app}]", 4, "given.sources[0].name", "duplicate key"),
    ("traits: {firstName: Ada}}", "traits: {firstName: Ada}}\n  - advance: 4 hours", 7, "when[1].advance",
     "duration"),
    # Step options and expectations are checked before anything runs, not taken as truthy or crashing later.
    ("traits: {firstName: Ada}}", "traits: {firstName: Ada}, flush: maybe}", 6, "when[0].identify.flush",
     "expected true or false"),
    ("first_name: Ada}]", "first_name: {$contain: A}}]", 8, "then.leads[0].first_name.$contain",
     "unknown operator $contain; known: $contains"),
    ("first_name: Ada}]", "first_name: {$contains: A, $len: 3}}]", 8, "then.leads[0].first_name",
     "must be the only key"),
    ("first_name: Ada}]\n", "first_name: Ada}]\n  deliveries: [{code: success.200, count: two}]\n", 9,
     "then.deliveries[0].count", "expected a whole number"),
    ("first_name: Ada}]\n", "first_name: Ada}]\n  events: [{reason: {$regexp: x}}]\n", 9,
     "then.events[0].reason.$regexp", "unknown operator"),
])
def test_a_malformed_scenario_names_file_line_and_field(old: str, new: str, line: int, field: str,
                                                        words: str) -> None:
    assert old in GOOD
    with pytest.raises(SourceError) as error:
        parse_scenario(GOOD.replace(old, new, 1), "mine.yaml")
    assert error.value.location.file == "mine.yaml"
    assert error.value.location.line == line, str(error.value)
    assert error.value.field == field, str(error.value)
    assert words in error.value.message
    assert str(error.value).startswith(f"mine.yaml:{line}:")


def test_the_good_example_parses() -> None:
    assert parse_scenario(GOOD, "good.yaml").name == "good"


def test_scenario_run_passes_a_folder_and_exits_0() -> None:
    result = CliRunner().invoke(cli, ["scenario", "run", str(SCENARIOS)])
    assert result.exit_code == 0, result.output
    assert result.output.count("PASS ") == len(FILES)
    assert f"{len(FILES)} passed, 0 failed" in result.output


def test_scenario_run_shows_the_difference_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "wrong.yaml").write_text(GOOD.replace("first_name: Ada}]", "first_name: Grace}]"))
    (tmp_path / "right.yaml").write_text(GOOD)
    result = CliRunner().invoke(cli, ["scenario", "run", str(tmp_path / "wrong.yaml"), str(tmp_path / "right.yaml")])
    assert result.exit_code == 1
    assert "FAIL good" in result.output and "PASS good" in result.output
    assert f"{tmp_path / 'wrong.yaml'}:8:" in result.output
    assert '- then.leads[0].first_name: "Grace"' in result.output
    assert '+ then.leads[0].first_name: "Ada"' in result.output
    assert "1 passed, 1 failed" in result.output


def test_scenario_run_reports_malformed_files_and_empty_folders(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(GOOD.replace("{subdomain: acme,", "{subdomain: acme, plan: gold,"))
    result = CliRunner().invoke(cli, ["scenario", "run", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'bad.yaml'}:3:" in result.output and "given.accounts[0].plan" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    assert CliRunner().invoke(cli, ["scenario", "run", str(empty)]).exit_code == 2


def test_a_file_that_is_not_utf8_is_reported_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(GOOD.replace("Ada}}", "Zo\xeb}}").encode("latin-1"))
    result = CliRunner().invoke(cli, ["scenario", "run", str(tmp_path / "latin1.yaml")])
    assert result.exit_code == 1, result.output
    assert f"{tmp_path / 'latin1.yaml'}:6:" in result.output and "not UTF-8 text (byte 0xeb)" in result.output


def test_a_record_freshsales_refuses_in_given_fails_at_its_line() -> None:
    text = GOOD.replace("{subdomain: acme,", "{subdomain: acme, leads: [{first_name: Ada}],")
    result = run_scenario(parse_scenario(text, "no-email.yaml"))
    report = format_result(result)
    assert "no-email.yaml:3:" in report and "given.accounts[0].leads[0]" in report
    assert "Freshsales refused the lead" in report and "Last name can't be blank" in report


def test_a_failing_delivery_expectation_lists_the_delivery_log_with_reasons(tmp_path: Path) -> None:
    text = GOOD.replace("segment_enabled_for: [web]}", "}").replace(
        "sources: [{name: web}]", "sources: [{name: web, destinations: [{account: acme}]}]")
    text += "  deliveries: [{status: delivered}]\n"
    result = run_scenario(parse_scenario(text, "toggle-off.yaml"))
    report = format_result(result)
    assert not result.passed
    assert "errors.discarded.403" in report and "toggle is off" in report


def test_a_differing_field_comes_with_what_segment_says_about_the_user() -> None:
    # Ada is already a lead named Grace; the update is sent but never delivered (flush: false).
    differing = GOOD.replace("segment_enabled_for: [web]}", "segment_enabled_for: [web], leads: "
                             "[{email: ada@example.com, first_name: Grace}]}").replace(
        "traits: {firstName: Ada}}", "traits: {firstName: Ada}, flush: false}")
    report = format_result(run_scenario(parse_scenario(differing, "pending.yaml")))
    assert '- then.leads[0].first_name: "Ada"' in report and '+ then.leads[0].first_name: "Grace"' in report
    assert "Segment's delivery log for 'ada@example.com'" in report
    assert "1 deliveries are still waiting" in report
