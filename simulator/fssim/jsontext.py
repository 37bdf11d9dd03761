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

__all__ = ["encoder"]


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
