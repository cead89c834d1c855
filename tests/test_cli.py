"""The command-line interface, run in-process: ``main([...])`` against a throwaway store file.

The catalog is a small CSV with 3-d vectors in three clear clusters (action, comedy, horror), so
no embedding model is ever loaded and the expected rankings are obvious by construction.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from core import to_uuid
from core.cli.commands import Condition, main, parse_condition, table, title_of

REPO = Path(__file__).resolve().parents[1]
AXES = {"Action": (1.0, 0.0, 0.0), "Comedy": (0.0, 1.0, 0.0), "Horror": (0.0, 0.0, 1.0)}
# id, title, year, genres (first genre sets the vector), tilt towards the second axis
MOVIES = [
    (1, "Fast Fists", 1985, "Action", 0.05),
    (2, "Star Blaster", 2003, "Action|Sci-Fi", 0.10),
    (3, "Night Chase", 2011, "Action|Thriller", 0.15),
    (4, "Iron Star", 1979, "Action", 0.20),
    (10, "Laugh Riot", 1994, "Comedy", 0.05),
    (11, "Wedding Crashers Two", 2005, "Comedy|Romance", 0.10),
    (12, "Office Party Night", 2012, "Comedy", 0.15),
    (13, "Star Struck Comedians", 1988, "Comedy|Drama", 0.20),
    (14, "Family Holiday", 2019, "Comedy|Drama", 0.25),
    (20, "Night Night Night of the Living Night", 1968, "Horror", 0.05),
    (21, "Night Terrors Night", 2007, "Horror|Thriller", 0.10),
    (22, "The Haunting Star", 1999, "Horror|Drama", 0.15),
]


def vector(genres: str, tilt: float) -> list[float]:
    main_axis = np.array(AXES[genres.split("|")[0]])
    return list(main_axis * (1 - tilt) + np.roll(main_axis, 1) * tilt)


def write_catalog(path: Path) -> Path:
    lines = ["movieId,title,year,genres,vector"]
    lines += [f'{i},{t},{y},{g},"{json.dumps(vector(g, tilt))}"' for i, t, y, g, tilt in MOVIES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def runner(db: Path, capsys):
    """``run(*args)`` → (exit code, stdout, stderr) against the store file ``db``."""
    def run(*args: str):
        code = main(["--db", str(db), *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err
    return run


@pytest.fixture
def cli(tmp_path, capsys):
    return runner(tmp_path / "test.db", capsys)


@pytest.fixture
def catalog_csv(tmp_path) -> Path:
    return write_catalog(tmp_path / "movies.csv")


@pytest.fixture(scope="module")
def movies_db(tmp_path_factory) -> Path:
    """A store file holding the catalog as ``Movies`` and persona ``alice`` who loves two comedies."""
    folder = tmp_path_factory.mktemp("movies")
    db, csv_path = folder / "movies.db", write_catalog(folder / "movies.csv")
    commands = [["import", str(csv_path), "--collection", "Movies", "--id-column", "movieId",
                 "--text-columns", "title,genres", "--vector-column", "vector"],
                ["persona", "create", "alice", "--prop", "favorite_genres=Comedy|Drama"],
                *(["interact", "alice", item, "1.0", "--at", "2024-05-01T12:00:00Z"] for item in ("10", "11"))]
    for command in commands:
        assert main(["--db", str(db), *command]) == 0
    return db


@pytest.fixture
def movies(movies_db, tmp_path, capsys):
    """``cli`` on a fresh copy of ``movies_db``."""
    db = tmp_path / "test.db"
    shutil.copyfile(movies_db, db)
    return runner(db, capsys)


def recommend(cli, *args: str) -> dict:
    code, out, err = cli("--json", "recommend", "alice", "--now", "2024-06-01T00:00:00Z", *args)
    assert code == 0, err
    return json.loads(out)


def movie_of(obj: dict) -> tuple:
    return next(m for m in MOVIES if m[0] == obj["properties"]["original_id"])


# -- catalog commands --------------------------------------------------------------------------

def test_import_reports_and_lists_the_collection(cli, catalog_csv):
    code, out, _ = cli("import", str(catalog_csv), "-c", "Movies", "--id-column", "movieId",
                       "--text-columns", "title,genres", "--vector-column", "vector")
    assert code == 0 and "12 items" in out and "'Movies'" in out
    code, out, _ = cli("--json", "collections")
    [info] = json.loads(out)
    assert info["name"] == "Movies" and info["items"] == 12 and info["dims"] == 3 and info["agent"] is True
    assert info["text_fields"] == ["title", "genres"]
    code, out, _ = cli("collections")
    assert out.splitlines()[0].split() == ["name", "items", "dims", "agent", "personas", "community", "text_fields"]
    assert "Movies" in out and "yes" in out


def test_import_twice_needs_replace(movies, catalog_csv):
    args = ("import", str(catalog_csv), "-c", "Movies", "--id-column", "movieId", "--vector-column", "vector")
    code, _, err = movies(*args)
    assert code == 2 and "'Movies' already exists; pass --replace" in err
    assert movies(*args, "--replace")[0] == 0


def test_fake_sample_lists_and_installs(cli, tmp_path, monkeypatch):
    root = tmp_path / "samples"
    make_sample(root / "tiny")
    monkeypatch.setenv("PERSONALIZATION_SAMPLE_DATA", str(root))
    code, out, _ = cli("--json", "samples")
    assert code == 0 and [s["name"] for s in json.loads(out)] == ["tiny"]
    code, out, _ = cli("load-sample", "tiny")
    assert code == 0 and "'Tiny'" in out and "3 items" in out
    assert cli("persona", "create", "bob")[0] == 0
    assert cli("interact", "bob", "a", "1")[0] == 0
    code, out, _ = cli("--json", "recommend", "bob")
    assert [o["properties"]["original_id"] for o in json.loads(out)["objects"]] == ["b", "c"]
    code, _, err = cli("load-sample", "tiny")
    assert code == 2 and "'Tiny' already exists; pass --replace" in err
    assert cli("load-sample", "tiny", "--collection", "Tiny2")[0] == 0
    code, _, err = cli("load-sample", "nope")
    assert code == 2 and "'nope'" in err and "'tiny'" in err


def make_sample(path: Path) -> None:
    path.mkdir(parents=True)
    meta = {"name": "tiny", "title": "Tiny", "description": "three things", "count": 3, "license": "CC0",
            "collection": "Tiny", "id_property": "original_id", "title_property": "name",
            "text_fields": ["name"], "text_template": "{name}", "embedding_model": "test", "dims": 2, "source": "test"}
    (path / "catalog.json").write_text(json.dumps(meta))
    rows = [{"id": i, "properties": {"original_id": i, "name": f"Thing {i}"}} for i in "abc"]
    (path / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    np.save(path / "vectors.npy", np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float16))


def test_workshop_sample_loads_and_recommends(cli):
    code, out, _ = cli("--json", "load-sample", "workshop", "--collection", "Workshop")
    assert code == 0
    items = json.loads(out)["items"]
    code, out, _ = cli("--json", "collections")
    assert {"name": "Workshop", "items": items}.items() <= json.loads(out)[0].items()
    assert cli("interact", "ann", "spaghetti-carbonara", "1", "--create-personas")[0] == 0
    code, out, _ = cli("--json", "recommend", "ann", "--limit", "3")
    objects = json.loads(out)["objects"]
    assert code == 0 and len(objects) == 3
    assert str(to_uuid("spaghetti-carbonara")) not in {o["uuid"] for o in objects}


# -- personas and interactions -----------------------------------------------------------------

def test_persona_properties_parse_as_json_lists_or_text(movies):
    code, out, _ = movies("--json", "persona", "create", "bob", "--prop", "age=31", "--prop", "genres=Comedy|Drama",
                          "--prop", 'meta={"a": [1, 2]}', "--prop", "name=Bob Smith", "--prop", "vip=true")
    assert code == 0
    data = json.loads(out)
    assert data["persona_id"] == str(to_uuid("bob"))
    assert data["properties"] == {"age": 31, "genres": ["Comedy", "Drama"], "meta": {"a": [1, 2]},
                                  "name": "Bob Smith", "vip": True}
    code, out, _ = movies("--json", "persona", "list")
    assert {p["persona_id"]: p["interactions"] for p in json.loads(out)} == {str(to_uuid("alice")): 2,
                                                                             str(to_uuid("bob")): 0}
    code, _, err = movies("persona", "create", "bob")
    assert code == 2 and "already exists" in err


def test_persona_show_and_delete(movies):
    code, out, _ = movies("persona", "show", "alice")
    assert code == 0 and "Laugh Riot" in out and "Wedding Crashers Two" in out and "interactions" in out
    code, out, _ = movies("--json", "persona", "show", "alice")
    data = json.loads(out)
    assert data["properties"] == {"favorite_genres": ["Comedy", "Drama"]}
    assert {i["item_id"] for i in data["interactions"]} == {str(to_uuid(10)), str(to_uuid(11))}
    assert data["interactions"][0]["created_at"].startswith("2024-05-01T12:00:00")
    assert movies("persona", "delete", "alice")[0] == 0
    code, _, err = movies("persona", "show", "alice")
    assert code == 2 and "persona alice does not exist" in err


def test_interactions_from_a_file(movies, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("persona_id,item_id,weight,created_at\n"
                    "alice,12,0.5,2024-05-02T00:00:00Z\n"
                    "carol,20,1,2024-05-03T00:00:00Z\n"
                    "carol,10,-1,\n")
    code, _, err = movies("interact", "--file", str(path))
    assert code == 2 and "1 persona(s) do" in err and str(to_uuid("carol")) in err and "--create-personas" in err
    code, out, _ = movies("--json", "interact", "--file", str(path), "--create-personas")
    assert code == 0 and json.loads(out) == {"collection": "Movies", "stored": 3, "personas": 2}
    code, out, _ = movies("--json", "persona", "show", "carol")
    assert sorted(i["weight"] for i in json.loads(out)["interactions"]) == [-1.0, 1.0]
    code, out, _ = movies("--json", "persona", "show", "alice")
    assert len(json.loads(out)["interactions"]) == 3
    assert movies("interact", "alice", "13", "-1", "--replace")[0] == 0  # a negative weight is no option
    code, out, _ = movies("--json", "persona", "show", "alice")
    assert json.loads(out)["interactions"][0]["weight"] == -1.0


# -- recommend ---------------------------------------------------------------------------------

def test_recommend_json_ranks_comedies_and_excludes_liked_items(movies):
    data = recommend(movies, "--limit", "5")
    objects = data["objects"]
    assert [o["personalized_rank"] for o in objects] == [1, 2, 3, 4, 5]
    assert all(isinstance(o["original_rank"], int) for o in objects)
    liked = {str(to_uuid(10)), str(to_uuid(11))}
    assert not liked & {o["uuid"] for o in objects}
    assert {movie_of(o)[0] for o in objects[:3]} == {12, 13, 14}  # the other comedies
    assert data["ranker"] == "vector"
    scores = [o["score"] for o in objects]
    assert scores == sorted(scores, reverse=True)


def test_recommend_include_interacted_and_exclude(movies):
    ids = [o["properties"]["original_id"] for o in recommend(movies, "--include-interacted", "--limit", "5")["objects"]]
    assert set(ids) == {10, 11, 12, 13, 14}
    ids = [o["properties"]["original_id"] for o in recommend(movies, "--exclude", "12", "13")["objects"]]
    assert 12 not in ids and 13 not in ids and ids[0] == 14


def test_recommend_table(movies):
    args = ("--limit", "3", "--strategy", "knn")
    top = recommend(movies, *args)["objects"][0]["properties"]["title"]
    code, out, _ = movies("recommend", "alice", "--now", "2024-06-01T00:00:00Z", *args)
    assert code == 0
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("rank"))
    assert header.split() == ["rank", "original_rank", "score", "title", "explanation"]
    rows = lines[lines.index(header) + 2:]
    assert len(rows) == 3 and rows[0].split()[0] == "1" and top in rows[0]


@pytest.mark.parametrize("where, holds", [
    (["year>=2000"], lambda m: m[2] >= 2000),
    (["year<1990"], lambda m: m[2] < 1990),
    (["genres~Thriller,Drama"], lambda m: {"Thriller", "Drama"} & set(m[3].split("|"))),
    (["genres!=Comedy"], lambda m: "Comedy" not in m[3].split("|")),
    (["title like *Star*"], lambda m: "Star" in m[1].split()),
    (["year>=1990", "genres~Comedy"], lambda m: m[2] >= 1990 and "Comedy" in m[3]),
])
def test_recommend_where_filters(movies, where, holds):
    args = [arg for expr in where for arg in ("--where", expr)]
    objects = recommend(movies, "--limit", "20", *args)["objects"]
    expected = [m for m in MOVIES if holds(m) and m[0] not in (10, 11)]
    assert objects and len(objects) == len(expected)
    assert all(holds(movie_of(o)) for o in objects)


# -- search ------------------------------------------------------------------------------------

def search(cli, *args: str) -> list[dict]:
    code, out, err = cli("--json", "search", "alice", "night", "--mode", "bm25", "--limit", "5", *args)
    assert code == 0, err
    return json.loads(out)["objects"]


def test_search_bm25_strength_zero_keeps_search_order_and_one_ranks_by_persona(movies):
    plain = search(movies, "--strength", "0")
    assert [o["metadata"]["search_rank"] for o in plain] == [1, 2, 3, 4]
    assert movie_of(plain[0])[0] == 20  # "Night" four times
    personal = search(movies, "--strength", "1")
    assert movie_of(personal[0])[0] == 12  # the only comedy with "night"
    assert {o["uuid"] for o in personal} == {o["uuid"] for o in plain}


def test_search_with_where_and_table(movies):
    objects = search(movies, "--where", "genres~Horror")
    assert {movie_of(o)[0] for o in objects} == {20, 21}
    code, out, _ = movies("search", "alice", "night", "--mode", "hybrid", "--alpha", "0")
    assert code == 0 and out.splitlines()[0].split() == ["rank", "search_rank", "score", "search_score",
                                                         "persona_score", "title"]


# -- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (("recommend", "ghost"), "persona ghost does not exist"),
    (("interact", "ghost", "10", "1"), "persona 'ghost' does not exist"),
    (("interact", "alice", "10", "3"), "weight must be a number in [-1, 1], got 3.0"),
    (("interact", "alice", "999", "1"), "item '999' is not in collection 'Movies'"),
    (("interact", "alice", "10"), "PERSONA ITEM WEIGHT"),
    (("interact", "alice", "--file", "log.csv"), "--file takes no PERSONA ITEM WEIGHT"),
    (("recommend", "alice", "--where", "year 2000"), "bad --where expression 'year 2000'"),
    (("recommend", "alice", "--where", "year>=soon"), "'year>=soon': >= needs a number"),
    (("recommend", "alice", "--where", "yaer>=2000"), "--where property 'yaer' is not in collection"),
    (("recommend", "alice", "--where", "title>=2000"), "title"),
    (("recommend", "alice", "--limit", "0"), "limit must be an integer from 1 to 1000, got 0"),
    (("recommend", "alice", "--now", "yesterday"), "'yesterday'"),
    (("search", "alice", "night", "--mode", "bm25", "--strength", "2"), "strength must be a number in [0, 1]"),
    (("import", "missing.csv", "-c", "X", "--id-column", "id", "--text-columns", "t"), "missing.csv"),
    (("interact", "--file", "missing.csv"), "missing.csv"),
    (("persona", "create", "dave", "--prop", "novalue"), "--prop must look like key=value, got 'novalue'"),
    (("recommend", "alice", "--collection", "Books"), "collection 'Books' does not exist"),
])
def test_bad_input_exits_2_with_a_message_naming_it(movies, args, message):
    code, out, err = movies(*args)
    assert code == 2 and err.startswith("error: ") and message in err, err
    assert out == ""


def test_usage_errors_come_from_argparse(cli):
    code, _, err = cli("recommend")
    assert code == 2 and "usage:" in err and "persona" in err
    code, _, err = cli("recommend", "alice", "--strategy", "magic")
    assert code == 2 and "invalid choice: 'magic'" in err
    assert cli("--help")[0] == 0


def test_several_agent_collections_need_collection(movies, catalog_csv):
    movies("import", str(catalog_csv), "-c", "Films", "--id-column", "movieId", "--vector-column", "vector")
    code, _, err = movies("persona", "list")
    assert code == 2 and "Films, Movies" in err and "--collection" in err
    assert movies("persona", "list", "--collection", "Films")[0] == 0


def test_db_defaults_to_the_environment(tmp_path, capsys, monkeypatch, catalog_csv):
    monkeypatch.setenv("PERSONALIZATION_DB", str(tmp_path / "env.db"))
    assert main(["import", str(catalog_csv), "-c", "M", "--id-column", "movieId", "--vector-column", "vector"]) == 0
    assert (tmp_path / "env.db").is_file()
    assert main(["collections", "--json"]) == 0  # --json also works after the command
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])[0]["name"] == "M"


@pytest.mark.integration
def test_python_dash_m_core(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "core", "--db", str(tmp_path / "x.db"), "recommend", "nobody"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "Traceback" not in done.stderr


# -- pure helpers ------------------------------------------------------------------------------

def test_parse_condition_types_values():
    assert parse_condition("year>=2000") == Condition("year", "greater_or_equal", 2000)
    assert parse_condition(" rating < 3.5 ") == Condition("rating", "less_than", 3.5)
    assert parse_condition("genres~Comedy, Drama") == Condition("genres", "contains_any", ["Comedy", "Drama"])
    assert parse_condition("genres!~Horror") == Condition("genres", "contains_none", ["Horror"])
    assert parse_condition("title LIKE *Star*") == Condition("title", "like", "*Star*")
    assert parse_condition('code="007"') == Condition("code", "equal", "007")
    assert parse_condition("spicy=false") == Condition("spicy", "equal", False)
    assert parse_condition("added>=2020-01-31") == Condition("added", "greater_or_equal",
                                                             datetime(2020, 1, 31, tzinfo=timezone.utc))


def test_table_aligns_and_truncates():
    text = table(["rank", "title", "score"], [[1, "x" * 60, 0.5], [10, "short", None]])
    lines = text.splitlines()
    assert lines[0] == "rank  " + "title".ljust(40) + "   score"
    assert lines[2] == "   1  " + "x" * 37 + "...  0.5000"
    assert lines[3].endswith("-") and table(["a"], []) == "(none)"
    assert title_of({"name": "Ann", "original_id": 3}) == "Ann"
    assert title_of({"headline_text": "Big news", "original_id": 3}, ("headline_text",)) == "Big news"
    assert title_of({"original_id": 3}) == "3"


def test_recommend_popularity_option_reaches_the_engine(tmp_path, capsys):
    db = str(tmp_path / "pop.db")
    assert main(["--db", db, "load-sample", "workshop"]) == 0
    for fan in ("u1", "u2"):
        assert main(["--db", db, "interact", fan, "tiramisu", "1.0", "--create-personas"]) == 0
    assert main(["--db", db, "interact", "alice", "spaghetti-carbonara", "1.0", "--create-personas"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "--json", "recommend", "alice", "--limit", "109", "--popularity", "0"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["--db", db, "--json", "recommend", "alice", "--limit", "109", "--popularity", "5"]) == 0
    boosted = json.loads(capsys.readouterr().out)

    def rank_of(payload, name):
        return next(o["personalized_rank"] for o in payload["objects"] if o["properties"]["original_id"] == name)
    assert rank_of(boosted, "tiramisu") < rank_of(plain, "tiramisu")
    assert main(["--db", db, "recommend", "alice", "--popularity", "-1"]) == 2


def test_a_server_url_as_db_that_nothing_answers_is_a_clear_error(capsys):
    from .browser import free_port
    port = free_port()  # nothing listens there
    assert main(["--db", f"http://127.0.0.1:{port}", "collections"]) == 2
    assert f"cannot connect to Weaviate at http://127.0.0.1:{port}: the connection was refused" in capsys.readouterr().err


# --- workspaces: the lab's data directory from the command line -----------------------------------

def test_workspace_commands_share_the_labs_workspaces(tmp_path, capsys, monkeypatch):
    from core import SampleLibrary, WorkspaceRef, Workspaces

    data = str(tmp_path / "data")
    run = lambda *argv: main(["--data-dir", data, *argv])  # noqa: E731
    assert run("workspace", "new", "--shared", "room-12") == 0
    assert run("--workspace", "shared:room-12", "load-sample", "workshop") == 0
    assert run("--workspace", "shared:room-12", "persona", "create", "alice") == 0
    assert run("--workspace", "shared:room-12", "interact", "alice", "cacio-e-pepe", "1") == 0
    assert run("workspace", "passcode", "shared:room-12", "--new", "tulip-42") == 0
    capsys.readouterr()
    assert run("--workspace", "shared:room-12", "persona", "create", "bob") == 2
    assert "protected by a passcode" in capsys.readouterr().err
    assert run("--workspace", "shared:room-12", "--passcode", "tulip-42", "persona", "create", "bob") == 0
    lab = Workspaces(data, SampleLibrary()).open(WorkspaceRef.shared("room-12"))  # what the lab would open
    assert sorted(p.properties.get("name", "") or str(p.persona_id) for p in lab.store.list_personas("Workshop")) \
        and len(lab.store.list_personas("Workshop")) == 2 and lab.store.own.count("Workshop") == 0
    archive = tmp_path / "room.zip"
    assert run("workspace", "export", "shared:room-12", str(archive)) == 0
    capsys.readouterr()
    assert run("--json", "workspace", "import", str(archive)) == 0
    imported = json.loads(capsys.readouterr().out)["workspace"]
    assert run("--workspace", imported, "--json", "recommend", "alice", "--limit", "3") == 0
    assert len(json.loads(capsys.readouterr().out)["objects"]) == 3
    assert run("workspace", "delete", "shared:room-12", "--passcode", "tulip-42") == 2  # no --yes
    monkeypatch.setenv("PERSONALIZATION_WORKSPACE_PASSCODE", "tulip-42")
    assert run("workspace", "delete", "shared:room-12", "--yes") == 0
    assert not (tmp_path / "data" / "shared" / "room-12.sqlite").exists()
    capsys.readouterr()
    assert run("--json", "workspace", "list") == 0
    assert [w["workspace"] for w in json.loads(capsys.readouterr().out)] == [imported]


# --- evaluate: the engine against baselines on a sample's real log ---------------------------------

@pytest.mark.slow
def test_evaluate_reports_intervals_and_the_paired_difference(capsys):
    assert main(["--json", "evaluate", "movies", "--users", "40", "--relevant-rating", "4",
                 "--baselines", "random", "most_popular"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["protocol"]["split"] == "temporal" and data["users"] == 40 and data["versions"]["numpy"]
    engine, random, popular = data["runs"]
    assert engine["config"]["strategy"] == "auto" and random["config"] == {"baseline": "random"}
    assert engine["ndcg"]["low"] <= engine["ndcg"]["mean"] <= engine["ndcg"]["high"] and engine["ndcg"]["users"] == 40
    assert engine["ndcg_vs_first"]["mean"] == 0.0  # the first run against itself
    assert random["ndcg_vs_first"]["high"] < 0  # random is clearly worse than the engine
    assert main(["evaluate", "movies", "--users", "5", "--baselines"]) == 0
    assert "NDCG@10 [95% CI]" in capsys.readouterr().out


def test_search_boost_numeric_reranks_by_year_on_the_engine(movies):
    plain = search(movies, "--strength", "0")
    boosted = search(movies, "--strength", "0", "--boost-numeric", "year@1")
    years = [movie_of(o)[2] for o in boosted]
    assert {o["uuid"] for o in boosted} == {o["uuid"] for o in plain}
    assert years == sorted(years, reverse=True) != [movie_of(o)[2] for o in plain]  # weight 1: the year alone
    code, out, _ = movies("--json", "search", "alice", "night", "--mode", "bm25", "--boost-numeric", "year:log1p",
                          "--boost-numeric", "year:sqrt@2")
    (step,) = [s for s in json.loads(out)["trace"] if s["name"] == "search"]
    assert step["details"]["boost"] == ["value of year (log1p)", "2 × value of year (sqrt)"]
    assert step["details"]["boosted_by"] == "engine" and step["details"]["boost_weight"] == 0.5
    code, out, _ = movies("search", "alice", "night", "--mode", "bm25", "--boost-numeric", "year")
    assert code == 0 and "boost applied by the engine (client-side): value of year" in out


@pytest.mark.parametrize("args, message", [
    (("--boost-numeric", "year:cube"), "--boost-numeric 'year:cube': write PROP, PROP:log1p or PROP:sqrt"),
    (("--boost-numeric", "year@heavy"), "the weight after @ must be a number, got 'heavy'"),
    (("--boost-numeric", "rating"), "'rating' is not a property of the collection"),
    (("--boost-recent", "year"), "--boost-recent 'year': write DATE_PROP:SCALE"),
    (("--boost-recent", "year:7 days"), "time_decay.scale must be a duration"),
    (("--boost-numeric", "year@2"), r"boost.weight must be in [0, 1], got 2"),
])
def test_search_boost_errors(movies, args, message):
    code, _, err = movies("search", "alice", "night", "--mode", "bm25", *args)
    assert code != 0 and message in err
