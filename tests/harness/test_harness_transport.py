"""``Fssim.transport()``: code that takes an httpx transport reaches the simulator with no socket and
no patching, under the hosts the real services use."""

from __future__ import annotations

import asyncio

import httpx

from fssim.harness import Fssim

FRESHSALES = "https://acme.freshsales.io"
SEGMENT = "https://api.segment.io"
TOKEN = {"Authorization": "Token token=acme-api-key"}


def _lead_over_rest(rest: httpx.Client, email: str) -> dict[str, object]:
    found = rest.get("/api/lookup", params={"q": email, "f": "email", "entities": "lead"}, headers=TOKEN)
    assert found.status_code == 200, found.text
    (lead,) = found.json()["leads"]["leads"]
    read = rest.get(f"/api/leads/{lead['id']}", headers=TOKEN)
    assert read.status_code == 200, read.text
    return dict(read.json()["lead"])


def test_a_sync_client_tracks_flushes_and_reads_the_lead(fssim: Fssim) -> None:
    fssim.connect("acme", source="web")
    transport = fssim.transport()
    with httpx.Client(transport=transport, base_url=SEGMENT) as segment, \
            httpx.Client(transport=transport, base_url=FRESHSALES) as rest:
        sent = segment.post("/v1/identify", auth=("web-write-key", ""),
                            json={"userId": "ada@example.com", "traits": {"firstName": "Ada", "title": "Countess"}})
        assert (sent.status_code, sent.json()) == (200, {"success": True})
        # The control API answers on the same transport (any host reaches the one app).
        assert rest.post("/_sim/flush", json={}).json()["tried"] == 1

        lead = _lead_over_rest(rest, "ada@example.com")
    assert (lead["email"], lead["first_name"], lead["job_title"]) == ("ada@example.com", "Ada", "Countess")
    fssim.assert_delivery(count=1, status="delivered", code="success.200")


def test_the_rest_api_sees_the_host_and_refuses_a_bad_token(fssim: Fssim) -> None:
    fssim.connect("acme", source="web")
    with httpx.Client(transport=fssim.transport(), base_url=FRESHSALES) as rest:
        refused = rest.get("/api/leads/filters", headers={"Authorization": "Token token=wrong"})
    assert refused.status_code == 401
    assert "message" in refused.json()


def test_an_async_client_uses_the_same_transport(fssim: Fssim) -> None:
    fssim.connect("acme", source="web")

    async def run() -> dict[str, object]:
        async with httpx.AsyncClient(transport=fssim.transport(), base_url=SEGMENT) as segment:
            sent = await segment.post("/v1/track", auth=("web-write-key", ""),
                                      json={"userId": "ada@example.com", "event": "Signed Up"})
            assert sent.json() == {"success": True}
            sent = await segment.post("/v1/identify", auth=("web-write-key", ""),
                                      json={"userId": "ada@example.com", "traits": {"firstName": "Ada"}})
            assert sent.json() == {"success": True}
        async with httpx.AsyncClient(transport=fssim.transport(), base_url=FRESHSALES) as rest:
            await rest.post("/_sim/flush", json={})
            found = await rest.get("/api/lookup", params={"q": "ada@example.com", "f": "email"}, headers=TOKEN)
            return dict(found.json())

    found = asyncio.run(run())
    assert [lead["first_name"] for lead in found["leads"]["leads"]] == ["Ada"]  # type: ignore[index]
    # The track came first and matched nobody (R8: accepted, not processed); the identify made the lead.
    fssim.assert_delivery(type="track", code="success.202")


def test_the_transport_of_a_server_fixture_reaches_its_socket(fssim_server: Fssim) -> None:
    fssim_server.connect("acme", source="web")
    fssim_server.identify("grace@example.com", {"firstName": "Grace"})
    fssim_server.flush()
    with httpx.Client(transport=fssim_server.transport(), base_url=FRESHSALES) as rest:
        lead = _lead_over_rest(rest, "grace@example.com")
    assert lead["first_name"] == "Grace"
