"""The CLI's imports of issue 8: ``import-interactions`` (a log's personas and interactions in one step)
and ``import --column-type`` (typed catalog columns that filters compare as such)."""

from __future__ import annotations

import json

import pytest

from core import MIN_TUNE_USERS, load_sample_interactions

from . import test_cli

cli, movies, movies_db = test_cli.cli, test_cli.movies, test_cli.movies_db  # the CLI tests' fixtures

LOG = ("user,item,rating,timestamp\n"
       "zoe,1,5,1714564800\n"        # Fast Fists (action): loved
       "zoe,2,4.5,1714564800000\n"   # Star Blaster (action), in milliseconds
       "zoe,10,1,2024-05-01T12:00:00Z\n"
       "yan,20,5,\n")


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def persona_names(cli) -> dict[str, int]:
    code, out, err = cli("--json", "persona", "list")
    assert code == 0, err
    return {p["properties"].get("name", "?"): p["interactions"] for p in json.loads(out)}


def test_import_interactions_creates_named_personas_with_scaled_weights(movies, tmp_path):
    code, out, err = movies("import-interactions", str(write(tmp_path, "log.csv", LOG)), "--collection", "Movies",
                            "--persona-column", "user", "--item-column", "item", "--rating-column", "rating",
                            "--rating-scale", "1:5", "--timestamp-column", "timestamp")
    assert code == 0, err
    assert "persona: user, item: item, rating: rating, timestamp: timestamp" in out
    assert "rating 1..5 → weight −1..+1" in out and "stored 4 interactions of 2 personas (2 new)" in out
    # three personas with two or three interactions each: too few to tune on, trained with the defaults
    assert ("not tuned: no user of Movies personas has a relevant held-out interaction (users need at least 5 "
            "interactions") in out and "retrained on 6 interactions in " in out and "blend weights not tuned" in out
    assert persona_names(movies) == {"?": 2, "zoe": 3, "yan": 1}  # alice (no name property) and the new two
    code, out, _ = movies("--json", "persona", "show", "zoe")
    weights = sorted(i["weight"] for i in json.loads(out)["interactions"])
    assert code == 0 and weights == [-1.0, 0.75, 1.0]
    code, out, _ = movies("--json", "recommend", "zoe", "--limit", "2", "--popularity", "0")
    assert code == 0 and {o["properties"]["original_id"] for o in json.loads(out)["objects"]} == {3, 4}  # action


def test_the_mapping_is_detected_and_reported_as_json(movies, tmp_path):
    code, out, err = movies("--json", "import-interactions", str(write(tmp_path, "log.csv", LOG)))
    assert code == 0, err
    report = json.loads(out)
    assert report["columns"] == {"persona": "user", "item": "item", "rating": "rating", "timestamp": "timestamp"}
    assert report["rating"].startswith("rating 1..5")  # the observed range
    assert (report["stored"], report["personas"], report["new_personas"], report["skipped_rows"]) == (4, 2, 2, 0)


def test_other_rating_mappings(movies, tmp_path):
    path = str(write(tmp_path, "log.csv", LOG))
    code, out, _ = movies("--json", "import-interactions", path, "--like-threshold", "4.5", "--no-timestamp")
    assert code == 0 and json.loads(out)["rating"] == "rating ≥ 4.5 → like (+1); below 4.5 → dislike (−1)"
    code, out, _ = movies("--json", "persona", "show", "zoe")
    assert sorted(i["weight"] for i in json.loads(out)["interactions"]) == [-1.0, 1.0, 1.0]
    code, out, _ = movies("--json", "import-interactions", path, "--all-likes", "--no-names")
    assert code == 0 and json.loads(out)["rating"] == "every row is a like (weight +1)"


def test_no_tune_only_retrains_and_a_bad_user_count_stores_nothing(movies, tmp_path):
    path = str(write(tmp_path, "log.csv", LOG))
    code, _, err = movies("import-interactions", path, "--tune-users", "0")
    assert code == 2 and "validation users to tune on must be an integer of at least 1, got 0" in err
    assert "zoe" not in persona_names(movies)
    code, out, err = movies("--json", "import-interactions", path, "--no-tune")
    assert code == 0, err
    learned = json.loads(out)["behaviour"]
    assert (learned["outcome"], learned["reason"], learned["trained_on"]) == ("trained", "tuning was not asked for", 6)
    assert learned["tuning"] is None and learned["blend"]["content"] == 0.2  # the defaults, as stored before


def test_a_bad_row_fails_with_its_row_and_column_and_stores_nothing(movies, tmp_path):
    before = persona_names(movies)
    bad = LOG.replace("zoe,10,1,", "zoe,10,abc,")
    code, out, err = movies("import-interactions", str(write(tmp_path, "bad.csv", bad)), "--rating-scale", "1:5")
    assert code == 2 and out == "" and "error: row 3, column 'rating': 'abc' is not a number" in err
    assert persona_names(movies) == before


def test_unknown_items_fail_or_are_skipped(movies, tmp_path):
    path = str(write(tmp_path, "log.csv", LOG + "yan,999,5,\nzoe,998,2,\n"))
    code, _, err = movies("import-interactions", path)
    assert code == 2 and "row 5, column 'item': item '999' is not in collection 'Movies'" in err
    assert "zoe" not in persona_names(movies)
    code, out, err = movies("import-interactions", path, "--skip-unknown-items")
    assert code == 0, err
    assert "stored 4 interactions" in out and "skipped 2 rows naming 2 items not in the catalog (999, 998)" in out


def test_usage_errors(movies, tmp_path):
    path = str(write(tmp_path, "log.csv", LOG))
    for args, message in ((("--rating-scale", "5"), "LOW:HIGH"), (("--item-column", "nope"), "the item column is "
                          "missing; the file has columns: user, item, rating, timestamp"),
                          (("--rating-scale", "1:5", "--weights"), "not allowed with argument")):
        code, _, err = movies("import-interactions", path, *args)
        assert code == 2 and message in err, err


@pytest.mark.slow
def test_a_movies_log_is_tuned_after_the_import_and_train_says_on_what(cli, tmp_path):
    """The movies sample without its community, then a slice of its real ratings through import-interactions."""
    assert cli("load-sample", "movies", "--no-community")[0] == 0
    frame = load_sample_interactions("movies")
    ids = sorted(frame.user.unique())[:12]
    path = tmp_path / "ratings.csv"
    frame[frame.user.isin(ids)][["user", "original_item_id", "rating", "timestamp"]].to_csv(path, index=False)
    code, out, err = cli("--json", "import-interactions", str(path), "--item-column", "original_item_id",
                         "--tune-users", str(MIN_TUNE_USERS))
    assert code == 0, err
    report = json.loads(out)
    learned, stored = report["behaviour"], report["stored"]
    assert learned["outcome"] == "tuned" and learned["trained_on"] == stored
    assert learned["tuning"]["users"] == MIN_TUNE_USERS and learned["tuning"]["interactions"] == stored
    code, out, err = cli("train", "--status")
    assert code == 0 and out.strip().endswith(f"up to date; blend weights tuned on {stored:,} interactions"), out
    code, out, err = cli("import-interactions", str(path), "--item-column", "original_item_id", "--no-tune")
    chosen = learned["tuning"]["validation"]
    assert code == 0 and f"blend weights tuned on {stored:,} interactions (+{stored:,} since)" in out, out
    code, out, err = cli("--json", "train", "--status")
    assert json.loads(out)["model"]["tuning"]["validation"] == chosen  # a retrain keeps the tuned weights


# --- import --column-type -----------------------------------------------------------------------

SHOP = ("sku,name,in_stock,released,vector\n"
        'k1,Red kettle,true,2020-01-31,"[1,0,0]"\n'
        'k2,Blue kettle,false,2023-06-01,"[0.9,0.1,0]"\n'
        'm1,Green mug,yes,2022-03-15,"[0,1,0]"\n')


def test_import_detects_and_takes_column_types_and_filters_use_them(cli, tmp_path):
    path = str(write(tmp_path, "shop.csv", SHOP))
    code, out, err = cli("import", path, "-c", "Shop", "--id-column", "sku", "--text-columns", "name",
                         "--vector-column", "vector", "--column-type", "released=date")
    assert code == 0, err
    assert "column types: name text, in_stock boolean, released date" in out
    assert cli("persona", "create", "pat")[0] == 0 and cli("interact", "pat", "k1", "1")[0] == 0
    for where, expected in ((["in_stock=true"], {"m1"}), (["released>=2021-01-01"], {"k2", "m1"}),
                            (["in_stock=false", "released>2023-01-01"], {"k2"})):
        args = [a for w in where for a in ("--where", w)]
        code, out, err = cli("--json", "recommend", "pat", *args)
        assert code == 0, err
        assert {o["properties"]["original_id"] for o in json.loads(out)["objects"]} == expected


def test_import_column_type_errors(cli, tmp_path):
    path = str(write(tmp_path, "shop.csv", SHOP))
    base = ("import", path, "-c", "Shop", "--id-column", "sku", "--text-columns", "name", "--vector-column", "vector")
    code, _, err = cli(*base, "--column-type", "name=number")
    assert code == 2 and "error: row 1, column 'name': 'Red kettle' is not a number" in err
    code, _, err = cli(*base, "--column-type", "in_stock")
    assert code == 2 and "--column-type must look like COLUMN=TYPE" in err
    code, _, err = cli(*base, "--column-type", "in_stock=flag")
    assert code == 2 and "--column-type in_stock: unknown column type 'flag'" in err
    code, out, err = cli("--json", *base, "--no-type-detection")
    assert code == 0 and json.loads(out)["column_types"] == {}
