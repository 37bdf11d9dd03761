"""What every dashboard page and action needs: templates, the CSRF guard, form reading, key masking and
HTML error pages.

The dashboard is a local control plane for a person with a browser, so each state-changing action is a
POST that must come from one of its own forms: every form carries a token derived from a per-run secret
and the form's action path (another site cannot read our pages, so it cannot learn the token), and a
request whose ``Origin`` or ``Sec-Fetch-Site`` says it came from another site is refused outright.
Everything shown is escaped by Jinja2's autoescape; keys are masked before they reach a template.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from fssim.endpoints import Endpoint, Responder
from fssim.errors import Refusal

if TYPE_CHECKING:
    from fssim.app import Simulator

__all__ = [
    "MAX_FORM_BYTES",
    "Dashboard",
    "DashboardEndpoint",
    "DashboardError",
    "DashboardHandler",
    "bind",
    "mask",
    "redirect",
]

MAX_FORM_BYTES = 64 * 1024  # a dashboard form is a few fields; a test message's traits fit easily
TEMPLATES = Path(__file__).parent / "templates"


class DashboardError(Refusal):
    """A dashboard request refused: an HTML page naming the problem, with ``status_code`` (403 for a
    cross-site POST or a bad CSRF token, 400 for a bad form, 404 for an unknown account or record)."""


def mask(key: str | None) -> str:
    """A key shown by its last 4 characters only (all hidden when it is that short)."""
    if not key:
        return ""
    return "••••" + key[-4:] if len(key) > 4 else "••••"


class Dashboard:
    """The context every dashboard handler gets: the simulator, the templates and the CSRF secret."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        # One secret per run: tokens from an earlier run (or another simulator) are worthless.
        self._secret = secrets.token_bytes(32)
        self.templates = Jinja2Templates(directory=str(TEMPLATES))
        self.templates.env.globals.update(csrf=self.token, mask=mask)

    # -- CSRF -------------------------------------------------------------------------------------------

    def token(self, action: str) -> str:
        """The token a form posting to ``action`` carries."""
        return hmac.new(self._secret, action.encode(), hashlib.sha256).hexdigest()

    async def form(self, request: Request) -> dict[str, str]:
        """The posted form, once the request is shown to come from this dashboard's own page."""
        self._same_origin(request)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise DashboardError(415, "dashboard actions take an HTML form (application/x-www-form-urlencoded)")
        raw = bytearray()
        async for chunk in request.stream():  # the size is enforced while reading, not after
            raw += chunk
            if len(raw) > MAX_FORM_BYTES:
                raise DashboardError(413, f"the form is larger than {MAX_FORM_BYTES} bytes")
        try:
            fields = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError as error:
            raise DashboardError(400, "the form is not UTF-8") from error
        given = fields.pop("csrf", "")
        if not hmac.compare_digest(given, self.token(request.url.path)):
            raise DashboardError(403, "this form's CSRF token is missing or wrong: reload the page and try "
                                      "again (a page of another site cannot act on fssim)")
        return fields

    @staticmethod
    def _same_origin(request: Request) -> None:
        site = request.headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            raise DashboardError(403, f"cross-site request refused (Sec-Fetch-Site: {site}): dashboard actions "
                                      "are taken from the dashboard's own pages only")
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin is not None and origin != own:
            raise DashboardError(403, f"cross-origin request refused (Origin: {origin}): dashboard actions "
                                      "are taken from the dashboard's own pages only")

    # -- answers ----------------------------------------------------------------------------------------

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("nav_accounts", [a.subdomain for a in self.sim.freshsales.accounts.all()])
        return self.templates.TemplateResponse(
            request, template, {"note": request.query_params.get("note"), **context},
            status_code=status, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                         "Content-Security-Policy": _CSP, "Referrer-Policy": "same-origin"})

    def error(self, request: Request, refusal: Refusal) -> HTMLResponse:
        # No account names in the navigation: an error page may be all a refused caller gets to see.
        return self.page(request, "error.html", status=refusal.status_code, status_code=refusal.status_code,
                         message=refusal.message, nav_accounts=[])


# Our own files only: no inline script, no other origin, no framing (clickjacking the toggle).
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def redirect(path: str, note: str | None = None, **query: str) -> RedirectResponse:
    """303 after a POST, to a page of ours (``path`` is always built here, never taken from the form)."""
    params: Mapping[str, str] = {**{k: v for k, v in query.items() if v}, **({"note": note} if note else {})}
    return RedirectResponse(path + ("?" + urlencode(params) if params else ""), status_code=303)


DashboardHandler = Callable[[Dashboard, Request], Awaitable[Response]]
DashboardEndpoint = Endpoint[DashboardHandler]


def bind(dashboard: Dashboard) -> Callable[[DashboardHandler], Responder]:
    """Bind handlers to ``dashboard``; a refusal becomes an HTML page (people read these, not programs)."""

    def bound(handler: DashboardHandler) -> Responder:
        async def endpoint(request: Request) -> Response:
            try:
                # The Host (DNS rebinding) and cross-site checks are fssim.guard's, in front of every page.
                return await handler(dashboard, request)
            except Refusal as refusal:
                return dashboard.error(request, refusal)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return bound
