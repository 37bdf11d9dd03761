"""The root of every error fssim raises on purpose: ``except fssim.FssimError`` catches them all.

Errors that callers may already catch as a builtin keep that builtin as a second base ("also ..."
below), so ``except ValueError`` around ``accounts.create`` or ``except ConnectionRefusedError`` around
an intercepted call still works. Anything else that escapes fssim is a bug of ours.

The tree (class, its module; who raises it; what it becomes where it is rendered). A test checks that
every exception class defined in fssim is listed here, under its real parent::

    - FssimError (fssim.errors): the root; never raised itself.
        - Refusal (fssim.errors): a request refused with an HTTP ``status_code`` and a ``message``; never
          raised itself. Rendered in one place, by the routes :func:`fssim.endpoints.to_routes` makes:
          ``refusal.to_json()`` with ``refusal.status_code``.
            - ControlError (fssim.control.http): a control endpoint (``/_sim/...``) refusing a request:
              400 bad body or field, 404 unknown account, 409 taken; ``{"message": ...}``.
            - WorkspaceError (fssim.segment.workspace): Segment's workspace refusing a source or a
              destination (also through the R2 hand-over): 400 invalid, 404 no such source, 409 taken;
              ``{"message": ...}`` at ``/_sim/sources...``; the toggle's enable answers its status too.
            - TrackingError (fssim.segment.tracking): the Tracking API's edge (``/v1/...``): 400 for an
              unreadable, oversized or keyless body, 401 for an unknown write key in strict mode;
              ``{"success": false, "code": ..., "message": ...}``.
            - DashboardError (fssim.dashboard.web): a dashboard page or action refusing a request: 403
              cross-site or bad CSRF token, 400 bad form, 404 unknown account or record, 413, 415; an
              HTML page naming the problem (people read it), rendered by the dashboard's routes.
        - FreshsalesError (fssim.freshsales.errors): the fake Freshsales' domain; the REST gate
          (``rest/auth.guarded``) renders ``{"errors": {"code": status, "message": [...]}}``.
            - ValidationError (fssim.freshsales.errors): a bad field, type, duplicate email or body: 400.
            - NotFoundError (fssim.freshsales.errors): no such record in this account: 404.
                - ModuleUnavailableError (fssim.freshsales.errors): leads on a Suite account: 404.
            - AccessDeniedError (fssim.freshsales.errors): the plan or account may not do this: 403.
        - AccountExistsError (fssim.freshsales.accounts; also ValueError): a subdomain or API key another
          account has (``Accounts.create``, ``add_api_key``); the control API answers 409.
        - UnknownAccountError (fssim.freshsales.accounts; also KeyError): ``Accounts.require`` of a
          subdomain no account has; the control API checks first and answers 404.
        - CRMConflict (fssim.integration.crm): the CRM refusing a create or update (an email already
          taken, a value it does not accept); the rules answer the delivery 400.
        - NotJSON (fssim.strictjson; also ValueError): a body that is not strict JSON; 400 on every
          surface, in that surface's error shape.
        - BodyTooLarge (fssim.guard): a request body read past its surface's limit; raised from
          ``receive`` while the route reads, answered by the edge guard: 413 (400 ``payload_too_large``
          on ``/v1``, Segment's answer), in that surface's error shape.
        - SourceError (fssim.yaml_source): a malformed scenario file, at ``file:line:column``; reported
          by ``fssim scenario run`` (no HTTP).
        - HarnessError (fssim.harness; also AssertionError): the simulator refused a harness set-up
          step; the test fails with the simulator's answer (no HTTP).
        - InterceptRefused (fssim.interception; also ConnectionRefusedError): a call to a host outside
          the simulator under ``intercept(refuse_others=True)`` (no HTTP answer: the call fails).
        - ForcedDisconnect (fssim.freshsales.fault_answers; also RemoteProtocolError): a forced dropped
          connection (``POST /_sim/accounts/{subdomain}/failures`` ``{"kind": "reset"}``) met in process,
          where there is no socket to drop; it is the error the caller's httpx client would raise, and
          Segment's delivery records it as ``ECONNRESET`` (under uvicorn the socket is dropped instead).
        - ForcedTimeout (fssim.freshsales.fault_answers; also ReadTimeout): a forced time-out met in
          process; the caller's httpx client sees its own ``ReadTimeout``, Segment records ``ETIMEDOUT``
          (under uvicorn the answer is held instead).
        - _Invalid (fssim.freshsales.fields): private; a custom-field value its type refuses, collected
          into a ValidationError (400).
        - _StepFailed (fssim.scenario): private; a scenario step failed, reported as the scenario's
          failure at its place in the file.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FssimError", "Refusal"]


class FssimError(Exception):
    """Something fssim refused or could not do, with a message a user can act on."""


class Refusal(FssimError):
    """A request refused with an HTTP status and a message: one shape, so one function renders them all.

    ``integration`` and the domain may raise it too: it knows the status to answer, not HTTP itself.
    """

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message

    def to_json(self) -> dict[str, Any]:
        """The answer's body; subclasses whose clients expect more (Segment's ``code``) extend it."""
        return {"message": self.message}
