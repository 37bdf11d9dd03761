"""JSON text made on the hot path, with the encoder built once instead of once per call.

``json.dumps(value, **options)`` builds a :class:`json.JSONEncoder`, and ``JSONEncoder.encode`` builds
its C encoder again on every call: for the small documents fssim writes per delivered message (a
packed record, a timeline item, an answer) that set-up costs as much as the encoding itself, several
times per message. :func:`encoder` builds the C encoder once and gives back a function that renders
exactly what ``json.JSONEncoder(**options).encode`` would.

One difference, on purpose: no circular-reference check. The values rendered here are JSON trees
(parsed bodies, documents built from them), and a reused check would need its bookkeeping reset after
an error; a cycle would end in ``RecursionError`` instead of ``ValueError``, and callers that catch one
catch both.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["PLAIN_SCALARS", "encoder", "orjson_text"]

# The exact types whose values orjson and json write alike, whatever the value (ints of up to 64 bits
# aside, which orjson refuses): a tree of these, dicts and lists is "plain".
PLAIN_SCALARS = frozenset({str, int, bool, type(None)})

# orjson's compact UTF-8 text is json's (``separators=(",", ":")``, ``ensure_ascii=False``) byte for
# byte for exact dicts, lists, strings (every code point), ints of up to 64 bits, booleans and None. It
# prints floats' exponents otherwise ("1e-07" against "1e-7") and NaN and infinities as null; those
# checks are the caller's, who knows its values. Subclasses, dataclasses and datetimes, which orjson
# would write its own way, go to its ``default``, which is not given: an error, as for ints past 64 bits,
# lone surrogates and non-string keys.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def encoder(*, ensure_ascii: bool = True, allow_nan: bool = True,
            separators: tuple[str, str] | None = None) -> Callable[[Any], str]:
    """A function rendering a value as ``json.JSONEncoder(those options).encode`` does."""
    stock = json.JSONEncoder(ensure_ascii=ensure_ascii, allow_nan=allow_nan, separators=separators,
                             check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator: the stock encoder as it is
        return stock.encode
    strings = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    render = make(None, stock.default, strings, None, stock.key_separator, stock.item_separator,
                  False, False, allow_nan)

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return str(strings(value))
        return "".join(render(value, 0))

    return encode


def orjson_text(value: Any) -> bytes | None:
    """orjson's compact UTF-8 text of ``value`` (several times cheaper than json's C encoder), or None
    where orjson refuses it and json must write it (see ``_ORJSON_OPTIONS``)."""
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return None
