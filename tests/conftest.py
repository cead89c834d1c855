"""Shared fixtures: a six-item known-answer catalog with an agent attached."""

from __future__ import annotations

import os

import pytest

from core import CollectionSpec, EmbeddedStore, PersonalizationAgent

from .store_contract import VECTORS, items

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def store():
    store = EmbeddedStore(":memory:")
    store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
    store.add_items("Things", items(), VECTORS)
    yield store
    store.close()


@pytest.fixture
def agent(store):
    return PersonalizationAgent.create(store, "Things", user_properties={"favorite_genres": "text[]", "age": "int"})
