"""The fixtures as a test author uses them: fssim (in-process), fssim_server (real HTTP), interception.

These tests use the plugin exactly as an installed fssim provides it (the pytest11 entry point), and
they are the ones ``test_harness_xdist.py`` runs under ``pytest -n 2``.
"""

from __future__ import annotations

import httpx
import pytest
import requests

from fssim.harness import Fssim, HarnessError


def test_connect_sends_and_reads_a_lead_with_its_timeline(fssim: Fssim) -> None:
    fssim.connect("acme", source="web")
    fssim.identify("ada@example.com", {"firstName": "Ada", "title": "Countess"})
    fssim.page("ada@example.com", "Pricing", {"url": "https://shop.example/pricing"})
    fssim.flush()

    lead = fssim.assert_lead("ada@example.com", first_name="Ada", job_title="Countess")
    assert [lead] == fssim.leads()
    fssim.assert_timeline("ada@example.com", [{"action_type": "create"}, {"action_type": "page_view"}])
    fssim.assert_delivery(count=2, status="delivered")


def test_connect_uses_the_real_enablement_flow(fssim: Fssim) -> None:
    fssim.connect("acme", source="web")
    account = fssim.sim.freshsales.accounts.get("acme")
    assert account is not None and account.segment_enabled
    destinations = fssim.sim.segment.sources()[0]["destinations"]
    assert [(d["subdomain"], d["created_by"], d["enabled"]) for d in destinations] == [("acme", "freshsales", True)]


def test_each_test_gets_a_fresh_simulator(fssim: Fssim) -> None:
    # Another test created 'acme'; here it must not exist.
    assert fssim.sim.freshsales.accounts.all() == []
    assert fssim.deliveries() == []


def test_messages_wait_for_flush_and_the_failure_says_so(fssim: Fssim) -> None:
    fssim.connect()
    fssim.identify("ada@example.com", {"firstName": "Ada"})
    with pytest.raises(AssertionError) as failure:
        fssim.assert_lead("ada@example.com")
    assert "call fssim.flush()" in str(failure.value)
    fssim.flush()
    fssim.assert_lead("ada@example.com")


def test_a_failed_assertion_shows_expected_held_and_the_delivery_reason(fssim: Fssim) -> None:
    fssim.account("acme")
    fssim.source("web")
    fssim.connect_from_segment("web", "acme")  # Segment's side only: the toggle stays off
    fssim.identify("ada@example.com", {"firstName": "Ada"})
    fssim.flush()
    with pytest.raises(AssertionError) as failure:
        fssim.assert_lead("ada@example.com", first_name="Ada")
    text = str(failure.value)
    assert "expected a lead with email 'ada@example.com'" in text
    assert "leads held:    (none)" in text
    assert "errors.discarded.403" in text
    assert "Admin Settings > Integrations" in text


def test_a_dropped_message_of_the_user_is_not_listed_again_as_another_users(fssim: Fssim) -> None:
    fssim.connect()
    fssim.send({"type": "identify", "userId": "ada@example.com"}, write_key="web-writekey")  # a typo
    fssim.identify("4711", {"firstName": "Bob"})  # another user's trouble: a database id, no email
    fssim.flush()
    with pytest.raises(AssertionError) as failure:
        fssim.assert_lead("ada@example.com")
    own, others = str(failure.value).split("did not go through:")
    assert "for 'ada@example.com': dropped invalid_write_key" in own
    assert "'4711': discarded errors.discarded.400" in others and "ada@example.com" not in others


def test_a_wrong_field_shows_expected_and_actual_values(fssim: Fssim) -> None:
    fssim.connect()
    fssim.identify("ada@example.com", {"firstName": "Ada"})
    fssim.flush()
    with pytest.raises(AssertionError) as failure:
        fssim.assert_lead("ada@example.com", first_name="Grace")
    assert 'first_name: expected "Grace", got "Ada"' in str(failure.value)


def test_clock_and_forced_failures_drive_retries(fssim: Fssim) -> None:
    fssim.connect()
    fssim.fail(status=429, count=2, retry_after=30)
    fssim.identify("ada@example.com", {"firstName": "Ada"})
    fssim.flush()
    fssim.assert_delivery(status="awaiting-retry", code="errors.awaiting-retry.429")
    for _ in range(10):
        fssim.advance(120)
        fssim.flush()
    fssim.assert_delivery(count=1, status="delivered", attempts={"$len": 3})
    fssim.assert_counts(leads=1, contacts=0)


def test_set_up_errors_carry_the_simulators_answer(fssim: Fssim) -> None:
    with pytest.raises(HarnessError, match=r"no Freshsales account yet: call fssim\.account\(\)"):
        fssim.fail(status=500, count=1)
    fssim.account("acme")
    with pytest.raises(HarnessError, match=r"POST /_sim/accounts answered 409: .*already exists"):
        fssim.account("acme")


def test_an_unknown_source_or_a_refused_record_is_a_harness_error_not_a_key_error(fssim: Fssim) -> None:
    fssim.connect("acme", source="web")
    with pytest.raises(HarnessError, match=r"unknown source 'mobile': this test created web"):
        fssim.identify("ada@example.com", {"firstName": "Ada"}, source="mobile")
    with pytest.raises(HarnessError, match=r"Freshsales refused the lead .* Last name can't be blank"):
        fssim.add_record("lead", {"first_name": "Ada"})
    assert fssim.leads() == []


def test_a_count_failure_ends_with_the_counts_or_the_flush_note(fssim: Fssim) -> None:
    fssim.connect()
    with pytest.raises(AssertionError) as failure:
        fssim.assert_counts(leads=1)
    assert str(failure.value) == "account 'acme': expected 1 leads; the simulator holds 0 leads and 0 contacts"
    fssim.identify("ada@example.com")
    with pytest.raises(AssertionError, match=r"contacts\n  note: 1 deliveries are still waiting"):
        fssim.assert_counts(leads=1)


def test_fssim_server_speaks_real_http(fssim_server: Fssim) -> None:
    assert fssim_server.base_url is not None and fssim_server.base_url.startswith("http://127.0.0.1:")
    fssim_server.connect("acme", source="web")
    # Code under test that only speaks HTTP: the Tracking API with Basic auth, then the control API.
    answer = httpx.post(f"{fssim_server.base_url}/v1/track", auth=("web-write-key", ""),
                        json={"userId": "ada@example.com", "event": "Signed Up"})
    assert answer.json() == {"success": True}
    fssim_server.identify("ada@example.com", {"firstName": "Ada"})
    httpx.post(f"{fssim_server.base_url}/_sim/flush")
    fssim_server.assert_lead("ada@example.com", first_name="Ada")


def test_fssim_server_is_reset_between_tests(fssim_server: Fssim) -> None:
    state = httpx.get(f"{fssim_server.base_url}/_sim/state").json()
    assert state["freshsales"]["accounts"] == []
    assert state["segment"]["sources"] == []


def test_fssim_server_intercepts_hard_coded_hosts_to_its_socket(fssim_server: Fssim) -> None:
    fssim_server.account("acme")
    with fssim_server.intercept(refuse_others=True):
        answer = requests.get("https://acme.freshsales.io/api/leads/filters",
                              headers={"Authorization": "Token token=acme-api-key"})
    assert answer.status_code == 200
    assert "filters" in answer.json()


@pytest.mark.fssim_intercept(refuse_others=True)
def test_the_marker_intercepts_for_the_whole_test(fssim: Fssim) -> None:
    fssim.account("acme")
    answer = httpx.get("https://acme.myfreshworks.com/crm/sales/api/contacts/filters",
                       headers={"Authorization": "Token token=acme-api-key"})
    assert answer.status_code == 200
    with pytest.raises(ConnectionRefusedError, match=r"example\.org is not a simulated host"):
        httpx.get("https://example.org/")


def test_the_fssim_intercept_fixture(fssim_intercept: Fssim) -> None:
    fssim_intercept.connect("acme", source="server", kind="server")
    answer = requests.post("https://api.segment.io/v1/identify", auth=("server-write-key", ""),
                           json={"userId": "ada@example.com", "traits": {"firstName": "Ada"}})
    assert answer.json() == {"success": True}
    fssim_intercept.flush()
    fssim_intercept.assert_lead("ada@example.com", first_name="Ada")
