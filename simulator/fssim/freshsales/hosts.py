"""The host names of Freshsales accounts (``acme.freshsales.io``…): the one list, and reading them.

Two places name an account by host: the REST API's ``Host`` header (a key of one account used on
another account's host is refused) and the Segment destination's subdomain setting, which people fill
with ``acme``, ``acme.myfreshworks.com`` or a whole URL (reference/segment.md §4.1). Both read it here,
so a host family added once is understood by both.
"""

from __future__ import annotations

import re

__all__ = ["HOST_SUFFIXES", "subdomain_of_host", "subdomain_of_setting"]

# Classic accounts live under freshsales.io, Suite ones under myfreshworks.com; the Suite docs also
# show freshworks.com URLs (reference/freshsales-api.md §1.1).
HOST_SUFFIXES = (".freshsales.io", ".myfreshworks.com", ".freshworks.com")

_ACCOUNT_HOST = re.compile(
    r"([a-z0-9-]+)(?:" + "|".join(re.escape(suffix) for suffix in HOST_SUFFIXES) + r")", re.ASCII
)


def subdomain_of_host(host: str | None) -> str | None:
    """The account a host names (``ACME.freshsales.io:443`` → ``acme``), or ``None`` for any other host
    (``127.0.0.1``, ``localhost``, a test's own name), which names no account and is fine."""
    name = (host or "").split(":")[0].strip().lower().rstrip(".")
    match = _ACCOUNT_HOST.fullmatch(name)
    return match.group(1) if match else None


def subdomain_of_setting(value: str) -> str:
    """The subdomain a destination setting names: ``acme``, ``acme.freshsales.io`` and
    ``https://acme.myfreshworks.com/crm`` all name ``acme``. Anything else is returned as written
    (lower case), so a mismatch says what the setting held."""
    host = value.strip().lower().removeprefix("https://").removeprefix("http://").split("/")[0]
    return subdomain_of_host(host) or host
