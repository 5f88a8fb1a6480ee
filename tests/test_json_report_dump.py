"""The JSON report's writer gives exactly json.dump(..., ensure_ascii=False, indent=2)."""
from __future__ import annotations

import io
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phiscan.reporters.json_report import dump_indented

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
                         | st.dictionaries(keys, inner, max_size=5), max_leaves=40)


def _ours(doc) -> str:
    buf = io.StringIO()
    dump_indented(doc, buf)
    return buf.getvalue()


@settings(max_examples=400, deadline=None)
@given(documents)
def test_same_text_as_json_dump(doc):
    buf = io.StringIO()
    json.dump(doc, buf, ensure_ascii=False, indent=2)
    assert _ours(doc) == buf.getvalue()


def test_edge_values():
    doc = {"s": "é\u2028\x00\"\\\n\ud800", "f": [0.1, -0.0, 1e300, math.inf, -math.inf, math.nan, 10**30], "e": [[], {}, ()],
           1: "int key", None: "none key", True: "bool key", 2.5: "float key", "n": [None, True, False]}
    buf = io.StringIO()
    json.dump(doc, buf, ensure_ascii=False, indent=2)
    assert _ours(doc) == buf.getvalue()


def test_long_lists_are_written_in_blocks():
    doc = {"findings": [{"rule": f"PHI{i}", "policies": ["a", "b"], "n": i} for i in range(30_000)]}
    assert _ours(doc) == json.dumps(doc, ensure_ascii=False, indent=2)


def test_what_json_cannot_write_is_a_type_error():
    with pytest.raises(TypeError):
        _ours({"x": object()})
    with pytest.raises(TypeError):
        _ours({(1, 2): "tuple key"})
