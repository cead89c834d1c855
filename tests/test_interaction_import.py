"""Bring your own behaviour (issue 8, item 3): interaction logs with a column mapping and a rating
mapping, imported as personas and interactions in one atomic step."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from core import (CatalogImportError, CollectionSpec, EmbeddedStore, InvalidInputError, LogMapping, NotFoundError,
                  Persona, RatingMapping, convert_log, import_interactions, install_sample_agent,
                  read_interaction_log, to_uuid)
from core.store.base import StoredInteraction

from .store_contract import VECTORS, items, uid

NOW = datetime(2024, 6, 1, tzinfo=UTC)
T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)


def log_of(text: str, name: str = "log.csv"):
    return read_interaction_log(text.encode(), format=name)


@pytest.fixture
def things():
    """The contract catalog (items a, b, c, d, ... with their original ids as the UUID source)."""
    store = EmbeddedStore(":memory:")
    store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
    store.add_items("Things", items(), VECTORS)
    yield store
    store.close()


def counts(store) -> tuple[int, int]:
    return len(store.list_personas("Things")), len(store.scan_interactions("Things"))


# --- rating mappings, by hand -----------------------------------------------------------------

@pytest.mark.parametrize("mapping, rating, weight", [
    (RatingMapping("scale", low=0.5, high=5), 0.5, -1.0),
    (RatingMapping("scale", low=0.5, high=5), 2.75, 0.0),
    (RatingMapping("scale", low=0.5, high=5), "5", 1.0),
    (RatingMapping("scale", low=1, high=5), 4, 0.5),          # 2 * (4 - 1) / 4 - 1
    (RatingMapping("scale", low=1, high=10), 2, -7 / 9),      # 2 * 1 / 9 - 1
    (RatingMapping("threshold", threshold=4), 4, 1.0),
    (RatingMapping("threshold", threshold=4), "3.5", -1.0),
    (RatingMapping("weights"), "-0.25", -0.25),
    (RatingMapping("likes"), None, 1.0),
])
def test_rating_to_weight(mapping, rating, weight):
    assert mapping.weight(rating) == pytest.approx(weight)


@pytest.mark.parametrize("mapping, rating, message", [
    (RatingMapping("scale", low=1, high=5), "abc", "'abc' is not a number"),
    (RatingMapping("scale", low=1, high=5), 6, "rating 6 is outside the scale 1..5"),
    (RatingMapping("scale", low=1, high=5), "", "the rating is missing"),
    (RatingMapping("weights"), 1.5, "weight must be a number in [-1, 1], got 1.5"),
    (RatingMapping("threshold", threshold=3), True, "True is not a number"),
])
def test_bad_ratings(mapping, rating, message):
    with pytest.raises(ValueError) as info:
        mapping.weight(rating)
    assert message in str(info.value)


def test_rating_mappings_are_checked_and_described():
    for bad in (dict(kind="stars"), dict(kind="scale", low=5, high=1), dict(kind="scale", low=1),
                dict(kind="threshold"), dict(kind="weights", threshold=3), dict(kind="scale", low=1, high=float("inf"))):
        with pytest.raises(InvalidInputError):
            RatingMapping(**bad)
    assert RatingMapping.parse_scale("0.5:5") == RatingMapping("scale", low=0.5, high=5.0)
    assert RatingMapping.parse_scale("1..10") == RatingMapping("scale", low=1.0, high=10.0)
    with pytest.raises(InvalidInputError, match="LOW:HIGH"):
        RatingMapping.parse_scale("5")
    assert RatingMapping("scale", low=1, high=5).describe().startswith("rating 1..5 → weight −1..+1 (linear")
    assert RatingMapping("threshold", threshold=4).describe() == "rating ≥ 4 → like (+1); below 4 → dislike (−1)"
    assert RatingMapping("scale", low=1, high=5).examples(["1", "3", "5", "3", "x"]) == [(1, -1), (3, 0), (5, 1)]


# --- detection --------------------------------------------------------------------------------

@pytest.mark.parametrize("header, rows, expected", [
    ("userId,movieId,rating,timestamp", ["1,31,2.5,964982703", "1,1,5,964982224"],
     LogMapping("userId", "movieId", "rating", RatingMapping("scale", low=2.5, high=5.0), "timestamp")),
    ("user,item,weight", ["u,a,1", "u,b,-0.5"], LogMapping("user", "item", "weight", RatingMapping("weights"))),
    ("persona_id,item_id,created_at", ["u,a,2024-01-01"], LogMapping("persona_id", "item_id", None,
                                                                      timestamp_column="created_at")),
    ("Customer,SKU,Stars,Time", ["c,s,1,", "c,t,5,"],
     LogMapping("Customer", "SKU", "Stars", RatingMapping("scale", low=1.0, high=5.0), "Time")),
    ("when,reader_id,book_id,score", ["2024-01-01,r,b,4", "2024-01-02,r,c,4"],
     LogMapping("reader_id", "book_id", "score", RatingMapping("threshold", threshold=4.0), "when")),
    ("a,b", ["x,y"], LogMapping("a", "b")),
])
def test_the_mapping_is_guessed_from_names_and_values(header, rows, expected):
    assert log_of("\n".join([header, *rows])).guess == expected


def test_a_missing_column_is_named_by_its_role():
    log = log_of("user,item,time\nu,a,\n")
    with pytest.raises(CatalogImportError, match="the timestamp column is missing; the file has columns: user, item"):
        convert_log(log, LogMapping("user", "item", timestamp_column="when"))


def test_a_mapping_is_checked():
    with pytest.raises(InvalidInputError, match="same column"):
        LogMapping("user", "user")
    with pytest.raises(InvalidInputError, match="rating column needs a rating mapping"):
        LogMapping("user", "item", "rating")
    with pytest.raises(InvalidInputError, match="timestamp_unit"):
        LogMapping("user", "item", timestamp_unit="days")


# --- conversion -------------------------------------------------------------------------------

def test_times_are_iso_or_unix_seconds_or_milliseconds():
    stamp = int(T0.timestamp())
    log = log_of(f"user,item,time\nu,a,2024-05-01T12:00:00Z\nu,a,2024-05-01T14:00:00+02:00\nu,a,{stamp}\n"
                 f"u,a,{stamp * 1000}\nu,a,\n")
    assert convert_log(log, log.guess).created_at == [T0, T0, T0, T0, None]
    seconds = LogMapping("user", "item", timestamp_column="time", timestamp_unit="s")
    with pytest.raises(CatalogImportError, match="row 4, column 'time': bad date 1714564800000.0: .* out of range"):
        convert_log(log, seconds)


@pytest.mark.parametrize("line, message, column", [
    ("u,a,abc,", "'abc' is not a number", "rating"),
    ("u,a,9,", "rating 9 is outside the scale 1..5", "rating"),
    ("u,a,,", "the rating is missing", "rating"),
    (",a,3,", "the id is missing", "user"),
    ("u,,3,", "the id is missing", "item"),
    ("u,a,3,yesterday", "bad date 'yesterday': use ISO-8601", "time"),
])
def test_a_bad_cell_names_its_row_and_column(line, message, column):
    rows = ["u,a,3,"] * 16 + [line, "u,b,4,"]
    log = log_of("user,item,rating,time\n" + "\n".join(rows))
    mapping = LogMapping("user", "item", "rating", RatingMapping("scale", low=1, high=5), "time")
    with pytest.raises(CatalogImportError) as info:
        convert_log(log, mapping)
    assert str(info.value).startswith(f"row 17, column '{column}': {message}"), str(info.value)


def test_ids_map_like_the_catalogs_and_names_keep_the_files_spelling():
    frame = pd.DataFrame({"user": [7.0, 7.0], "item": [260, 1], "rating": [4.0, 2.0]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    log = read_interaction_log(buffer.getvalue(), format="parquet")
    rows = convert_log(log, log.guess)
    assert rows.persona_ids == [to_uuid(7)] * 2 and rows.item_uuids == [to_uuid(260), to_uuid(1)]
    assert rows.names == {to_uuid("7"): "7"}


# --- import: all or nothing -------------------------------------------------------------------

LOG = "user,item,rating,time\n" + "\n".join(
    f"{user},{item},{rating},2024-05-{day:02d}T12:00:00Z"
    for day, (user, item, rating) in enumerate([("ann", "a", 5), ("ann", "b", 1), ("ben", "c", 3), ("cy", "a", 4)], 1))


def test_import_creates_named_personas_and_their_interactions(things):
    report = import_interactions(things, "Things", log_of(LOG), now=NOW)
    assert (report.rows, report.stored, report.personas, report.new_personas, report.skipped_rows) == (4, 4, 3, 3, 0)
    assert "stored 4 interactions of 3 personas (3 new) in 'Things'" in report.summary()
    names = {p.persona_id: p.properties for p in things.list_personas("Things")}
    assert names == {to_uuid("ann"): {"name": "ann"}, to_uuid("ben"): {"name": "ben"}, to_uuid("cy"): {"name": "cy"}}
    ann = things.recent_interactions("Things", to_uuid("ann"), None)
    assert [(r.item_id, r.weight, r.created_at) for r in ann] == [
        (uid("b"), -1.0, datetime(2024, 5, 2, 12, tzinfo=UTC)), (uid("a"), 1.0, datetime(2024, 5, 1, 12, tzinfo=UTC))]
    assert things.recent_interactions("Things", to_uuid("ben"), None)[0].weight == 0.0  # 3 on 1..5


def test_existing_personas_keep_their_properties_and_rows_without_time_are_stored_now(things):
    things.put_persona("Things", Persona(persona_id=to_uuid("ann"), properties={"name": "Ann", "age": 3}),
                       must_exist=False)
    report = import_interactions(things, "Things", log_of("user,item\nann,a\nnew,b\n"), now=NOW)
    assert (report.personas, report.new_personas) == (2, 1)
    assert things.get_persona("Things", to_uuid("ann")).properties == {"name": "Ann", "age": 3}
    assert [(r.weight, r.created_at) for r in things.recent_interactions("Things", to_uuid("new"), None)] == [(1.0, NOW)]


@pytest.mark.parametrize("bad_line, message", [
    ("mid,b,abc,", "row 3, column 'rating': 'abc' is not a number"),
    ("mid,zz,4,", "row 3, column 'item': item 'zz' is not in collection 'Things' (1 row with 1 unknown item); nothing was stored"),
])
def test_a_bad_row_in_the_middle_stores_nothing(things, bad_line, message):
    things.put_persona("Things", Persona(persona_id=to_uuid("old"), properties={}), must_exist=False)
    things.add_interactions("Things", [StoredInteraction(to_uuid("old"), uid("a"), 1.0, T0)])
    before = counts(things)
    log = log_of("user,item,rating,time\nfirst,a,5,\nsecond,b,4,\n" + bad_line + "\nlast,c,1,\n")
    with pytest.raises(CatalogImportError) as info:
        import_interactions(things, "Things", log, LogMapping(
            "user", "item", "rating", RatingMapping("scale", low=1, high=5), "time"))
    assert str(info.value).startswith(message), str(info.value)
    assert counts(things) == before == (1, 1)


def test_unknown_items_can_be_skipped_and_are_counted(things):
    log = log_of("user,item\nann,a\nann,nope\nben,nope\nben,b\ncy,other\n")
    report = import_interactions(things, "Things", log, skip_unknown_items=True, now=NOW)
    assert (report.rows, report.stored, report.skipped_rows, report.unknown_items) == (5, 2, 3, ("nope", "other"))
    assert report.personas == 2 and counts(things) == (2, 2)  # cy named only an unknown item: not created
    assert "skipped 3 rows naming 2 items not in the catalog (nope, other)" in report.summary()
    with pytest.raises(CatalogImportError, match="no row names an item of collection 'Things'"):
        import_interactions(things, "Things", log_of("user,item\nx,nope\n"), skip_unknown_items=True)


def test_names_follow_the_agents_persona_schema(things):
    things.set_agent_config("Things", user_properties={"age": "int"}, vector_name=None)
    with pytest.raises(InvalidInputError, match="no text property 'name'"):
        import_interactions(things, "Things", log_of(LOG))
    assert counts(things) == (0, 0)
    import_interactions(things, "Things", log_of(LOG), name_property=None)
    assert [p.properties for p in things.list_personas("Things")] == [{}, {}, {}]
    with pytest.raises(NotFoundError):
        import_interactions(things, "Nope", log_of(LOG))


def test_a_failing_store_write_leaves_no_persona_behind(things):
    """The store's one transaction: personas with properties and rows go in together or not at all."""
    good = StoredInteraction(to_uuid("p1"), uid("a"), 1.0, T0)
    bad = StoredInteraction(to_uuid("p2"), uid("b"), 2.0, T0)  # weight out of range: rejected in the write
    with pytest.raises(InvalidInputError, match="nothing was stored"):
        things.add_interactions("Things", [good, bad], create_personas=[
            Persona(persona_id=to_uuid("p1"), properties={"name": "p1"}), to_uuid("p2")])
    assert counts(things) == (0, 0)


# --- a real log: the shipped MovieLens ratings -------------------------------------------------

def test_a_subset_of_the_movielens_log_imports_with_its_scale_and_times():
    from core.io.samples import sample_info
    lines = gzip.decompress((sample_info("movies").path / "interactions.csv.gz").read_bytes()).decode().splitlines()
    subset = gzip.compress(("\n".join(lines[:2001]) + "\n").encode())
    log = read_interaction_log(subset, format="ratings.csv.gz")
    assert log.guess == LogMapping("userId", "movieId", "rating", RatingMapping("scale", low=0.5, high=5.0),
                                   "timestamp")
    store = EmbeddedStore(":memory:")
    install_sample_agent(store, "movies")
    report = import_interactions(store, "Movies", log)
    users = {line.split(",")[0] for line in lines[1:2001]}
    assert (report.stored, report.personas, report.new_personas) == (2000, len(users), len(users))
    first = lines[1].split(",")  # userId,movieId,rating,timestamp
    [stored] = [r for r in store.recent_interactions("Movies", to_uuid(first[0]), None) if r.item_id == to_uuid(first[1])]
    assert stored.weight == pytest.approx(2 * (float(first[2]) - 0.5) / 4.5 - 1)
    assert stored.created_at == datetime.fromtimestamp(int(first[3]), tz=UTC)
    assert store.get_persona("Movies", to_uuid(first[0])).properties == {"name": first[0]}
    assert json.loads(json.dumps(report.mapping.rating.describe()))  # printable as-is


def test_the_time_default_is_the_current_time(things):
    import_interactions(things, "Things", log_of("user,item\nann,a\n"))
    [row] = things.recent_interactions("Things", to_uuid("ann"), None)
    assert abs(row.created_at - datetime.now(UTC)) < timedelta(minutes=1)
