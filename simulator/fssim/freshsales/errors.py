"""What can go wrong in the fake Freshsales, as exceptions the REST layer turns into real error bodies.

The domain raises these (never HTTP responses) so the Segment receiver and the REST API report the same
problem the same way: ``status`` is the HTTP status the real API answers with, ``messages`` the list
that goes into ``{"errors": {"code": status, "message": [...]}}`` (reference §4).
"""

from __future__ import annotations

from fssim.errors import FssimError

__all__ = [
    "AccessDeniedError",
    "FreshsalesError",
    "ModuleUnavailableError",
    "NotFoundError",
    "ValidationError",
]


class FreshsalesError(FssimError):
    status = 500

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages: list[str] = list(messages)


class ValidationError(FreshsalesError):
    """400: the request names each problem (missing fields, wrong types, duplicate email, bad JSON)."""

    status = 400


class NotFoundError(FreshsalesError):
    """404: no such record in this account (other accounts' records are invisible, never 403)."""

    status = 404


class ModuleUnavailableError(NotFoundError):
    """404: the leads module on a Freshsales Suite account (Suite has contacts only)."""


class AccessDeniedError(FreshsalesError):
    """403: the account may not do this (Sprout has no REST API access)."""

    status = 403
