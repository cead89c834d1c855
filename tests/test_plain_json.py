"""plain_json's inlined path for flat property dicts (core/checks.py ``_flat_copy``) against the general walk.

A bulk import checks every item's properties through the inlined path; whatever it accepts must be
exactly the general walk's copy (a new dict and new lists, equal values), and whatever it declines
(a problem, a nested dict, a tuple, a value to convert) must get the walk's answer or error.
"""

from __future__ import annotations

import math
from datetime import date
from uuid import UUID

import numpy as np
import pytest

from core.checks import INT64, _flat_copy, _plain, plain_json
from core.errors import InvalidInputError

FLAT = [
    {},
    {"title": "Item 1", "year": 1951, "original_id": 1, "genres": ["Comedy", "Drama"]},
    {"title": "Amélie — 天気", "score": 0.5, "seen": True, "none": None, "mixed": [1, 2.5, "x", None, False]},
    {"big": INT64 - 1, "small": -INT64, "empty": [], "ü": "key not ascii"},
]
DECLINED = [  # the walk converts or nests these: the inlined path leaves them to it
    {"nested": {"a": 1}}, {"pair": (1, 2)}, {"when": date(2024, 1, 2)}, {"id": UUID(int=5)},
    {"n": np.int64(3)}, {"v": np.float32(0.5)}, {"lists": [[1], [2]]}, {"x": [{"a": 1}]},
]
BAD = [{"n": INT64}, {"n": [-INT64 - 1]}, {"f": math.nan}, {"f": [math.inf]}, {"s": "\ud800"}, {"s": ["ok", "\udfff"]},
       {"\ud800": 1}, {1: "int key"}, {"o": object()}, {"o": [object()]}]


@pytest.mark.parametrize("value", FLAT)
def test_flat_dicts_are_copied_as_the_general_walk_copies_them(value):
    fast = _flat_copy(value)
    assert fast is not None and fast == _plain(value, 0) == plain_json(value) == value
    assert fast is not value and all(fast[k] is not v for k, v in value.items() if isinstance(v, list))


@pytest.mark.parametrize("value", DECLINED)
def test_values_to_convert_or_nested_ones_go_the_general_way(value):
    assert _flat_copy(value) is None
    assert plain_json(value) == _plain(value, 0)


def test_converted_values_are_what_a_reopened_store_reads():
    assert plain_json({"pair": (1, 2), "when": date(2024, 1, 2), "n": np.int64(3)}) == {
        "pair": [1, 2], "when": "2024-01-02", "n": 3}


@pytest.mark.parametrize("value", BAD)
def test_bad_values_are_declined_and_get_the_general_error(value):
    assert _flat_copy(value) is None
    with pytest.raises(InvalidInputError) as caught:
        plain_json(value, "properties")
    assert caught.value.args[0].startswith("properties[")
