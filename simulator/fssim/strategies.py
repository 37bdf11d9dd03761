"""Hypothesis strategies for Segment messages, public so that users can property-test their own code.

Messages are shaped as Segment delivers them to a destination: the keys the Python SDK writes
(reference/segment.md §3.4: ``integrations, anonymousId, timestamp, context, type, userId, …, messageId``,
``None`` kept as ``null``) plus what Segment adds on the way (``receivedAt``, ``sentAt``,
``originalTimestamp``, ``version``).

    from hypothesis import given
    from fssim import strategies as fs

    @given(fs.identify_messages(user_id=fs.emails()))
    def test_my_pipeline(message): ...

Valid: :func:`identify_messages`, :func:`page_messages`, :func:`track_messages`, :func:`screen_messages`,
:func:`group_messages`, :func:`alias_messages`, :func:`segment_messages` (any of the six).
Invalid: :func:`invalid_messages` draws ``(message, field)`` where ``field`` is the one thing wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "address_traits",
    "alias_messages",
    "company_traits",
    "db_ids",
    "email_variants",
    "emails",
    "fs_contact_flags",
    "group_messages",
    "identify_messages",
    "invalid_messages",
    "iso_times",
    "message_ids",
    "page_messages",
    "screen_messages",
    "segment_messages",
    "supported_messages",
    "track_messages",
    "traits",
]

_LIBRARIES = [
    {"name": "analytics-python", "version": "2.4.0"},
    {"name": "analytics.js", "version": "2.11.1"},
    {"name": "analytics-ios", "version": "4.1.8"},
]

# Letters from several scripts, so names and event properties exercise unicode end to end.
_names = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Lo"), max_codepoint=0x30FF),
    min_size=1,
    max_size=12,
)
_words = st.sampled_from(["Ada", "Grace", "José", "Zoë", "Łukasz", "Søren", "Nguyễn", "李", "Ana María", "O'Neil"])
_domains = st.sampled_from(["example.com", "Acme.io", "mail.example.org", "ÉCOLE.fr", "shop.co.uk"])


@st.composite
def emails(draw: st.DrawFn) -> str:
    """Realistic, distinct-looking emails (lower case; use :func:`email_variants` for mixed case)."""
    local = draw(st.from_regex(r"[a-z][a-z0-9]{0,8}([._+-][a-z0-9]{1,6})?", fullmatch=True))
    return f"{local}@{draw(_domains).lower()}"


@st.composite
def _mixed_case(draw: st.DrawFn, email: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(email), max_size=len(email)))
    return "".join(ch.upper() if flip else ch for ch, flip in zip(email, flips, strict=True))


@st.composite
def email_variants(draw: st.DrawFn, email: str) -> str:
    """The same address as a user might type it: any letter's case flipped, spaces around it (R4)."""
    pad = draw(st.sampled_from(["", " ", "  ", "\t"]))
    return pad + draw(_mixed_case(email)) + draw(st.sampled_from(["", " ", "\n"]))


def db_ids() -> st.SearchStrategy[str]:
    """Database keys used as userId (R6): integers, UUIDs, prefixed keys — never an email."""
    return st.one_of(
        st.integers(min_value=1, max_value=10**12).map(str),
        st.uuids().map(str),
        st.from_regex(r"(usr|cus|acct)_[A-Za-z0-9]{6,14}", fullmatch=True),
    )


def message_ids() -> st.SearchStrategy[str]:
    return st.one_of(st.uuids().map(str), st.uuids().map(lambda u: f"ajs-{u.hex}"))


@st.composite
def iso_times(draw: st.DrawFn) -> str:
    """ISO-8601 UTC times as SDKs write them: ``+00:00`` with milliseconds, or ``Z``."""
    moment = draw(
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC))
    )
    text = moment.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z") if draw(st.booleans()) else text


def fs_contact_flags() -> st.SearchStrategy[dict[str, Any]]:
    """The R5 flag in every form seen (``fs_contact``/``fsContact``; true or "true"), absent, or false."""
    truthy = st.sampled_from([True, "true", "TRUE", " True "])
    falsy = st.sampled_from([False, "false", "no", 0])
    keys = st.sampled_from(["fs_contact", "fsContact"])
    return st.one_of(
        st.just({}),
        st.builds(lambda k, v: {k: v}, keys, truthy),
        st.builds(lambda k, v: {k: v}, keys, falsy),
    )


def company_traits() -> st.SearchStrategy[Any]:
    """``company`` as Segment's reserved object (name, id, industry, employee_count, plan) or a name."""
    return st.one_of(
        _words.map(lambda w: f"{w} Ltd"),
        st.fixed_dictionaries(
            {"name": _words.map(lambda w: f"{w} Inc")},
            optional={
                "id": st.integers(1, 10**6).map(str),
                "industry": st.sampled_from(["Software", "Retail", "Finance"]),
                "employee_count": st.integers(1, 100_000),
                "plan": st.sampled_from(["free", "pro", "enterprise"]),
                "website": st.just("https://example.com"),
            },
        ),
    )


def address_traits() -> st.SearchStrategy[dict[str, Any]]:
    """Segment's reserved ``address`` object, keys in camelCase or snake_case."""
    return st.fixed_dictionaries(
        {},
        optional={
            "street": st.sampled_from(["1 Main St", "Calle Mayor 5", "Hauptstraße 12"]),
            "city": st.sampled_from(["Chennai", "Zürich", "São Paulo", "Austin"]),
            "state": st.sampled_from(["TN", "ZH", "SP", "TX"]),
            "postalCode": st.from_regex(r"[0-9]{5}", fullmatch=True),
            "country": st.sampled_from(["India", "Switzerland", "Brazil", "USA"]),
        },
    )


def _name_traits() -> st.SearchStrategy[dict[str, Any]]:
    camel = st.fixed_dictionaries({}, optional={"firstName": _words, "lastName": st.one_of(_words, _names)})
    snake = st.fixed_dictionaries({}, optional={"first_name": _words, "last_name": st.one_of(_words, _names)})
    full = st.fixed_dictionaries({"name": st.builds(lambda a, b: f"{a} {b}", _words, _names)})
    return st.one_of(camel, snake, full)


@st.composite
def traits(draw: st.DrawFn, *, email: str | None = None, fs_contact: bool | None = None) -> dict[str, Any]:
    """Identify traits: names, title/phone, company, address, ``cf*`` custom fields, unmapped ones.

    ``email`` puts that address in ``traits.email``; ``fs_contact`` forces the R5 flag on or off.
    """
    result: dict[str, Any] = dict(draw(_name_traits()))
    optional = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "title": st.sampled_from(["CTO", "Buyer", "Ingénieur"]),
                "phone": st.one_of(st.from_regex(r"\+?[0-9]{7,12}", fullmatch=True), st.integers(10**6, 10**10)),
                "mobileNumber": st.from_regex(r"[0-9]{10}", fullmatch=True),
                "company": company_traits(),
                "address": address_traits(),
                "cfPlan": st.sampled_from(["free", "pro"]),
                "cf_score": st.one_of(st.integers(0, 100), st.text(max_size=5)),
                "age": st.integers(18, 90),
                "username": _names,
                "createdAt": iso_times(),
                "avatar": st.just("https://example.com/a.png"),
            },
        )
    )
    result.update(optional)
    if email is not None:
        result["email"] = email
    if fs_contact is None:
        result.update(draw(fs_contact_flags()))
    elif fs_contact:
        result[draw(st.sampled_from(["fs_contact", "fsContact"]))] = draw(st.sampled_from([True, "true"]))
    return result


def _user_ids() -> st.SearchStrategy[str]:
    # Emails as typed into sign-up forms come in any case (R4 compares them case-insensitively).
    return st.one_of(emails(), emails().flatmap(_mixed_case), db_ids())


@st.composite
def _envelope(draw: st.DrawFn, kind: str, user_id: st.SearchStrategy[Any] | None) -> dict[str, Any]:
    uid = draw(user_id if user_id is not None else _user_ids())
    sent = draw(iso_times())
    message: dict[str, Any] = {
        "integrations": draw(st.sampled_from([{}, {"All": True}, {"Freshsales": True}])),
        "anonymousId": draw(st.one_of(st.none(), st.uuids().map(str))),
        "timestamp": sent,
        "context": {"library": draw(st.sampled_from(_LIBRARIES))},
        "type": kind,
        "userId": uid,
        "messageId": draw(message_ids()),
        "originalTimestamp": sent,
        "sentAt": sent,
        "receivedAt": sent,
        "version": 2,
    }
    if message["userId"] is None and message["anonymousId"] is None:
        message["anonymousId"] = draw(st.uuids().map(str))
    return message


@st.composite
def identify_messages(
    draw: st.DrawFn, user_id: st.SearchStrategy[str] | None = None, traits_: st.SearchStrategy[Any] | None = None
) -> dict[str, Any]:
    """identify with a userId (an email or a DB id; a DB id comes with ``traits.email`` as R6 needs)."""
    message = draw(_envelope("identify", user_id))
    if traits_ is not None:
        message["traits"] = draw(traits_)
    else:
        is_db_id = "@" not in message["userId"]
        message["traits"] = draw(traits(email=draw(emails()) if is_db_id else None))
    return message


_properties = st.dictionaries(
    st.sampled_from(["plan", "revenue", "currency", "value", "emailId", "campaignName", "tags", "nested"]),
    st.one_of(st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False), _names, st.lists(_names, max_size=3),
              st.fixed_dictionaries({"a": _names})),
    max_size=4,
)


@st.composite
def page_messages(draw: st.DrawFn, user_id: st.SearchStrategy[Any] | None = None) -> dict[str, Any]:
    """page with Segment's reserved properties (title, path, url, referrer, search)."""
    message = draw(_envelope("page", user_id))
    path = draw(st.sampled_from(["/", "/pricing", "/docs/start", "/café"]))
    message["name"] = draw(st.one_of(st.none(), st.sampled_from(["Home", "Pricing", "Docs", "Page view"])))
    message["category"] = draw(st.one_of(st.none(), st.just("Marketing")))
    message["properties"] = {
        "title": draw(_names),
        "path": path,
        "url": f"https://www.example.com{path}",
        "referrer": draw(st.sampled_from(["", "https://google.com/"])),
        "search": draw(st.sampled_from(["", "?utm_source=news"])),
    }
    return message


@st.composite
def track_messages(draw: st.DrawFn, user_id: st.SearchStrategy[Any] | None = None) -> dict[str, Any]:
    """track with custom and semantic event names and mixed-type properties."""
    message = draw(_envelope("track", user_id))
    message["event"] = draw(st.one_of(st.sampled_from(["Signed Up", "Email Bounced", "Order Completed"]), _names))
    message["properties"] = draw(_properties)
    return message


@st.composite
def screen_messages(draw: st.DrawFn, user_id: st.SearchStrategy[Any] | None = None) -> dict[str, Any]:
    message = draw(_envelope("screen", user_id))
    message.update(name=draw(st.sampled_from(["Home", "Settings"])), category=None, properties={})
    return message


@st.composite
def group_messages(draw: st.DrawFn, user_id: st.SearchStrategy[Any] | None = None) -> dict[str, Any]:
    message = draw(_envelope("group", user_id))
    message.update(groupId=draw(db_ids()), traits={"name": draw(_words), "employees": draw(st.integers(1, 500))})
    return message


@st.composite
def alias_messages(draw: st.DrawFn, user_id: st.SearchStrategy[Any] | None = None) -> dict[str, Any]:
    message = draw(_envelope("alias", user_id))
    message["previousId"] = draw(st.uuids().map(str))
    return message


def supported_messages(user_id: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """identify, page or track: the three types the Freshsales destination takes (R9)."""
    return st.one_of(identify_messages(user_id), page_messages(user_id), track_messages(user_id))


def segment_messages(user_id: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Any of the six Segment message types."""
    return st.one_of(
        supported_messages(user_id), screen_messages(user_id), group_messages(user_id), alias_messages(user_id)
    )


_NOT_STRING = st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=2), st.just({"a": 1}))
_NOT_OBJECT = st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2), st.booleans())


@st.composite
def invalid_messages(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A supported message with exactly one thing wrong, and the name of that field."""
    message = dict(draw(supported_messages()))
    kind = message["type"]
    breakages: list[str] = ["messageId-missing", "messageId-long", "userId-type", "ids-missing", "context",
                            "timestamp", "type", "oversized"]
    if kind == "identify":
        breakages += ["traits", "userId-missing"]
    if kind == "track":
        breakages += ["event-missing", "event-type", "properties"]
    if kind == "page":
        breakages += ["name-type", "properties"]
    breakage = draw(st.sampled_from(breakages))
    if breakage == "messageId-missing":
        del message["messageId"]
        return message, "messageId"
    if breakage == "messageId-long":
        message["messageId"] = "m" * draw(st.integers(101, 300))
        return message, "messageId"
    if breakage == "userId-type":
        message["userId"] = draw(_NOT_STRING)
        return message, "userId"
    if breakage in ("ids-missing", "userId-missing"):
        message["userId"] = None
        if breakage == "ids-missing":
            message["anonymousId"] = None
        return message, "userId"
    if breakage == "timestamp":
        message["timestamp"] = draw(st.one_of(st.just("yesterday"), st.just("2024-13-45T00:00:00Z"), st.integers()))
        return message, "timestamp"
    if breakage == "type":
        message["type"] = draw(st.one_of(st.just("identity"), st.just(""), st.none(), st.integers()))
        return message, "type"
    if breakage == "oversized":
        # One field past Segment's 32 KB per-message limit.
        message["context"] = {**message["context"], "blob": "x" * draw(st.integers(33 * 1024, 40 * 1024))}
        return message, "body"
    if breakage == "event-missing":
        del message["event"]
        return message, "event"
    if breakage == "event-type":
        message["event"] = draw(st.one_of(st.just(""), _NOT_STRING))
        return message, "event"
    if breakage == "name-type":
        message["name"] = draw(_NOT_STRING)
        return message, "name"
    # context, traits, properties: must be objects
    message[breakage] = draw(_NOT_OBJECT)
    return message, breakage

