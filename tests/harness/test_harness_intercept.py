"""Interception: clients with hard-coded hosts reach the in-process simulator unchanged.

The Segment Python SDK (``segment-analytics-python``, default host ``https://api.segment.io``) and a
published Freshsales client (``python-freshworks-crm``, which builds ``https://<bundle alias>/api/...``)
run with no configuration of where to send their HTTP. Other hosts are left alone, or refused on
request; leaving the block puts everything back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import requests
import requests.adapters
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fssim.app import Simulator, SimulatorConfig
from fssim.harness import Fssim
from fssim.interception import InterceptRefused, intercept
from fssim.server import ServerThread


@pytest.fixture(scope="module")
def foreign_server() -> Iterator[str]:
    """A server that is *not* the simulator, to prove other hosts are left alone."""

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"served_by": "foreign", "path": request.url.path})

    with ServerThread(Starlette(routes=[Route("/{path:path}", echo)])) as server:
        yield server.base_url


@pytest.mark.parametrize(("sync_mode", "gzip"), [(True, False), (False, True)])
def test_segment_sdk_with_its_default_host_delivers_to_freshsales(fssim: Fssim, sync_mode: bool, gzip: bool) -> None:
    from segment.analytics import Client

    fssim.connect("acme", source="web")
    errors: list[Exception] = []
    client = Client("web-write-key", sync_mode=sync_mode, gzip=gzip, on_error=lambda e, batch: errors.append(e))
    assert client.host is None  # nothing points it anywhere: it uses https://api.segment.io
    with fssim.intercept(refuse_others=True):
        client.identify("ada@example.com", {"firstName": "Ada", "title": "Countess"})
        # The fixture's clock is frozen and Segment corrects timestamps against receivedAt, so two
        # sync-mode calls at one simulated instant would be ordered by network jitter: let time pass.
        fssim.advance(1)
        client.track("ada@example.com", "Trial Started", {"plan": "pro"})
        client.flush()
    if not sync_mode:
        client.join()  # stop the SDK's consumer thread
    assert errors == []
    fssim.flush()
    fssim.assert_lead("ada@example.com", first_name="Ada", job_title="Countess")
    fssim.assert_timeline("ada@example.com", [{"action_type": "create"},
                                              {"action_type": "event", "action_data": {"name": "Trial Started"}}])
    fssim.assert_event(count=2, status="accepted", source="web")


def test_published_freshsales_client_with_hard_coded_https_reads_what_segment_wrote(fssim: Fssim) -> None:
    from freshsales.api import API

    fssim.connect("initech", source="web", product="suite")
    fssim.identify("jane@example.com", {"firstName": "Jane", "lastName": "Sampleton"})
    fssim.page("jane@example.com", "Pricing", {"url": "https://initech.example/pricing"})
    fssim.flush()
    crm = API("initech.myfreshworks.com/crm/sales", "initech-api-key")  # unchanged: https, real host
    with fssim.intercept(refuse_others=True):
        contact_id = fssim.contact("jane@example.com")["id"]  # type: ignore[index]
        viewed = crm.contacts.view_contact(contact_id)
        activities = crm.contacts.list_activities(contact_id)
        created = crm.contacts.create_contact(first_name="Bill", last_name="Lumbergh", email="bill@example.com")
    assert viewed.email == "jane@example.com" and viewed.display_name == "Jane Sampleton"
    assert [a["action_type"] for a in activities][:2] == ["create", "page_view"]
    fssim.assert_contact("bill@example.com", first_name="Bill", id=created.id)


def test_other_hosts_are_left_alone(fssim: Fssim, foreign_server: str) -> None:
    fssim.account("acme")
    with fssim.intercept():
        assert requests.get(f"{foreign_server}/hello").json() == {"served_by": "foreign", "path": "/hello"}
        assert httpx.get(f"{foreign_server}/hi").json()["served_by"] == "foreign"
        simulated = requests.get("https://acme.freshsales.io/api/leads/filters",
                                 headers={"Authorization": "Token token=acme-api-key"})
    assert simulated.status_code == 200 and "filters" in simulated.json()


def test_other_hosts_can_be_refused_with_a_clear_error(fssim: Fssim, foreign_server: str) -> None:
    with fssim.intercept(refuse_others=True), pytest.raises(InterceptRefused) as refused:
        requests.get(f"{foreign_server}/hello")
    message = str(refused.value)
    assert "127.0.0.1 is not a simulated host" in message
    assert "api.segment.io, *.freshsales.io, *.myfreshworks.com" in message
    assert "allow_hosts=['127.0.0.1']" in message
    with fssim.intercept(refuse_others=True, allow_hosts=["127.0.0.1"]):
        assert requests.get(f"{foreign_server}/ok").json()["served_by"] == "foreign"


def test_async_httpx_is_intercepted(fssim: Fssim) -> None:
    fssim.connect("acme", source="server", kind="server")

    async def send() -> dict[str, object]:
        async with httpx.AsyncClient() as client:
            answer = await client.post("https://api.segment.io/v1/batch", auth=("server-write-key", ""),
                                       json={"batch": [{"type": "identify", "userId": "ada@example.com",
                                                        "traits": {"firstName": "Ada"}}]})
            return dict(answer.json())

    with fssim.intercept(refuse_others=True):
        assert asyncio.run(send()) == {"success": True}
    fssim.flush()
    fssim.assert_lead("ada@example.com", first_name="Ada")


def test_leaving_the_block_restores_everything_even_after_an_error(fssim: Fssim) -> None:
    originals = (requests.adapters.HTTPAdapter.send, httpx.HTTPTransport.handle_request,
                 httpx.AsyncHTTPTransport.handle_async_request)
    with pytest.raises(RuntimeError, match="boom"), fssim.intercept():
        with fssim.intercept(refuse_others=True):  # nested blocks: the innermost decides
            assert requests.adapters.HTTPAdapter.send is not originals[0]
        raise RuntimeError("boom")
    assert (requests.adapters.HTTPAdapter.send, httpx.HTTPTransport.handle_request,
            httpx.AsyncHTTPTransport.handle_async_request) == originals


def test_intercept_takes_a_simulator_object_directly() -> None:
    sim = Simulator(SimulatorConfig(frozen_clock=True))
    try:
        with intercept(sim, refuse_others=True):
            created = requests.post("https://api.segment.io/v1/track", auth=("unknown-key", ""),
                                    json={"userId": "ada@example.com", "event": "Signed Up"})
        assert created.json() == {"success": True}  # the edge never checks write keys
        assert [e["code"] for e in sim.segment.event_log({})] == ["invalid_write_key"]
        with sim.intercept(refuse_others=True):  # the same, as a method of the Simulator
            health = httpx.get("https://acme.freshsales.io/_sim/health")
        assert health.json()["status"] == "ok"
    finally:
        sim.close()
