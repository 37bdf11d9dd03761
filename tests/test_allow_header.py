"""Every 405 carries an ``Allow`` header naming every method the path answers (RFC 9110 §15.5.6).

Found by Schemathesis as a defect: 15 kinds of 405 had no ``Allow``, because the app's JSON error
handler dropped the header and Starlette named only the first of the one-method routes for a path."""

from __future__ import annotations

import re

import httpx
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from fssim.app import Simulator

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "7", path)


def _served(sim: Simulator) -> dict[str, set[str]]:
    """Concrete path -> the methods the route table serves there."""
    served: dict[str, set[str]] = {}

    def walk(routes: list, prefix: str) -> None:  # type: ignore[type-arg]
        for route in routes:
            if isinstance(route, Mount):
                walk(route.routes, prefix + route.path)
            elif isinstance(route, Route):
                served.setdefault(_concrete(prefix + route.path), set()).update(route.methods or ())

    walk(sim.app.routes, "")
    return served


def test_every_405_names_every_method_of_its_path(sim: Simulator, client: TestClient) -> None:
    checked = 0
    for path, methods in _served(sim).items():
        for method in METHODS:
            if method in methods:
                continue
            response = client.request(method, path)
            assert response.status_code == 405, (method, path, response.status_code)
            assert response.headers.get("content-type", "").startswith("application/json")
            allow = {m.strip() for m in response.headers["Allow"].split(",")}
            assert allow == methods, (method, path)
            checked += 1
    assert checked > 50


def test_a_405_over_real_http_has_allow_and_keeps_the_shape_of_its_surface(live: object) -> None:
    base_url = live.base_url  # type: ignore[attr-defined]
    rest = httpx.patch(f"{base_url}/api/leads/5")
    assert rest.status_code == 405 and set(rest.headers["Allow"].split(", ")) == {"GET", "HEAD", "PUT", "DELETE"}
    # Freshsales' own error shape under the REST prefixes (docs/freshsales.md), naming what is allowed.
    assert rest.json() == {"errors": {"code": 405, "message": [
        "Method PATCH is not allowed on /api/leads/5; allowed: DELETE, GET, HEAD, PUT"]}, "error_code": 405}
    control = httpx.get(f"{base_url}/_sim/reset")
    assert control.status_code == 405 and control.headers["Allow"] == "POST"
    assert control.json()["message"].startswith("Method Not Allowed")
