"""Hypothesis building blocks shared by the file-format fuzz tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# any JSON value a hand-edited or foreign header might hold (no NaN: JSON has none)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-100, 10**6) | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def mutate_header(data: st.DataObject, meta: dict[str, Any]) -> None:
    """Replace one top-level field of a JSON header, or one field of a nested object, in place."""
    key = data.draw(st.sampled_from(sorted(meta)))
    if isinstance(meta[key], dict) and meta[key] and data.draw(st.booleans()):
        sub = data.draw(st.sampled_from(sorted(meta[key])))
        meta[key][sub] = data.draw(json_values)
    else:
        meta[key] = data.draw(json_values)
