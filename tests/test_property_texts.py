"""What the embedded store's add_items writes as properties (core/store/inputs.py ``property_texts``): the same
checks and the same text as ``stored_properties`` (what the Weaviate store sends), plain dicts encoded as they are,
anything else converted or refused naming the item; and an index fed no copies reads them back from SQLite."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest

from core import CollectionSpec, EmbeddedStore, Item, to_uuid
from core.errors import InvalidInputError
from core.store.inputs import property_texts, stored_properties

PLAIN = [{"title": "Amélie", "year": 2001, "score": 7.5, "tags": ["a", "b"], "none": None, "flag": True}, {},
         {"big": 2 ** 63 - 1, "small": -2 ** 63, "empty": []}]
CONVERTED = [{"n": np.int64(3), "t": (1, 2), "u": uuid.UUID(int=5)}, {"nested": {"a": [1, {"b": 2}]}},
             {"f": np.float32(0.5)}]
BAD = [{"x": float("nan")}, {"x": [float("inf")]}, {"x": 2 ** 63}, {"x": "\ud800"}, {"\ud800": 1}, {1: "a"},
       {"x": object()}, {"x": {"y": float("nan")}}]


def items(props: list[dict]) -> list[Item]:
    return [Item(uuid=to_uuid(f"i{k}"), properties=p) for k, p in enumerate(props)]


def test_the_texts_equal_stored_properties_and_json_dumps_of_the_plain_copy():
    batch = items(PLAIN + CONVERTED)
    copies, texts = stored_properties(batch)
    assert property_texts(batch) == texts
    assert texts == [json.dumps(c, ensure_ascii=False, allow_nan=False) for c in copies]
    assert json.loads(property_texts(items(CONVERTED))[0]) == {"n": 3, "t": [1, 2], "u": str(uuid.UUID(int=5))}


@pytest.mark.parametrize("bad", BAD, ids=repr)
def test_a_bad_value_is_refused_naming_the_item_as_stored_properties_does(bad):
    batch = items([PLAIN[0], bad])
    with pytest.raises(InvalidInputError) as ours:
        property_texts(batch)
    with pytest.raises(InvalidInputError) as theirs:
        stored_properties(batch)
    assert str(ours.value) == str(theirs.value) and "item #1" in str(ours.value)


def test_added_items_read_back_from_sqlite_equal_what_was_given_and_a_later_change_to_them_does_not_leak(tmp_path):
    store = EmbeddedStore(tmp_path / "s.db")
    store.create_collection(CollectionSpec("C", 4, text_fields=("title",)))
    batch = items(PLAIN + CONVERTED)
    store.add_items("C", batch, np.eye(4)[np.arange(len(batch)) % 4] + 0.1)
    PLAIN[0]["tags"].append("changed after add_items")
    try:
        got = store.get_items("C", [i.uuid for i in batch])
        assert got[to_uuid("i0")].properties["tags"] == ["a", "b"]
        assert [got[i.uuid].properties for i in batch] == stored_properties(items(
            [{**PLAIN[0], "tags": ["a", "b"]}, *PLAIN[1:], *CONVERTED]))[0]
        with pytest.raises(InvalidInputError, match="item #0"):
            store.add_items("C", items([{"x": float("nan")}]), np.ones((1, 4)))
        assert store.count("C") == len(batch)
    finally:
        PLAIN[0]["tags"].remove("changed after add_items")
