"""Faults on demand through the harness: a published Freshsales client (requests-based, reached by
interception) meets a forced 429 and dropped connections as the errors it would meet in production."""

from __future__ import annotations

import pytest
import requests
from freshsales.api import API
from freshsales.errors import FreshsalesRateLimited

from fssim import Fssim


@pytest.mark.fssim_intercept(refuse_others=True)
def test_the_published_client_meets_a_429_with_retry_after_then_reads(fssim: Fssim) -> None:
    fssim.connect("initech", source="web", product="suite")
    fssim.identify("jane@example.com", {"firstName": "Jane", "lastName": "Sampleton"})
    fssim.flush()
    contact_id = fssim.contact("jane@example.com")["id"]
    rule = fssim.fail("initech", surface="rest", method="GET", path="/api/contacts/*", status=429,
                      retry_after=30, count=1)
    crm = API("initech.myfreshworks.com/crm/sales", "initech-api-key")
    with pytest.raises(FreshsalesRateLimited, match="until 30 seconds"):
        crm.contacts.view_contact(contact_id)
    assert crm.contacts.view_contact(contact_id).display_name == "Jane Sampleton"
    assert rule["id"] and fssim.failures("initech") == []


@pytest.mark.fssim_intercept(refuse_others=True)
def test_the_published_client_meets_a_dropped_connection_and_a_time_out_as_requests_errors(fssim: Fssim) -> None:
    fssim.connect("initech", source="web", product="suite")
    fssim.identify("jane@example.com", {"lastName": "Sampleton"})
    fssim.flush()
    contact_id = fssim.contact("jane@example.com")["id"]
    crm = API("initech.myfreshworks.com/crm/sales", "initech-api-key")
    fssim.fail("initech", surface="rest", kind="reset", count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        crm.contacts.view_contact(contact_id)
    fssim.fail("initech", surface="rest", kind="timeout", count=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        crm.contacts.view_contact(contact_id)
    assert crm.contacts.view_contact(contact_id).display_name == "Sampleton"


def test_failures_lists_rules_and_clear_failures_removes_one_or_all(fssim: Fssim) -> None:
    fssim.connect()
    latency = fssim.fail(latency=0.01)
    status = fssim.fail(status=503, probability=0.5, seed=1)
    assert [r["id"] for r in fssim.failures()] == [latency["id"], status["id"]]
    assert fssim.clear_failures(rule_id=latency["id"]) == 1
    assert [r["kind"] for r in fssim.failures()] == ["status"]
    assert fssim.fail(kind="reset", replace=True)["kind"] == "reset"
    assert [r["kind"] for r in fssim.failures()] == ["reset"]
    assert fssim.clear_failures() == 1 and fssim.failures() == []
