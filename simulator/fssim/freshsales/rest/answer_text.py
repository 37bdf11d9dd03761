"""A REST answer's JSON text: byte for byte what ``json.dumps(value, separators=(",", ":"))`` writes.

Clients read these bytes, so they never change; what changes is who writes them. orjson writes the same
text several times cheaper (a lead's answer: about a sixth of the instructions of json's C encoder),
but only for some values, so :func:`answer_text` hands it just those and json the rest:

* **A tree of exact dicts, lists, strings, ints, booleans and None** (:func:`_plain`; a false value of
  any type counts, as both write it alike). orjson writes floats differently where json uses an
  exponent (``1e-06`` against ``1e-6``, ``1e-05`` against ``0.00001``) and NaN and infinities as
  ``null``; it writes subclasses, enums and UUIDs where json writes them otherwise or refuses them.
  None of those is in a plain tree. (An ``Enum`` made false on purpose would be: json refuses every
  ``Enum`` that is not an ``int``, so no answer ever held one.)
* **Whose text is ASCII with no DEL.** json (``ensure_ascii``) escapes every other character as
  ``\\uXXXX``; orjson writes it as UTF-8. Control characters, quotes and backslashes both escape alike.
* **That orjson accepts.** It refuses what json writes in its own way: a key that is not a string
  (json writes ``1`` as ``"1"``), an integer past 64 bits, a lone surrogate.

Answers are records and lists of them, all strings, integers and nulls: nearly every one takes the
short way. ``tests/freshsales/test_fs_answer_text.py`` holds the two writers to the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from fssim import jsontext

__all__ = ["Plain", "answer_text"]

_json = jsontext.encoder(separators=(",", ":"))
_SCALARS = jsontext.PLAIN_SCALARS
_PLAIN = _SCALARS | {dict, list}


def _plain(values: Iterable[Any]) -> bool:
    """Whether these values (a dict's or a list's) and everything in them are exact dicts, lists,
    strings, ints, booleans or None, false ones aside.

    A false value (None, False, 0, 0.0, "", an empty list or dict: most fields of a record) is written
    alike by both, whatever its type, so only the true ones are looked at: ``filter`` drops the others in
    C, without a Python step per field. NaN and the infinities are true.
    """
    kept = list(filter(None, values))
    kinds = set(map(type, kept))
    if kinds <= _SCALARS:
        return True
    if not kinds <= _PLAIN:
        return False
    for value in kept:
        kind = type(value)
        if (kind is dict and not _plain(value.values())) or (kind is list and not _plain(value)):
            return False
    return True


class Plain(NamedTuple):
    """An answer its maker vouches is plain: a tree of exact dicts, lists, strings, ints, booleans and
    None, with no float (what :func:`_plain` finds by walking it). ``answer_text(Plain(value))`` is
    ``answer_text(value)`` without that walk: a lead read from its stored text needs none, as the store
    knows what the text held (``Records.show``; the walk was about half of a read's answer)."""

    value: Any


def answer_text(value: Any) -> bytes:
    """``json.dumps(value, separators=(",", ":")).encode()``, through orjson when that is the same."""
    kind = type(value)
    if kind is Plain:
        value = value.value
        # None: an integer past 64 bits, a lone surrogate: json's way
        text = jsontext.orjson_text(value)
        if text is not None and text.isascii() and b"\x7f" not in text:
            return text
        return _json(value).encode()
    if (kind is dict and _plain(value.values())) or (kind is list and _plain(value)):
        # None: a key that is not a string, an integer past 64 bits, a lone surrogate, a subclass: json's way
        text = jsontext.orjson_text(value)
        if text is not None and text.isascii() and b"\x7f" not in text:
            return text
    return _json(value).encode()
