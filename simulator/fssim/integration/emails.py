"""What counts as an email, and how two emails are compared: the one home of both rules.

The rules (R4/R6: is this ``userId`` an email or a database key?) and Freshsales' own write checks
(``Email X is invalid``) both ask :func:`is_email`, and every look-up, index and duplicate check keys
emails by :func:`normalize_email`. Two definitions had drifted apart before (``"ada@example.com."`` was
an email to the REST API and a database id to the rules); one function each keeps them together.

Simulator policy (docs/rules.md R4, docs/freshsales.md "Emails"): after trimming, an email is one ``@``
with something before it, and a domain of at least two dot-separated labels, none empty, with no
whitespace anywhere. So a trailing dot (``ada@example.com.``), a doubled dot (``ada@example..com``) or a
domain without a dot (``ada@localhost``) is not an email. Deliberately no stricter than that:
Freshsales validates emails loosely, and the question the rules ask is only "email or database key?".
"""

from __future__ import annotations

import re

__all__ = ["is_email", "normalize_email"]

# local part: no "@", no whitespace; domain: labels of no "@", ".", whitespace, joined by single dots.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def is_email(value: str) -> bool:
    """Whether ``value``, trimmed, is an email address (the simulator's policy above)."""
    return _EMAIL.fullmatch(value.strip()) is not None


def normalize_email(value: str) -> str:
    """The key two emails are compared by (R4, the store's email index): trimmed and lower-cased."""
    return value.strip().lower()
