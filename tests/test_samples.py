"""The shipped sample catalogs: they load fast and light, hold what the build promised, and install.

Known answers come from the hand-written workshop catalog: its clusters (Italian pasta, desserts)
are clear enough that nearest neighbours by the shipped vectors must stay inside them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from core.errors import AlreadyExistsError, NotFoundError
from core.ids import to_uuid
from core.io.samples import (
    INTERACTION_COLUMNS,
    SAMPLE_DATA_ENV,
    list_samples,
    load_sample,
    load_sample_interactions,
    sample_data_dir,
)

REPO = Path(__file__).resolve().parents[1]
NAMES = ["books", "movies", "workshop"]
GENERIC_SHELVES = {"to-read", "currently-reading", "favorites", "owned", "books-i-own", "default",
                   "my-books", "library", "kindle", "ebook", "ebooks", "audiobook", "audiobooks",
                   "own-it", "i-own", "wish-list", "read-in-2015", "5-stars"}
ITALIAN_PASTA = {"spaghetti-carbonara", "cacio-e-pepe", "penne-arrabbiata", "spaghetti-aglio-olio",
                 "lasagne-bolognese", "tagliatelle-ragu", "spaghetti-vongole", "trofie-pesto",
                 "pasta-alla-norma", "bucatini-amatriciana", "spinach-ricotta-ravioli", "fettuccine-alfredo"}


@cache
def catalog(name: str):
    return load_sample(name)


def by_original_id(name: str) -> dict:
    return {item.properties["original_id"]: item for item in catalog(name).items}


def neighbours(name: str, liked: list, k: int) -> list:
    """The k original ids nearest to the mean of the liked items' vectors (liked excluded)."""
    cat = catalog(name)
    index = {item.properties["original_id"]: i for i, item in enumerate(cat.items)}
    query = cat.vectors[[index[o] for o in liked]].mean(axis=0)
    order = np.argsort(-(cat.vectors @ query))
    ids = [cat.items[i].properties["original_id"] for i in order]
    return [o for o in ids if o not in liked][:k]


# --- listing and loading ----------------------------------------------------------------------

def test_every_catalog_is_listed_with_its_license():
    infos = {info.name: info for info in list_samples()}
    assert sorted(infos) == NAMES
    for info in infos.values():
        assert info.count > 0 and info.title and info.description and info.license
        assert info.dims == 384 and info.id_property == "original_id"
    assert infos["movies"].collection == "Movies" and infos["workshop"].collection == "Workshop"


@pytest.mark.parametrize("name", NAMES)
def test_catalog_loads_with_unique_ids_and_unit_vectors(name):
    cat = load_sample(name)
    assert len(cat.items) == cat.info.count
    uuids = [item.uuid for item in cat.items]
    assert len(set(uuids)) == len(uuids)
    assert all(item.uuid == to_uuid(item.properties["original_id"]) for item in cat.items)
    assert cat.vectors.dtype == np.float32 and cat.vectors.shape == (len(cat.items), 384)
    assert np.allclose(np.linalg.norm(cat.vectors, axis=1), 1.0, atol=1e-5)
    assert set(cat.text_fields) <= set(cat.items[0].properties)


@pytest.mark.parametrize("name", NAMES)
def test_license_and_attribution_files_ship(name):
    folder = catalog(name).info.path
    assert (folder / "ATTRIBUTION.md").is_file()
    if name != "workshop":
        assert "license" in (folder / "LICENSE.txt").read_text(encoding="utf-8").lower()


def test_unknown_sample_names_the_valid_ones():
    with pytest.raises(NotFoundError, match="'nope'.*'books', 'movies', 'workshop'"):
        load_sample("nope")


def test_env_override_points_at_another_folder(tmp_path, monkeypatch):
    shutil.copytree(sample_data_dir() / "workshop", tmp_path / "workshop")
    monkeypatch.setenv(SAMPLE_DATA_ENV, str(tmp_path))
    assert [info.name for info in list_samples()] == ["workshop"]
    assert load_sample("workshop").info.path == tmp_path / "workshop"
    with pytest.raises(NotFoundError, match="valid names: 'workshop'"):
        load_sample("movies")


@pytest.mark.integration
def test_loading_does_not_import_torch():
    code = ("import sys; from core.io.samples import list_samples, load_sample\n"
            "for info in list_samples(): load_sample(info.name)\n"
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'streamlit') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- properties -------------------------------------------------------------------------------

def test_movie_properties():
    movies = by_original_id("movies")
    assert len(movies) == 9742
    toy_story = movies[1].properties
    assert toy_story["title"] == "Toy Story" and toy_story["year"] == 1995
    assert toy_story["genres"][:2] == ["Adventure", "Animation"] and "pixar" in toy_story["tags"]
    assert movies[2571].properties["title"] == "The Matrix"
    for item in movies.values():
        p = item.properties
        assert isinstance(p["original_id"], int) and isinstance(p["title"], str) and p["title"]
        assert not re.search(r"\(\d{4}\)$", p["title"])
        assert p["year"] is None or isinstance(p["year"], int)
        assert "(no genres listed)" not in p["genres"]
        assert len(p["tags"]) <= 8 and len(set(p["tags"])) == len(p["tags"])
        assert all(tag == tag.lower() for tag in p["tags"])
    assert any(item.properties["genres"] == [] for item in movies.values())


def test_book_properties():
    books = by_original_id("books")
    assert len(books) == 10000
    hunger = books[1].properties
    assert hunger["authors"] == ["Suzanne Collins"] and hunger["year"] == 2008
    assert "dystopian" in hunger["shelves"] and hunger["language_code"] == "eng"
    assert books[79].properties["year"] < 0  # The Odyssey, before the common era
    for item in books.values():
        p = item.properties
        assert isinstance(p["original_id"], int) and p["title"] and p["authors"]
        assert p["year"] is None or isinstance(p["year"], int)
        assert len(p["shelves"]) <= 8 and not GENERIC_SHELVES & set(p["shelves"])
        assert isinstance(p["average_rating"], float) and isinstance(p["ratings_count"], int)


def test_workshop_properties_match_the_source():
    source = json.loads((REPO / "scripts" / "workshop_items.json").read_text(encoding="utf-8"))
    dishes = by_original_id("workshop")
    assert 90 <= len(dishes) <= 120
    assert {d["original_id"]: d for d in source} == {k: v.properties for k, v in dishes.items()}
    for p in (item.properties for item in dishes.values()):
        assert p["course"] in {"starter", "soup", "salad", "main", "side", "dessert", "drink"}
        assert set(p["diet"]) <= {"vegetarian", "vegan", "gluten-free"} and isinstance(p["spicy"], bool)
        assert "vegan" not in p["diet"] or "vegetarian" in p["diet"]
    assert len({item.properties["cuisine"] for item in dishes.values()}) >= 8


def test_workshop_clusters_have_known_neighbours():
    assert set(neighbours("workshop", ["spaghetti-carbonara", "cacio-e-pepe"], 5)) <= ITALIAN_PASTA
    dishes = by_original_id("workshop")
    for liked, k in ((["tiramisu", "creme-brulee"], 4), (["apple-pie", "churros"], 3)):
        assert {dishes[o].properties["course"] for o in neighbours("workshop", liked, k)} == {"dessert"}


# --- interactions -----------------------------------------------------------------------------

def test_movie_interactions():
    log = load_sample_interactions("movies")
    assert list(log.columns) == list(INTERACTION_COLUMNS)
    assert len(log) == 100_836 and log["user"].nunique() == 610
    assert log["rating"].between(0.5, 5.0).all() and log["timestamp"].notna().all()
    assert set(log["item_uuid"]) <= {item.uuid for item in catalog("movies").items}
    assert log["item_uuid"].iloc[0] == to_uuid(int(log["original_item_id"].iloc[0]))


def test_book_interactions():
    log = load_sample_interactions("books")
    assert list(log.columns) == list(INTERACTION_COLUMNS)
    assert len(log) == 981_756 - 2_278  # ratings_v1.csv less its duplicate (user, book) pairs
    assert not log.duplicated(["user", "original_item_id"]).any()
    assert log["rating"].between(1, 5).all() and log["timestamp"].isna().all()
    assert set(log["item_uuid"]) <= {item.uuid for item in catalog("books").items}


def test_workshop_has_no_interactions():
    with pytest.raises(NotFoundError, match="'workshop' ships no interactions"):
        load_sample_interactions("workshop")


# --- installing into a store ------------------------------------------------------------------

def embedded_store():
    from core.store.embedded.store import EmbeddedStore

    return EmbeddedStore(path=":memory:")


def test_install_sample_fills_a_collection():
    from core.io.samples import install_sample

    store, cat = embedded_store(), catalog("workshop")
    spec = install_sample(store, "workshop")
    assert spec.name == "Workshop" and spec.dims == 384 and spec.text_fields == cat.text_fields
    assert store.has_collection("Workshop") and store.count("Workshop") == len(cat.items)
    first = cat.items[0]
    assert store.get_items("Workshop", [first.uuid])[first.uuid].properties == first.properties
    np.testing.assert_allclose(store.get_vectors("Workshop", [first.uuid])[0], cat.vectors[0], atol=1e-5)
    hits = store.near_vectors("Workshop", cat.vectors[:1], 1)
    assert hits[0][0].uuid == first.uuid


def test_install_sample_refuses_to_overwrite_unless_asked():
    from core.io.samples import install_sample

    store = embedded_store()
    install_sample(store, "workshop", "Dishes")
    with pytest.raises(AlreadyExistsError, match="'Dishes'"):
        install_sample(store, "workshop", "Dishes")
    install_sample(store, "workshop", "Dishes", replace=True)
    assert store.count("Dishes") == catalog("workshop").info.count
    assert "Workshop" not in store.list_collections()
