"""``scripts/build_samples.py`` writes what the shipped samples hold, the community's behaviour settings included.

The build runs on a three-movie MovieLens folder written here; its vectors come from the script's
own cache (a ``catalog.json`` with the texts' ``text_sha256`` beside a ``vectors.npy``), so the
embedding model is not loaded.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from core import BlendWeights
from core.io.samples import SAMPLE_DATA_ENV, sample_info

REPO = Path(__file__).resolve().parents[1]
README = "MovieLens\n\nUsage License\n=============\nResearch use only.\n\nFurther Information About GroupLens\n"


@pytest.fixture(scope="module")
def build_samples():
    spec = importlib.util.spec_from_file_location("build_samples", REPO / "scripts" / "build_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_movielens(data: Path) -> None:
    src = data / "movielens-latest-small"
    src.mkdir(parents=True)
    (src / "movies.csv").write_text("movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n"
                                    "2,\"American President, The (1995)\",Comedy|Drama\n3,Heat (1995),Action\n")
    (src / "tags.csv").write_text("userId,movieId,tag,timestamp\n1,1,pixar,1\n2,1,Pixar,2\n1,3,in netflix queue,3\n")
    (src / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.0,10\n1,2,3.5,11\n2,1,5.0,12\n2,3,2.0,13\n")
    (src / "README.txt").write_text(README)


def cache_vectors(build_samples, data: Path, out: Path) -> None:
    """What an earlier build left for these texts: the script reuses it instead of embedding."""
    records, _ = build_samples.build_movies(data)
    digest = build_samples.text_digest([build_samples.movie_text(r["properties"]) for r in records])
    (out / "movies").mkdir(parents=True)
    (out / "movies" / "catalog.json").write_text(json.dumps({"text_sha256": digest}))
    vectors = np.random.default_rng(0).normal(size=(len(records), build_samples.DIMS))
    np.save(out / "movies" / "vectors.npy", (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float16))


def test_a_rebuilt_movies_catalog_records_the_communitys_behaviour_settings(build_samples, tmp_path, monkeypatch):
    data, out = tmp_path / "data", tmp_path / "out"
    tiny_movielens(data)
    cache_vectors(build_samples, data, out)
    build_samples.main(["--data", str(data), "--out", str(out), "--only", "movies"])
    meta = json.loads((out / "movies" / "catalog.json").read_text(encoding="utf-8"))
    shipped = json.loads((REPO / "sample_data" / "movies" / "catalog.json").read_text(encoding="utf-8"))
    assert meta["count"] == 3 and meta["interactions"]["rows"] == 4 and meta["interactions"]["users"] == 2
    assert meta["behaviour"] == shipped["behaviour"]
    assert meta["behaviour"]["dims"] == 256 and meta["behaviour"]["blend"]["query"] == "graded"
    monkeypatch.setenv(SAMPLE_DATA_ENV, str(out))
    assert sample_info("movies").behaviour == shipped["behaviour"]  # what SampleLibrary trains the community with


@pytest.mark.parametrize("name", ["movies", "books"])
def test_the_scripts_settings_are_the_shipped_ones_and_the_engine_accepts_them(build_samples, name):
    shipped = json.loads((REPO / "sample_data" / name / "catalog.json").read_text(encoding="utf-8"))
    settings = build_samples.BEHAVIOUR[name]
    assert shipped["behaviour"] == settings
    assert BlendWeights.model_validate(settings["blend"]).model_dump(mode="json") == settings["blend"]
    assert settings["tuning"]["model"] == {"dims": settings["dims"], "l2": settings["l2"]}
    assert "--tune-blend" in settings["tuning"]["how"] and f"evaluate {name}" in settings["tuning"]["how"]

