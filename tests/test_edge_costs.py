"""What the edge guard does per request (issue 12: REST server CPU). Counted, not timed."""

from __future__ import annotations

from fssim.guard import _REST_PREFIXES, _header, limit_of


class _Name(bytes):
    """A header name that counts how often it is lowered."""

    lowered = 0

    def lower(self) -> bytes:
        _Name.lowered += 1
        return bytes(self).lower()


def test_a_header_is_found_lowering_only_names_of_its_length() -> None:
    names = [b"host", b"accept", b"accept-encoding", b"connection", b"user-agent", b"authorization", b"Content-Length"]
    scope = {"headers": [(_Name(name), b"12") for name in names]}
    _Name.lowered = 0
    assert _header(scope, b"content-length") == "12"
    assert _Name.lowered == 1  # before: every header's name, seven
    _Name.lowered = 0
    assert _header(scope, b"transfer-encoding") is None and _Name.lowered == 0


def test_every_rest_path_has_the_rest_limit_and_no_other_surface_does() -> None:
    for path in ("/api", "/crm/sales/api", *(prefix + "leads/5" for prefix in _REST_PREFIXES)):
        assert limit_of(path).surface == "rest"
    for path in ("/v1/batch", "/v1/track", "/v1", "/integrations/segment", "/_sim/state", "/apis/x", "/"):
        assert limit_of(path).surface != "rest"
