"""One display title for the engine, the CLI and the lab (``core.titles``)."""

from __future__ import annotations

import pytest

from core import CollectionSpec, EmbeddedStore, Item, display_title
from core.retrieval.signals import item_titles
from core.cli.format import title_of
from lab.catalog_map import build_map

DISH = {"dish": "Cacio e pepe", "cuisine": "Italian", "original_id": "cacio"}


@pytest.mark.parametrize("properties, fields, title", [
    ({"title": " Alien ", "name": "x"}, (), "Alien"),
    ({"name": "Cacio e Pepe", "original_id": "cacio-e-pepe"}, (), "Cacio e Pepe"),
    ({"label": "L", "headline": "H"}, (), "L"),
    ({"title": "", "name": None, "headline": "H"}, (), "H"),
    (DISH, ("dish", "cuisine"), "Cacio e pepe"),  # the first text field before the catalog ID
    (DISH, (), "cacio"),
    ({"tags": ["a", "b"]}, ("tags",), "a, b"),
    ({"original_id": 260}, (), "260"),
    ({}, (), "fallback"),
])
def test_display_title_known_answers(properties, fields, title):
    assert display_title(properties, "fallback", fields) == title


def test_cli_lab_and_engine_show_the_same_title():
    store = EmbeddedStore(":memory:")
    store.create_collection(CollectionSpec("Dishes", 2, text_fields=("dish", "cuisine")))
    store.add_items("Dishes", [Item(uuid="cacio", properties=DISH)], [[1.0, 0.0]])
    [(uuid, engine)] = item_titles(store, "Dishes", [Item(uuid="cacio", properties=DISH).uuid]).items()
    fields = store.get_collection("Dishes").text_fields
    assert engine == title_of(DISH, fields) == display_title(DISH, str(uuid), fields) == "Cacio e pepe"
    assert build_map(store.iter_items("Dishes"), store.get_vectors("Dishes", [uuid]), fields).titles == (engine,)
