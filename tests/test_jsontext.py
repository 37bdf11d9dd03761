"""fssim.jsontext renders exactly what json.JSONEncoder(same options).encode renders, errors included."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fssim.jsontext import encoder

OPTIONS: list[dict[str, Any]] = [
    {},
    {"ensure_ascii": False},
    {"allow_nan": False, "separators": (",", ":")},
    {"ensure_ascii": False, "allow_nan": False, "separators": (",", ":")},
]

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


def _rendered(render: Any, value: Any) -> Any:
    try:
        return render(value)
    except (TypeError, ValueError) as error:
        return type(error)


@pytest.mark.parametrize("options", OPTIONS)
@given(value=_values)
def test_it_renders_what_the_stock_encoder_renders(options: dict[str, Any], value: Any) -> None:
    assert _rendered(encoder(**options), value) == _rendered(json.JSONEncoder(**options).encode, value)


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("value", [
    "text é \u2028", -0.0, 10**30, [float("inf")], {"a": float("nan")}, {1: 2, None: 3, 1.5: 4, False: 5},
    {(1, 2): 3}, {"k": object()}, ("a", "tuple"),
])
def test_edge_values_and_errors_are_the_stock_encoders(options: dict[str, Any], value: Any) -> None:
    assert _rendered(encoder(**options), value) == _rendered(json.JSONEncoder(**options).encode, value)
