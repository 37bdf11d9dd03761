"""Account host names have one home (fssim.freshsales.hosts): the REST API's Host check and the Segment
receiver's subdomain setting both read them there, so every host family works on both."""

from __future__ import annotations

import base64
import json

import pytest
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales.hosts import HOST_SUFFIXES, subdomain_of_host, subdomain_of_setting


@pytest.mark.parametrize(
    ("host", "subdomain"),
    [("acme.freshsales.io", "acme"), ("ACME.myfreshworks.com:443", "acme"), ("acme-2.freshworks.com.", "acme-2"),
     (" acme.freshsales.io ", "acme"), ("127.0.0.1:8000", None), ("localhost", None), ("freshsales.io", None),
     ("a.b.freshsales.io", None), ("acme.freshsales.io.evil.test", None), ("acme.freshsales.iox", None),
     ("", None), (None, None)],
)
def test_a_host_names_an_account_only_under_a_freshsales_suffix(host: str | None, subdomain: str | None) -> None:
    assert subdomain_of_host(host) == subdomain


@pytest.mark.parametrize(
    ("setting", "subdomain"),
    [("acme", "acme"), (" ACME ", "acme"), ("acme.freshsales.io", "acme"), ("https://acme.myfreshworks.com/crm/sales",
     "acme"), ("http://acme.freshworks.com", "acme"), ("acme.freshsales.io:443", "acme"),
     ("acme.example.com", "acme.example.com")],
)
def test_a_destination_setting_names_its_subdomain_in_any_form_people_type(setting: str, subdomain: str) -> None:
    assert subdomain_of_setting(setting) == subdomain


@pytest.fixture
def two_accounts(sim: Simulator) -> Simulator:
    for name in ("acme", "globex"):
        sim.freshsales.accounts.create(name, plan="garden", api_key=f"{name}-key")
        sim.freshsales.accounts.set_segment_toggle(name, True, source="web", via="test")
    return sim


@pytest.mark.parametrize("suffix", HOST_SUFFIXES)
def test_every_host_family_is_checked_by_the_rest_api_and_by_the_receiver(
    two_accounts: Simulator, client: TestClient, suffix: str
) -> None:
    token = {"Authorization": "Token token=acme-key"}
    assert client.get("/api/leads/filters", headers={**token, "Host": f"acme{suffix}"}).status_code == 200
    assert client.get("/api/leads/filters", headers={**token, "Host": f"globex{suffix}"}).status_code == 401

    def deliver(domain: str) -> int:
        settings = base64.b64encode(json.dumps({"domain": f"https://{domain}{suffix}"}).encode()).decode()
        headers = {"Authorization": "Basic " + base64.b64encode(b"acme-key:").decode(),
                   "X-Segment-Settings": settings}
        message = {"type": "identify", "userId": "ada@example.com", "messageId": f"m-{domain}{suffix}"}
        return client.post("/integrations/segment", json=message, headers=headers).status_code

    assert deliver("acme") == 200
    assert deliver("globex") == 401
