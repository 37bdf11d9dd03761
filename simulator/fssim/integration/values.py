"""What a value becomes in a field of a given type: the one home of that rule.

Both writers of a Freshsales record use :func:`coerce_value`: the rules, when a trait fills a custom
field (R7, :mod:`fssim.integration.mapping`), and the REST API's write checks
(:mod:`fssim.freshsales.fields`). Before, each had its own, and they disagreed: ``"3"`` was a number and
``"true"`` a checkbox value to the REST API but the wrong type to the rules.

Simulator policy (docs/rules.md R7, docs/freshsales.md "Types"). Freshsales is a Rails application and
casts a typed attribute's text the way Rails does; the Segment destination's own docs send a flag as
the string ``"true"`` (reference/segment.md §4.3). So text that spells a value of the field's type is
that value, on both paths:

==========  ==================================================================================
text,       a string (trimmed), or a number written out (``5550100`` → ``"5550100"``)
paragraph
number      a JSON number, or text spelling a decimal number: ``"3"`` → ``3``, ``" 2.5 "`` → ``2.5``,
            ``"1e3"`` → ``1000.0``; never a boolean, ``NaN``/``inf`` or text such as ``"1_000"``
checkbox    ``true``/``false``, or the text ``"true"``/``"false"`` (any case, trimmed)
date        an ISO-8601 date or date-time (text); stored as the date, ``"2024-05-01"``
dropdown    exactly one of the field's choices
==========  ==================================================================================

Anything else raises :class:`ValueError`; each caller words the refusal its own way (an ignored trait
with the reason, or the REST API's ``"The type for FIELD is invalid."``).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from fssim.integration.crm import CustomField

__all__ = ["coerce_value"]

# A decimal number as JSON and people write it, ASCII digits only: int() and float() would also take
# "1_000", "٣" (an Arabic-Indic three) and "nan", none of which a client means as a number.
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_INTEGER_TEXT = re.compile(r"[+-]?\d+", re.ASCII)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError("not a text")


def _number(value: Any) -> int | float:
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER_TEXT.fullmatch(text):
            return int(text)
        if not _NUMBER_TEXT.fullmatch(text):
            raise ValueError("text that is not a number")
        value = float(text)
    # NaN and infinity are no numbers a client can read back: JSON has no spelling for them.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _checkbox(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("neither true nor false")


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not a date")
    text = value.strip()
    try:
        # The date as written, in the time's own zone: "2024-05-01T23:30:00-05:00" is the 1st of May.
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return date.fromisoformat(text).isoformat()  # its own ValueError names the problem


def coerce_value(field: CustomField, value: Any) -> Any:
    """``value`` as a field of ``field.type`` stores it; :class:`ValueError` if it does not fit."""
    kind = field.type
    if kind in ("text", "paragraph"):
        return _text(value)
    if kind == "number":
        return _number(value)
    if kind == "checkbox":
        return _checkbox(value)
    if kind == "date":
        return _date(value)
    if kind == "dropdown":
        if isinstance(value, str) and value in field.choices:
            return value
        raise ValueError("not one of the choices")
    raise ValueError(f"no field type {kind!r}")
