"""One endpoint shape: every route the app serves is a row of an endpoint table, and a Refusal raised by
any handler is answered in one way (its JSON, its status)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from fssim import control, dashboard
from fssim.app import FRESHSALES_API_PREFIXES, Simulator
from fssim.control.http import ControlError
from fssim.endpoints import Endpoint, bound_to, to_routes
from fssim.freshsales import receiver
from fssim.freshsales.rest import all_endpoints
from fssim.segment import browser, tracking
from fssim.segment.tracking import TrackingError
from fssim.segment.workspace import WorkspaceError


def _served(routes: list[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    served: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount):
            served |= _served(route.routes, prefix + route.path)
        else:
            assert isinstance(route, Route), route
            served |= {(method, prefix + route.path) for method in route.methods or () if method != "HEAD"}
    return served


def test_every_route_the_app_serves_is_a_row_of_an_endpoint_table(sim: Simulator) -> None:
    rest = {(e.method, prefix + e.path) for e in all_endpoints() for prefix in FRESHSALES_API_PREFIXES}
    surfaces = (*control.ENDPOINTS, *tracking.ENDPOINTS, *browser.ENDPOINTS, *receiver.ENDPOINTS,
                *dashboard.ENDPOINTS)
    tables = {(e.method, e.path) for e in surfaces}
    openapi = {("GET", f"{prefix}/openapi.json") for prefix in FRESHSALES_API_PREFIXES}
    assert _served(sim.app.routes) == tables | rest | openapi
    for endpoint in (*control.ENDPOINTS, *tracking.ENDPOINTS, *browser.ENDPOINTS, *receiver.ENDPOINTS,
                     *dashboard.ENDPOINTS, *all_endpoints()):
        assert endpoint.summary and endpoint.tag and endpoint.handler.__name__ != "<lambda>", endpoint


def test_a_refusal_from_any_handler_is_answered_with_its_own_json_and_status() -> None:
    async def refuse(refusal: Exception, request: Request) -> JSONResponse:
        raise refusal

    table = [
        Endpoint("POST", "/control", refuse, "a control refusal", "test"),
    ]
    cases = [
        (ControlError(409, "taken"), 409, {"message": "taken"}),
        (WorkspaceError(404, "no such source"), 404, {"message": "no such source"}),
        (TrackingError(400, "invalid_json", "Invalid JSON"), 400,
         {"success": False, "code": "invalid_json", "message": "Invalid JSON"}),
    ]
    for refusal, status, body in cases:
        client = TestClient(Starlette(routes=to_routes(table, bound_to(refusal))))
        answer = client.post("/control")
        assert (answer.status_code, answer.json()) == (status, body)


def test_control_endpoints_keep_their_paths_and_methods() -> None:
    """The list DESIGN §3 promises, as the control tables now declare it."""
    declared = {(e.method, e.path) for e in control.ENDPOINTS}
    assert {
        ("GET", "/_sim/health"), ("POST", "/_sim/reset"), ("GET", "/_sim/state"),
        ("POST", "/_sim/accounts"), ("POST", "/_sim/accounts/{subdomain}/segment/enable"),
        ("POST", "/_sim/accounts/{subdomain}/segment/disable"), ("POST", "/_sim/sources"),
        ("POST", "/_sim/sources/{name}/destinations"), ("GET", "/_sim/events"), ("GET", "/_sim/deliveries"),
        ("POST", "/_sim/flush"), ("POST", "/_sim/clock/advance"), ("POST", "/_sim/accounts/{subdomain}/failures"),
    } <= declared
    assert ("PUT", "/_sim/accounts/{subdomain}/plan") in declared  # POST or PUT, as before
