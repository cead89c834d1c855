"""``core.to_uuid`` gives the same UUID as ``weaviate.util.generate_uuid5``, so a catalog imported
here and into Weaviate gets the same object IDs.

Two deliberate normalisations come first (in ``core.ids.to_uuid``): a float that is an
integer is its integer (a CSV read by pandas turns ``42`` into ``42.0``), and surrounding
whitespace of a string is dropped. Everything else is compared against weaviate's function itself.
"""

from __future__ import annotations

import uuid

import pytest
from weaviate.util import generate_uuid5

from core import InvalidInputError, to_uuid

IDENTIFIERS = [0, 1, 42, -7, 2**63, 10**30, "alice", "42", "movie 42", "two  spaces inside", "Crème brûlée",
               "東京", "emoji 🍝", "tab\tinside", "a" * 500]


@pytest.mark.parametrize("identifier", IDENTIFIERS, ids=repr)
def test_to_uuid_is_weaviates_generate_uuid5(identifier):
    assert str(to_uuid(identifier)) == generate_uuid5(identifier)


@pytest.mark.parametrize("value, integer", [(42.0, 42), (-3.0, -3), (0.0, 0), (1e15, 10**15)])
def test_an_integer_valued_float_is_its_integer(value, integer):
    assert str(to_uuid(value)) == generate_uuid5(integer)
    assert str(to_uuid(value)) != generate_uuid5(value)  # weaviate would hash "42.0"


def test_surrounding_whitespace_is_dropped():
    assert str(to_uuid("  alice \n")) == generate_uuid5("alice")


@pytest.mark.parametrize("text", ["6f1c2a34-9d3e-4c5b-8a7f-1e2d3c4b5a69", "6F1C2A34-9D3E-4C5B-8A7F-1E2D3C4B5A69",
                                  "6f1c2a349d3e4c5b8a7f1e2d3c4b5a69", " 6f1c2a34-9d3e-4c5b-8a7f-1e2d3c4b5a69 "])
def test_uuid_strings_parse_unchanged(text):
    assert to_uuid(text) == uuid.UUID(text.strip())


def test_uuid_objects_pass_through():
    u = uuid.uuid4()
    assert to_uuid(u) is u


def test_float_with_a_fraction_is_rejected_naming_it():
    with pytest.raises(InvalidInputError, match=r"float 1\.5"):
        to_uuid(1.5)


@pytest.mark.parametrize("bad", [None, True, False, "", "   "], ids=repr)
def test_empty_and_boolean_identifiers_are_rejected_naming_the_value(bad):
    with pytest.raises(InvalidInputError, match="non-empty identifier") as info:
        to_uuid(bad, what="item id")
    assert repr(bad) in str(info.value) and "item id" in str(info.value)
