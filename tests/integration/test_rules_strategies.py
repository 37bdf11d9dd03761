"""The public strategies draw what they promise: Spec-valid messages shaped like the Python SDK's."""

from __future__ import annotations

from typing import Any

from hypothesis import find, given
from hypothesis import strategies as st

from fssim import strategies as fs
from fssim.integration import is_email, is_fs_contact
from fssim.segment.spec import validate

# The keys the Python SDK writes per message type (reference/segment.md §3.4).
SDK_KEYS = {"integrations", "anonymousId", "timestamp", "context", "type", "userId", "messageId"}
TYPE_KEYS = {"identify": {"traits"}, "track": {"event", "properties"}, "page": {"properties", "category", "name"},
             "screen": {"properties", "category", "name"}, "group": {"groupId", "traits"}, "alias": {"previousId"}}
SEGMENT_ADDS = {"originalTimestamp", "sentAt", "receivedAt", "version"}


@given(fs.segment_messages())
def test_every_drawn_message_passes_segments_own_spec_validation(message: dict[str, Any]) -> None:
    assert validate(message) is None
    assert set(message) == SDK_KEYS | TYPE_KEYS[message["type"]] | SEGMENT_ADDS


@given(fs.identify_messages())
def test_identify_with_a_database_id_always_carries_traits_email(message: dict[str, Any]) -> None:
    if not is_email(message["userId"]):
        assert is_email(message["traits"]["email"])


@given(st.data(), fs.emails())
def test_email_variants_are_the_same_address(data: st.DataObject, email: str) -> None:
    variant = data.draw(fs.email_variants(email))
    assert variant.strip().lower() == email.lower()


@given(fs.db_ids())
def test_db_ids_never_look_like_emails(db_id: str) -> None:
    assert not is_email(db_id)


@given(fs.traits(fs_contact=True))
def test_forced_fs_contact_flag_is_truthy(traits: dict[str, Any]) -> None:
    assert is_fs_contact(traits)


def test_default_messages_carry_emails_in_mixed_case_and_database_ids() -> None:
    mixed = find(fs.supported_messages(), lambda m: is_email(str(m["userId"])) and m["userId"] != m["userId"].lower())
    assert mixed["userId"].lower() != mixed["userId"]
    database = find(fs.identify_messages(), lambda m: not is_email(m["userId"]))
    assert is_email(database["traits"]["email"])
