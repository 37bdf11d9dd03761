"""The OpenAPI document describes every REST route the app serves."""

from __future__ import annotations

from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from fssim.app import Simulator
from fssim.freshsales.rest.openapi import openapi_path


def test_every_rest_route_is_in_the_openapi_document(sim: Simulator, client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    mounted = [route for route in sim.app.routes if isinstance(route, Mount) and route.path in ("/api",
                                                                                                 "/crm/sales/api")]
    assert len(mounted) == 2
    served = set()
    for mount in mounted:
        for route in mount.routes:
            assert isinstance(route, Route)
            if route.path == "/openapi.json":
                continue
            for method in route.methods or ():
                if method != "HEAD":
                    served.add((openapi_path(route.path), method.lower()))
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert served == documented
    for path, method in served:
        operation = document["paths"][path][method]
        assert operation["summary"] and operation["responses"]["401"]
        assert any(code.startswith("2") for code in operation["responses"]), (path, method)
    assert client.get("/crm/sales/api/openapi.json").json() == document
