"""``fssim reproduce``: each documented failure appears as documented, and its fix works."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from fssim.cli import cli
from fssim.reproductions import REPRODUCTIONS


def test_list_names_every_reproducible_failure() -> None:
    result = CliRunner().invoke(cli, ["reproduce", "--list"])
    assert result.exit_code == 0
    for name in ("data-not-accepted", "bad-api-key", "db-id-not-updating", "rate-limited", "unknown-write-key"):
        assert name in result.output


def test_data_not_accepted_narrates_cause_log_fix_and_the_fix_working() -> None:
    result = CliRunner().invoke(cli, ["reproduce", "data-not-accepted"])
    assert result.exit_code == 0, result.output
    text = result.output
    order = [". What was sent\n", ". What Segment's delivery log says\n", "errors.discarded.403",
             "the Segment integration toggle is off", ". Why\n", "Segment's side only", ". The fix\n",
             "Admin Settings > Integrations", ". The fix working\n", "delivered success.200",
             "Freshsales holds a lead"]
    position = 0
    for part in order:  # each part appears, after the previous one
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing after position {position}:\n{text}"
        position = found + len(part)
    assert "FAILED" not in text


@pytest.mark.parametrize("name", sorted(REPRODUCTIONS))
def test_every_reproduction_runs_and_its_checks_hold(name: str) -> None:
    result = CliRunner().invoke(cli, ["reproduce", name])
    assert result.exit_code == 0, result.output
    assert "[ok]" in result.output and "FAILED" not in result.output


def test_an_unknown_name_is_refused_with_the_choices() -> None:
    result = CliRunner().invoke(cli, ["reproduce", "everything-broken"])
    assert result.exit_code == 2
    assert "data-not-accepted" in result.output


def test_the_fix_working_shows_only_new_deliveries() -> None:
    result = CliRunner().invoke(cli, ["reproduce", "db-id-not-updating"])
    assert result.exit_code == 0, result.output
    fix_working = result.output.split(". The fix working")[1]
    assert "#3 identify" in fix_working and "updated (job_title)" in fix_working
    assert "#1 identify" not in fix_working  # the set-up's delivery is no news
