"""Published Freshsales client libraries, used unchanged against the simulator over real HTTP.

Only their HTTP transport is pointed at the simulator: both libraries hard-code ``https://<host>``, so
a ``requests`` transport adapter sends each request to the uvicorn server on 127.0.0.1 instead, keeping
the ``Host`` header the library meant (so the simulator's Host/subdomain check sees the real host).
That is the least invasive way in: no DNS, no TLS, no change to the libraries' code.

* ``freshsalessdk`` 0.1.3 (PyPI) calls ``requests.get`` itself, so ``requests.get`` is replaced by the
  ``get`` of a session with the adapter mounted. Its base URL is ``https://DOMAIN.freshsales.io`` and its
  paths carry no ``/api`` (``/contacts/filters``), so its base URL is pointed at the simulator's ``/api``.
* ``python-freshworks-crm`` 1.1.2 (PyPI; it installs a package named ``freshsales``) keeps a
  ``requests.Session``; the adapter is mounted on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import requests
from fs_helpers import make_account, token
from requests.adapters import HTTPAdapter

from fssim.server import ServerThread

pytestmark = pytest.mark.e2e


class SimulatorAdapter(HTTPAdapter):
    """Delivers every request to the simulator at ``base_url`` (the client's base URL, replaced);
    the rest of the path, the query, the body and the headers are untouched."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        target = urlsplit(base_url)
        self.netloc, self.prefix = target.netloc, target.path.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(("http", self.netloc, self.prefix + parts.path, parts.query, ""))
        return super().send(request, **kwargs)


@pytest.fixture
def http(live: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url) as client:
        yield client


def test_freshsalessdk_lists_views_pages_and_reads(live: ServerThread, http: httpx.Client,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from freshsalessdk import FreshsalesSDK
    from freshsalessdk import freshsalessdk as sdk_module

    headers = make_account(http, "acme")
    created = [http.post("/api/contacts", headers=headers, json={"contact": {
        "first_name": f"C{i}", "last_name": "Paged", "email": f"c{i}@example.com"}}).json()["contact"]
        for i in range(30)]
    session = requests.Session()
    session.mount("https://", SimulatorAdapter(live.base_url + "/api"))
    monkeypatch.setattr(sdk_module.requests, "get", session.get)

    sdk = FreshsalesSDK(domain="acme", api_key="acme-key")
    views = sdk.contacts.get_views()
    assert [v["name"] for v in views] == ["All Contacts", "My Contacts", "New Contacts"]
    everyone = sdk.contacts.get_all(view_id=views[0]["id"])  # two pages of 25 through meta.total_pages
    assert sorted(c["id"] for c in everyone) == sorted(c["id"] for c in created)
    one = sdk.contacts.get(created[3]["id"])
    assert one["email"] == "c3@example.com"
    assert one["owner"]["id"] == one["owner_id"]  # the SDK joined include=owner's side-loaded users
    assert [a["action_type"] for a in sdk.contacts.get_activities(created[3]["id"])] == ["create"]
    with pytest.raises(requests.HTTPError) as error:
        FreshsalesSDK(domain="acme", api_key="wrong").contacts.get_views()
    assert error.value.response.status_code == 401
    with pytest.raises(requests.HTTPError) as error:  # a key of acme sent to globex's host
        make_account(http, "globex")
        FreshsalesSDK(domain="globex", api_key="acme-key").contacts.get_views()
    assert error.value.response.status_code == 401


@pytest.fixture
def crm(live: ServerThread, http: httpx.Client) -> Any:
    api_module = pytest.importorskip("freshsales.api", reason="python-freshworks-crm is a dev extra")
    make_account(http, "initech", product="suite")
    api = api_module.API("initech.myfreshworks.com/crm/sales", "initech-key")
    api._session.mount("https://", SimulatorAdapter(live.base_url))
    return api


def test_python_freshworks_crm_creates_reads_updates_lists_upserts_and_finds(crm: Any, http: httpx.Client) -> None:
    from freshsales.errors import FreshsalesBadRequest, FreshsalesUnauthorized
    from freshsales.models import Contact

    created = crm.contacts.create_contact(first_name="Jane", last_name="Sampleton", email="jane@example.com")
    assert isinstance(created, Contact) and created.display_name == "Jane Sampleton" and created.id > 2**32
    viewed = crm.contacts.view_contact(created.id, "owner")
    assert viewed.email == "jane@example.com"
    updated = crm.contacts.update_contact(created.id, job_title="CTO")
    assert updated.job_title == "CTO" and updated.updated_at >= created.updated_at

    upserted = crm.contacts.upsert_contact(("emails", "JANE@example.com"), mobile_number="555-0100")
    assert upserted.id == created.id and upserted.mobile_number == "555-0100" and upserted.job_title == "CTO"
    new = crm.contacts.upsert_contact(("emails", "john@example.com"), first_name="John", last_name="Doe")
    assert new.id != created.id

    views = crm.contacts.list_views()
    listed = crm.contacts.list_contacts(views[0].id)
    assert sorted(c.id for c in listed) == sorted([created.id, new.id])

    found, more = crm.search.filter_contacts([
        {"attribute": "contact_email.email", "operator": "is_in", "value": "john@example.com"}])
    assert [c.id for c in found] == [new.id] and more is False
    lookup = http.get("/crm/sales/api/lookup?q=jane@example.com&f=email&entities=contact",
                      headers=token("initech-key")).json()
    assert lookup["contacts"]["contacts"][0]["id"] == created.id

    note = crm.notes.create_note(description="Met at the fair", targetable_type="Contact", targetable_id=created.id)
    assert note.description == "Met at the fair"
    assert [a["action_type"] for a in crm.contacts.list_activities(created.id)] == [
        "create", "update", "update", "note"]
    assert "emails" in [f.name for f in crm.contacts.list_fields()]
    assert crm.notes.delete_note(note.id) is True

    with pytest.raises(FreshsalesBadRequest, match="has already been taken"):
        crm.contacts.create_contact(email="jane@example.com")
    assert crm.contacts.delete_contact(new.id) is True
    crm._session.headers["Authorization"] = "Token token=wrong"
    with pytest.raises(FreshsalesUnauthorized, match="Incorrect or expired API key"):
        crm.contacts.list_views()
