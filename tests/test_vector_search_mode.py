"""The vector search mode by name (``core.ann_config``): the CLI's ``--vector-search``, the lab's
``$PERSONALIZATION_VECTOR_SEARCH``, ``open_store(path, ann=...)``, ``Workspaces(ann=...)``, and the lab's
one-line account of which path answered, read from the trace."""

from __future__ import annotations

import json

import pytest

from core import (VECTOR_SEARCH_ENV, AnnConfig, EmbeddedStore, InvalidInputError, SampleLibrary, Workspaces,
                  WorkspaceRef, ann_config, open_store, vector_search_from_env)
from core.cli.commands import main
from lab.recommend_ui import vector_path_text

from .test_cli import movies, movies_db, recommend  # noqa: F401  (fixtures)


def test_each_mode_is_its_config():
    assert ann_config("exact").enabled is False
    assert ann_config("auto") == AnnConfig()
    assert ann_config(" AUTO ", wait_for_index=True).build == "sync"
    hnsw = ann_config("hnsw")
    assert (hnsw.kind, hnsw.min_rows, hnsw.min_rows_multi, hnsw.build) == ("hnsw", 1, 1, "background")
    assert ann_config("ivf", wait_for_index=True).kind == "ivf"
    with pytest.raises(InvalidInputError, match="one of auto, exact, hnsw, ivf, got 'flat'"):
        ann_config("flat")


def test_the_environment_names_a_mode_or_is_an_error(monkeypatch):
    monkeypatch.delenv(VECTOR_SEARCH_ENV, raising=False)
    assert vector_search_from_env() == "auto"
    monkeypatch.setenv(VECTOR_SEARCH_ENV, " Exact ")
    assert vector_search_from_env() == "exact"
    monkeypatch.setenv(VECTOR_SEARCH_ENV, "fast")
    with pytest.raises(InvalidInputError, match=rf"\${VECTOR_SEARCH_ENV} must be one of .* got 'fast'"):
        vector_search_from_env()


def test_open_store_passes_ann_to_the_embedded_store_only(tmp_path):
    store = open_store(tmp_path / "a.db", ann=ann_config("exact"))
    try:
        assert store.ann.enabled is False
    finally:
        store.close()
    with pytest.raises(InvalidInputError, match="ann must be an AnnConfig, got str"):
        open_store(tmp_path / "b.db", ann="exact")
    with pytest.raises(InvalidInputError, match="does not apply to a Weaviate server"):
        open_store("http://127.0.0.1:1", ann=ann_config("exact"))
    with pytest.raises(InvalidInputError, match=r"options \['api_key'\] are for a Weaviate server"):
        open_store(tmp_path / "c.db", api_key="k")


def test_workspaces_open_their_files_with_the_mode(tmp_path):
    spaces = Workspaces(tmp_path, SampleLibrary(), ann=ann_config("hnsw"))
    ws = spaces.open(WorkspaceRef.parse("shared:room"), create=True)
    assert ws.store.own.ann.kind == "hnsw"
    assert EmbeddedStore(":memory:").ann == AnnConfig()  # the default when nobody says


def _search_step(trace: list[dict]) -> dict:
    return next(step["details"]["search"] for step in trace if "search" in step.get("details", {}))


@pytest.mark.parametrize(("mode", "path", "reason"), [("auto", "exact", "small catalog"),
                                                      ("exact", "exact", "ann disabled"),
                                                      ("hnsw", "ann-hnsw", None)])
def test_the_cli_mode_decides_the_path_and_the_trace_says_it(movies, mode, path, reason):
    pytest.importorskip("faiss", reason="hnsw mode needs faiss-cpu (requirements.txt)")
    data = recommend(movies, "--vector-search", mode)
    search = _search_step(data["trace"])
    assert search["path"] == path
    assert search.get("reason") == reason
    if path == "ann-hnsw":  # the index waited for (a command answers once), candidates re-scored exactly
        assert search["indexed_rows"] == 12
    exact = recommend(movies, "--vector-search", "exact")
    assert [o["uuid"] for o in data["objects"]] == [o["uuid"] for o in exact["objects"]]


def test_the_cli_refuses_a_mode_for_a_server_and_a_bad_environment(movies_db, capsys, monkeypatch):
    assert main(["--db", "http://127.0.0.1:1", "--vector-search", "ivf", "recommend", "alice"]) == 2
    assert "--vector-search ivf is for the embedded store" in capsys.readouterr().err
    monkeypatch.setenv(VECTOR_SEARCH_ENV, "bogus")
    assert main(["--db", str(movies_db), "recommend", "alice"]) == 2
    assert f"${VECTOR_SEARCH_ENV} must be one of auto, exact, hnsw, ivf, got 'bogus'" in capsys.readouterr().err


class _Step:
    def __init__(self, details):
        self.details = details


def test_the_lab_line_reads_the_trace():
    assert vector_path_text([_Step({"strategy": "centroid"})]) is None  # a server's trace says no path
    exact = _Step({"search": {"path": "exact", "candidates": 1234, "reason": "small catalog"}})
    assert vector_path_text([exact]) == "an exact scan of 1,234 items (small catalog)"
    ann = _Step({"search": {"path": "ann-ivf", "candidates": 412, "indexed_rows": 10 ** 6}})
    assert vector_path_text([_Step({}), ann]) == "an IVF index (approximate): 412 candidates re-scored exactly"
    subset = json.loads(json.dumps({"search": {"path": "exact-subset", "candidates": 90}}))
    assert vector_path_text([_Step(subset)]) == "an exact scan of the 90 items the filter passes"
    pruned = _Step({"search": {"path": "exact-pruned", "candidates": 5}})
    assert vector_path_text([pruned]) == "an exact scan that skipped the items the ranking rules out"
