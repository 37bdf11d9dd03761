"""The plugin as pytest sees it: registered by entry point, fixtures and marker documented, removable."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_fixtures_are_listed_with_their_help(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("--fixtures", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines([
        "fssim -- *simulator/fssim/pytest_plugin.py:*",
        "*A fresh in-process fssim simulator for this test*",
        "fssim_intercept -- *simulator/fssim/pytest_plugin.py:*",
        "fssim_server -- *simulator/fssim/pytest_plugin.py:*",
        "*fssim over real HTTP*",
    ])


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*fssim_intercept(refuse_others=False*"])


def test_the_plugin_comes_from_the_entry_point_and_can_be_switched_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_uses_fssim(fssim):\n    fssim.account('acme')\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    disabled = pytester.runpytest("-p", "no:fssim", "-p", "no:cacheprovider")
    disabled.assert_outcomes(errors=1)
    disabled.stdout.fnmatch_lines(["*fixture 'fssim' not found*"])


def test_a_failing_test_reports_the_cause_in_pytest_output(pytester: pytest.Pytester) -> None:
    pytester.makepyfile('''
        def test_db_id_instead_of_email(fssim):
            fssim.connect("acme", source="server", kind="server")
            fssim.identify("4711", {"firstName": "Ada"})   # no email trait: Freshsales cannot create it
            fssim.flush()
            fssim.assert_lead("ada@example.com", first_name="Ada")
    ''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*expected a lead with email 'ada@example.com'*",
        "*did not go through*",
        "*'4711': discarded errors.discarded.400*",
        "*traits.email is required*",
    ])
    # pytest points at the test's own line, not at the raise inside the plugin.
    result.stdout.fnmatch_lines(['>*fssim.assert_lead("ada@example.com", first_name="Ada")'])
    assert "simulator/fssim/assertions.py" not in result.stdout.str()


def test_the_marker_works_with_fssim_server_and_fails_loudly_without_a_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile('''
        import pytest
        import requests


        @pytest.mark.fssim_intercept(refuse_others=True)
        def test_server_only(fssim_server):
            fssim_server.account("acme")
            answer = requests.get("https://acme.freshsales.io/api/leads/filters",
                                  headers={"Authorization": "Token token=acme-api-key"})
            assert answer.status_code == 200


        @pytest.mark.fssim_intercept
        def test_no_fixture():
            pass
    ''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.fssim_intercept needs the fssim (or fssim_server) fixture*"])
