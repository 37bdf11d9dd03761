"""One rule, one place: the Segment receiver's rules and the Freshsales REST API read a value the same way.

What counts as an email used to have a definition on each side, and the two had drifted apart
(``"ada@example.com."`` was an email to the REST API, a database id to R4/R6). It now has one home,
:mod:`fssim.integration.emails`. The examples
go through the public surfaces (a REST create, a receiver identify); the properties hold the two paths
to the same answer for any input, drawn close to the boundaries.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fs_world import World
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from fssim import strategies as fs
from fssim.app import Simulator
from fssim.freshsales.fields import normalize_write
from fssim.integration import is_email, normalize_email

# -- emails ---------------------------------------------------------------------------------------------

# Characters where email checks go wrong: separators, every kind of space, letters beyond ASCII.
_TRICKY = "@.. \t\n\u00a0\u2003\u200bé\u00dfΩ_+-"


@st.composite
def near_emails(draw: st.DrawFn) -> str:
    """Strings at the edge of being an email: real ones, bent (a dot, a space or an "@" added or moved)."""
    email = draw(fs.emails())
    bends = st.sampled_from([".", "..", " ", "@", "@x", "\u00a0", "é", "\t", ".x", ""])
    where = draw(st.sampled_from(["end", "start", "at", "dot"]))
    bend = draw(bends)
    if where == "end":
        return email + bend
    if where == "start":
        return bend + email
    if where == "at":
        return email.replace("@", draw(st.sampled_from(["@", "@@", "@.", ".@", " @", "@ "])) + bend, 1)
    local, _, domain = email.partition("@")
    return f"{local}@{domain.replace('.', draw(st.sampled_from(['..', '.', '', '. ', '.@'])), 1)}"


def any_email_like() -> st.SearchStrategy[str]:
    return st.one_of(near_emails(), fs.email_variants("ada@example.com"), st.text(alphabet=_TRICKY + "ab", max_size=12),
                     st.text(max_size=20))


@pytest.mark.parametrize(
    ("text", "email"),
    [("ada@example.com", True), ("  Ada@Example.COM\n", True), ("ada+tag@mail.example.co.uk", True),
     ("josé@exämple.com", True), ("ada@example.com.", False), ("ada@example..com", False),
     ("ada@.example.com", False), ("ada@localhost", False), ("ada@@example.com", False),
     ("@example.com", False), ("ada@", False), ("ada lovelace@example.com", False),
     ("ada@exam ple.com", False), ("usr_123", False), ("", False)],
)
def test_what_counts_as_an_email(text: str, email: bool) -> None:
    assert is_email(text) is email


def test_emails_compare_trimmed_and_case_insensitive() -> None:
    assert normalize_email("  Ada@Example.COM\t") == normalize_email("ada@example.com") == "ada@example.com"


def _rest_takes_email(text: str) -> bool:
    """Whether the REST API's write check (the one every create and update runs) accepts ``text``."""
    return not normalize_write("lead", {"email": text}, {}).problems


def _rules_take_email(world: World, text: str) -> bool:
    """Whether the rules treat ``text`` as an email userId (R4), not as a database id (R6)."""
    outcome = world.apply({"type": "identify", "userId": text, "messageId": "m-1", "traits": {}})
    assert outcome.rule in ("R4", "R6"), outcome
    if outcome.rule == "R4":
        assert outcome.status == 200, f"the rules took {text!r} as an email and the store refused it: {outcome}"
    return outcome.rule == "R4"


@given(any_email_like().filter(lambda text: text.strip() != ""))
@example("ada@example.com.")
@example("ada@example..com")
@example("ada@localhost")
def test_the_rest_api_and_the_rules_classify_any_string_alike(new_world: Callable[[], World], text: str) -> None:
    rest = _rest_takes_email(text)
    assert rest is is_email(text)
    assert _rules_take_email(new_world(), text) is rest


@pytest.mark.parametrize(("email", "taken"), [("ada@example.com", True), ("ada@example.com.", False)])
def test_an_email_means_the_same_to_a_rest_create_and_a_receiver_identify(
    acme: Simulator, client: TestClient, email: str, taken: bool
) -> None:
    acme.freshsales.accounts.set_segment_toggle("acme", True, source="web", via="test")
    created = client.post("/api/leads", headers={"Authorization": "Token token=acme-key-0001"},
                          json={"lead": {"last_name": "Lovelace", "email": email}})
    identified = client.post("/integrations/segment", headers=_basic("acme-key-0001"),
                             json={"type": "identify", "userId": email, "messageId": "m-1"})
    if taken:
        assert created.status_code == 201
        assert (identified.status_code, identified.json()["result"]) == (200, "updated")
        assert identified.json()["record"] == {"type": "lead", "id": created.json()["lead"]["id"]}
    else:
        assert created.status_code == 400
        assert created.json()["errors"]["message"] == [f"Email {email} is invalid"]
        assert (identified.status_code, identified.json()["field"]) == (400, "traits.email"), \
            "a userId that is no email is a database id (R6), which needs traits.email"


def _basic(key: str) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
