"""Catalog and interaction import: every format round-trips, every bad file is rejected by row and column."""

from __future__ import annotations

import io
import json
import math
import uuid
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.io import catalog
from core.io.catalog import ParsedCatalog, import_catalog, read_catalog
from core.io.interaction_log import read_interactions
from core.io.embedding import MODEL_NAME, default_embedder
from core.errors import AlreadyExistsError, CatalogImportError, InvalidInputError
from core.ids import generate_uuid5
from core.models import Item
from core.io.tables import read_table
from core.store.embedded.store import EmbeddedStore

UUID_A = "6f1c9a52-3b7e-4c1d-9e55-0a2b3c4d5e6f"
ROWS = [
    {"id": 1, "title": "Alien", "genres": ["Horror", "Sci-Fi"], "rating": 4.5, "vector": [1.0, 0.0, 0.0]},
    {"id": "abc", "title": "Heat", "genres": ["Crime"], "rating": None, "vector": [0.0, 3.0, 4.0]},
    {"id": UUID_A, "title": "Up", "genres": [], "rating": 3.0, "vector": [0.0, 0.0, 2.0]},
]
EXPECTED_VECTORS = np.array([[1, 0, 0], [0, 0.6, 0.8], [0, 0, 1]], dtype=np.float32)
CSV_TEXT = (
    "id,title,genres,rating,vector\n"
    '1,Alien,Horror|Sci-Fi,4.5,"[1, 0, 0]"\n'
    'abc,Heat,Crime,,"0 3 4"\n'
    f'{UUID_A},Up,,3.0,"0,0,2"\n'
)


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def read(path, **kwargs) -> ParsedCatalog:
    kwargs.setdefault("id_column", "id")
    kwargs.setdefault("text_columns", ["title", "genres"])
    return read_catalog(path, **kwargs)


def rejected(call, *parts: str, row: int | None = None, column: str | None = None) -> str:
    """Run ``call``, expect a CatalogImportError whose message holds every part; return the message."""
    with pytest.raises(CatalogImportError) as info:
        call()
    message = str(info.value)
    if row is not None:
        assert info.value.row == row and f"row {row}" in message, message
    if column is not None:
        assert info.value.column == column and f"column {column!r}" in message, message
    for part in parts:
        assert part in message, message
    return message


def write_parquet(tmp_path, rows: list[dict], name: str = "c.parquet"):
    path = tmp_path / name
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


# --- round trips ---------------------------------------------------------------------------


def check_catalog(parsed: ParsedCatalog, *, csv_like: bool = False, first_id: object = 1) -> None:
    assert len(parsed) == 3 and parsed.id_column == "id" and parsed.text_columns == ("title", "genres")
    assert [i.uuid for i in parsed.items] == [generate_uuid5(1), generate_uuid5("abc"), uuid.UUID(UUID_A)]
    first = parsed.items[0].properties
    assert first["original_id"] == first_id and type(first["original_id"]) is type(first_id)
    assert first["title"] == "Alien" and first["rating"] == 4.5
    assert first["genres"] == ("Horror|Sci-Fi" if csv_like else ["Horror", "Sci-Fi"])
    assert "vector" not in first
    assert parsed.items[1].properties["rating"] is None
    assert parsed.items[2].properties["original_id"] == UUID_A
    genres = "Horror|Sci-Fi" if csv_like else "Horror, Sci-Fi"
    assert parsed.texts == [f"title: Alien\ngenres: {genres}", "title: Heat\ngenres: Crime", "title: Up"]
    assert parsed.vectors is not None and parsed.vectors.dtype == np.float32
    np.testing.assert_allclose(parsed.vectors, EXPECTED_VECTORS, atol=1e-6)


def test_csv_round_trip(tmp_path):
    check_catalog(read(write(tmp_path, "c.csv", CSV_TEXT), vector_column="vector"), csv_like=True)


def test_tsv_round_trip(tmp_path):
    text = CSV_TEXT.replace('"[1, 0, 0]"', "[1 0 0]").replace('"0,0,2"', "0 0 2").replace('"0 3 4"', "0 3 4")
    path = write(tmp_path, "c.tsv", text.replace(",", "\t"))
    check_catalog(read(path, vector_column="vector"), csv_like=True)


def test_json_array_and_items_object_round_trip(tmp_path):
    check_catalog(read(write(tmp_path, "a.json", json.dumps(ROWS)), vector_column="vector"))
    check_catalog(read(write(tmp_path, "b.json", json.dumps({"items": ROWS})), vector_column="vector"))


def test_jsonl_round_trip(tmp_path):
    text = "\n".join(json.dumps(r) for r in ROWS) + "\n\n"
    check_catalog(read(write(tmp_path, "c.jsonl", text), vector_column="vector"))


def test_parquet_round_trip(tmp_path):
    rows = [dict(r, id=str(r["id"])) for r in ROWS]  # a Parquet column has one type
    check_catalog(read(write_parquet(tmp_path, rows), vector_column="vector"), first_id="1")
    ints = read(write_parquet(tmp_path, [{"id": 5, "t": "a"}], "i.parquet"), text_columns=["t"])
    assert ints.items[0].properties == {"id": 5, "t": "a", "original_id": 5}


def test_bytes_and_uploaded_file_use_the_name_or_format_hint(tmp_path):
    data = CSV_TEXT.encode()
    check_catalog(read(data, format="csv", vector_column="vector"), csv_like=True)
    check_catalog(read(data, format="upload.CSV", vector_column="vector"), csv_like=True)
    upload = io.BytesIO(json.dumps(ROWS).encode())
    upload.name = "movies.json"  # what a Streamlit UploadedFile carries
    check_catalog(read(upload, vector_column="vector"))
    with pytest.raises(InvalidInputError, match="cannot tell the file format"):
        read(data)
    with pytest.raises(InvalidInputError, match="unknown format 'xlsx'"):
        read(data, format="xlsx")


def test_dataframe_numpy_scalars_become_plain_values():
    frame = pd.DataFrame({"id": [7, 8], "title": ["A", "B"], "score": [np.nan, 2.5],
                          "tags": [np.array(["x", "y"]), []], "vector": [np.array([1.0, 1.0]), [2.0, 0.0]]})
    parsed = read(frame, text_columns=["title", "tags"], vector_column="vector")
    props = parsed.items[0].properties
    assert props == {"id": 7, "title": "A", "score": None, "tags": ["x", "y"], "original_id": 7}
    assert type(props["id"]) is int and type(parsed.items[1].properties["score"]) is float
    assert parsed.texts == ["title: A\ntags: x, y", "title: B"]
    np.testing.assert_allclose(parsed.vectors, [[math.sqrt(0.5)] * 2, [1, 0]], atol=1e-6)


def test_csv_keeps_text_ids_and_pipes_and_types_numbers(tmp_path):
    path = write(tmp_path, "c.csv", "id,title,year,code\n007,A|B|C,1999,01\n42,D,2001,2\n")
    parsed = read(path, text_columns=["title"])
    first, second = (i.properties for i in parsed.items)
    assert first == {"id": "007", "title": "A|B|C", "year": 1999, "code": "01", "original_id": "007"}
    assert second["original_id"] == 42 and second["code"] == "2"
    assert parsed.items[1].uuid == generate_uuid5(42) == generate_uuid5("42")
    assert parsed.vectors is None


def test_utf8_bom_is_accepted(tmp_path):
    path = write(tmp_path, "c.csv", b"\xef\xbb\xbfid,title\n1,Caf\xc3\xa9\n")
    parsed = read(path, text_columns=["title"])
    assert parsed.items[0].properties == {"id": 1, "title": "Café", "original_id": 1}


def test_uuid_ids_are_kept_as_is(tmp_path):
    path = write(tmp_path, "c.json", json.dumps([{"id": UUID_A.upper(), "t": "x"}]))
    item = read(path, text_columns=["t"]).items[0]
    assert item.uuid == uuid.UUID(UUID_A) and item.properties["original_id"] == UUID_A.upper()


def test_text_skips_empty_values_and_joins_lists(tmp_path):
    rows = [{"id": 1, "a": "  ", "b": ["x", None, "", "y"], "c": 3}, {"id": 2, "a": "only a", "b": None}]
    parsed = read(write(tmp_path, "c.json", json.dumps(rows)), text_columns=["a", "b", "c"])
    assert parsed.texts == ["b: x, y\nc: 3", "a: only a"]


@pytest.mark.parametrize("cell", [
    "[3, 4]", "3 4", "3,4", "3, 4", "[3. 4.]", " [3 , 4] ", "3\t4",
])
def test_vector_string_forms(tmp_path, cell):
    path = write(tmp_path, "c.json", json.dumps([{"id": 1, "t": "x", "v": cell}]))
    np.testing.assert_allclose(read(path, text_columns=["t"], vector_column="v").vectors, [[0.6, 0.8]], atol=1e-6)


def test_vector_list_cells_and_expected_dims(tmp_path):
    path = write(tmp_path, "c.json", json.dumps([{"id": 1, "v": [3, 4]}, {"id": 2, "v": [0, 1.5]}]))
    parsed = read(path, text_columns=[], vector_column="v", expected_dims=2)
    assert parsed.vectors.shape == (2, 2) and parsed.texts == ["", ""]


# --- rejections ----------------------------------------------------------------------------


def test_empty_files_are_rejected(tmp_path):
    rejected(lambda: read(write(tmp_path, "a.csv", "")), "empty")
    rejected(lambda: read(write(tmp_path, "b.csv", " \n\n")), "empty")
    rejected(lambda: read(write(tmp_path, "c.csv", "id,title,genres\n")), "no data rows")
    rejected(lambda: read(write(tmp_path, "d.json", "[]")), "no data rows")
    rejected(lambda: read(write(tmp_path, "e.jsonl", "\n\n")), "empty")
    rejected(lambda: read(write(tmp_path, "f.parquet", b"")), "Parquet")


def test_not_utf8_names_the_row_and_offset(tmp_path):
    path = write(tmp_path, "c.csv", b"id,title\n1,ok\n2,caf\xe9\n")
    rejected(lambda: read(path, text_columns=["title"]), "not UTF-8", "byte offset 19", "line 3", row=2)
    path = write(tmp_path, "c.jsonl", b'{"id": 1}\n{"id": "\xff"}\n')
    rejected(lambda: read(path, text_columns=["id"]), "not UTF-8", row=2)


def test_malformed_json_names_the_line(tmp_path):
    path = write(tmp_path, "c.json", '[\n{"id": 1},\n{"id": 2,,}\n]')
    rejected(lambda: read(path), "malformed JSON", "line 3")
    path = write(tmp_path, "d.json", '{"id": 1}\n{"id": 2}\n')
    rejected(lambda: read(path), "line 2", "JSON Lines")


def test_malformed_jsonl_names_row_and_line(tmp_path):
    path = write(tmp_path, "c.jsonl", '{"id": 1, "title": "a"}\n{"id": 2, "title": }\n')
    rejected(lambda: read(path), "malformed JSON", "line 2", row=2)


def test_json_rows_must_be_objects(tmp_path):
    path = write(tmp_path, "c.json", json.dumps([{"id": 1, "title": "a"}, [2, "b"]]))
    rejected(lambda: read(path), "expected a JSON object", "list", row=2)
    path = write(tmp_path, "c.jsonl", '{"id": 1, "title": "a"}\n"just text"\n')
    rejected(lambda: read(path), "expected a JSON object", "line 2", row=2)
    path = write(tmp_path, "d.json", json.dumps({"rows": []}))
    rejected(lambda: read(path), '"items" array', "rows")
    path = write(tmp_path, "e.json", "42")
    rejected(lambda: read(path), "array of objects")


def test_missing_columns_list_the_existing_ones(tmp_path):
    path = write(tmp_path, "c.csv", "movieId,title\n1,a\n")
    rejected(lambda: read(path, text_columns=["title"]), "id column is missing", "movieId, title", column="id")
    rejected(lambda: read(path, id_column="movieId", text_columns=["plot"]), "text column", column="plot")
    rejected(lambda: read(path, id_column="movieId", text_columns=["title"], vector_column="vec"),
             "vector column", column="vec")


def test_missing_ids_are_rejected(tmp_path):
    path = write(tmp_path, "c.csv", "id,title\n1,a\n ,b\n")
    rejected(lambda: read(path, text_columns=["title"]), "id is missing", row=2, column="id")
    path = write(tmp_path, "c.json", json.dumps([{"id": 1, "t": "a"}, {"t": "b"}]))
    rejected(lambda: read(path, text_columns=["t"]), "id is missing", row=2, column="id")
    path = write(tmp_path, "d.json", json.dumps([{"id": 1.5, "t": "a"}]))
    rejected(lambda: read(path, text_columns=["t"]), "1.5", row=1, column="id")
    path = write_parquet(tmp_path, [{"id": 1, "t": "a"}, {"id": None, "t": "b"}])
    rejected(lambda: read(path, text_columns=["t"]), "id is missing", row=2, column="id")


def test_duplicate_ids_name_both_rows(tmp_path):
    path = write(tmp_path, "c.csv", "id,title\n1,a\n2,b\n1,c\n")
    rejected(lambda: read(path, text_columns=["title"]), "duplicate id 1", "row 1 has the same id",
             row=3, column="id")
    path = write(tmp_path, "c.json", json.dumps([{"id": 42, "t": "a"}, {"id": "42", "t": "b"}]))
    rejected(lambda: read(path, text_columns=["t"]), "duplicate id '42'", "row 1", row=2, column="id")


def test_csv_structure_errors(tmp_path):
    path = write(tmp_path, "c.csv", "id,title\n1,a\n2,b,extra\n")
    rejected(lambda: read(path, text_columns=["title"]), "3 fields but the header has 2", row=2)
    path = write(tmp_path, "d.csv", "id,title,title\n1,a,b\n")
    rejected(lambda: read(path, text_columns=["title"]), "appears twice", column="title")
    path = write(tmp_path, "e.csv", ",id,title\n0,1,a\n")
    rejected(lambda: read(path, text_columns=["title"]), "header field 1 is empty")


def test_reserved_original_id_column(tmp_path):
    path = write(tmp_path, "c.csv", "id,original_id,title\n1,x,a\n")
    rejected(lambda: read(path, text_columns=["title"]), "reserved", column="original_id")


def test_row_with_nothing_to_embed(tmp_path):
    path = write(tmp_path, "c.csv", "id,title,genres\n1,a,b\n2,,\n")
    rejected(lambda: read(path), "nothing to embed", row=2, column="title")


@pytest.mark.parametrize("cell, message", [
    (None, "the vector is missing"),
    ("", "the vector is missing"),
    ("[]", "the vector is empty"),
    ("1 two 3", "entry 2 is not a number: 'two'"),
    ('[1, "x", 3]', "entry 2 is not a number: 'x'"),
    ([1, True, 3], "entry 2 is not a number: True"),
    ([1, [2], 3], "entry 2 is not a number: [2]"),
    ({"a": 1}, "must be a list of numbers"),
    (5, "must be a list of numbers"),
    ("1 nan 3", "entry 2 is nan"),
    ("[1, Infinity, 3]", "entry 2 is inf"),
    ("1 1e400 3", "entry 2 is inf"),
    ("0 0 0", "all zeros"),
    ("1 2", "has 2 numbers but row 1 has 3"),
])
def test_bad_vector_cells(tmp_path, cell, message):
    rows = [{"id": 1, "t": "a", "v": [1, 2, 3]}, {"id": 2, "t": "b", "v": cell}]
    path = write(tmp_path, "c.json", json.dumps(rows))
    rejected(lambda: read(path, text_columns=["t"], vector_column="v"), message, row=2, column="v")


def test_bad_vectors_in_csv_and_parquet(tmp_path):
    path = write(tmp_path, "c.csv", 'id,t,v\n1,a,"1 2"\n2,b,\n')
    rejected(lambda: read(path, text_columns=["t"], vector_column="v"), "missing", row=2, column="v")
    path = write_parquet(tmp_path, [{"id": 1, "v": [1.0, 2.0]}, {"id": 2, "v": [float("nan"), 1.0]}])
    rejected(lambda: read(path, text_columns=[], vector_column="v"), "entry 1 is nan", row=2, column="v")


def test_wrong_dimension(tmp_path):
    path = write(tmp_path, "c.json", json.dumps([{"id": 1, "v": [1, 2, 3]}]))
    rejected(lambda: read(path, text_columns=[], vector_column="v", expected_dims=384),
             "has 3 numbers, expected 384", row=1, column="v")


def test_row_limit(tmp_path):
    path = write(tmp_path, "c.csv", "id,t\n1,a\n2,b\n3,c\n")
    parquet = write_parquet(tmp_path, [{"id": i, "t": "x"} for i in range(3)])
    for source in (path, parquet):
        with pytest.raises(CatalogImportError, match="more than 2 data rows"):
            read_table(source, None, id_columns={"id"}, raw_columns={None}, max_rows=2)
        assert len(read_table(source, None, id_columns={"id"}, raw_columns={None}, max_rows=3).rows) == 3


@pytest.mark.slow
def test_read_catalog_applies_the_catalog_row_limit(tmp_path):
    rows = catalog.MAX_CATALOG_ROWS + 1
    path = write(tmp_path, "big.csv", "id,t\n" + "".join(f"{i},x\n" for i in range(rows)))
    rejected(lambda: read(path, text_columns=["t"]), f"more than {catalog.MAX_CATALOG_ROWS} data rows")


def test_argument_errors(tmp_path):
    path = write(tmp_path, "c.csv", "id,t\n1,a\n")
    with pytest.raises(InvalidInputError, match="at least one column"):
        read(path, text_columns=[])
    with pytest.raises(InvalidInputError, match="expected_dims"):
        read(path, text_columns=["t"], vector_column="v", expected_dims=0)
    rejected(lambda: read(tmp_path / "missing.csv"), "cannot read the file")
    assert read(path, text_columns="t").text_columns == ("t",)  # one name, not its letters


# --- import_catalog ------------------------------------------------------------------------


class FailingEmbedder:
    """Stands in for the model at the boundary: embedding fails after parsing succeeded."""

    name = "failing"

    def embed(self, texts, progress=None):
        raise RuntimeError("model crashed")


@pytest.fixture
def store():
    store = EmbeddedStore(":memory:")
    yield store
    store.close()


@pytest.fixture
def parsed(tmp_path) -> ParsedCatalog:
    return read(write(tmp_path, "c.json", json.dumps(ROWS)), vector_column="vector")


def test_import_with_file_vectors_loads_no_model(store, parsed):
    calls = []
    spec = import_catalog(store, "Movies", parsed, progress=lambda d, t: calls.append((d, t)),
                          embedder=FailingEmbedder(), embedding_model="my-model")
    assert calls == [(3, 3)]
    assert spec.dims == 3 and spec.text_fields == ("title", "genres") and spec.embedding_model == "my-model"
    assert store.get_collection("Movies") == spec and store.count("Movies") == 3
    ids = [i.uuid for i in parsed.items]
    np.testing.assert_allclose(store.get_vectors("Movies", ids), EXPECTED_VECTORS, atol=1e-6)
    assert store.get_items("Movies", ids[:1])[ids[0]].properties["original_id"] == 1


def test_import_refuses_an_existing_collection_unless_replace(store, parsed, tmp_path):
    import_catalog(store, "Movies", parsed)
    with pytest.raises(AlreadyExistsError, match="replace=True"):
        import_catalog(store, "Movies", parsed)
    smaller = read(write(tmp_path, "s.json", json.dumps(ROWS[:1])), vector_column="vector")
    import_catalog(store, "Movies", smaller, replace=True)
    assert store.count("Movies") == 1


def test_failed_embedding_leaves_the_old_collection_intact(store, parsed, tmp_path):
    import_catalog(store, "Movies", parsed)
    text_only = read(write(tmp_path, "t.csv", "id,title\n9,new\n"), text_columns=["title"])
    with pytest.raises(RuntimeError, match="model crashed"):
        import_catalog(store, "Movies", text_only, embedder=FailingEmbedder(), replace=True)
    assert store.count("Movies") == 3 and store.get_collection("Movies").dims == 3
    with pytest.raises(RuntimeError):
        import_catalog(store, "Fresh", text_only, embedder=FailingEmbedder())
    assert not store.has_collection("Fresh")


def test_failed_add_items_leaves_no_collection(store):
    unstorable = Item(uuid=generate_uuid5(1), properties={"x": object()})
    bad = ParsedCatalog(items=[unstorable], texts=[""], vectors=np.array([[1.0, 0.0]], dtype=np.float32),
                        id_column="id", text_columns=())
    with pytest.raises(InvalidInputError):
        import_catalog(store, "Broken", bad)
    assert not store.has_collection("Broken")


def test_title_property_goes_first_and_must_exist(store, parsed):
    spec = import_catalog(store, "Movies", parsed, title_property="title")
    assert spec.text_fields == ("title", "genres")
    rejected(lambda: import_catalog(store, "Other", parsed, title_property="name"), "title_property",
             column="name")
    assert not store.has_collection("Other")
    spec = import_catalog(store, "Third", parsed, title_property="rating")
    assert spec.text_fields == ("rating", "title", "genres")


@pytest.mark.slow
def test_import_embeds_texts_with_the_real_model(store, tmp_path):
    rows = [{"id": 1, "title": "Space odyssey", "plot": "Astronauts travel to Jupiter aboard a spaceship."},
            {"id": 2, "title": "Baking show", "plot": "Home cooks bake bread and cakes."},
            {"id": 3, "title": "Courtroom drama", "plot": "A lawyer defends a client at a murder trial."}]
    parsed = read(write(tmp_path, "m.jsonl", "\n".join(map(json.dumps, rows))), text_columns=["title", "plot"])
    assert parsed.vectors is None
    calls = []
    spec = import_catalog(store, "Films", parsed, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (3, 3) and spec.dims == 384 and spec.embedding_model == MODEL_NAME
    query = default_embedder().embed_one("rockets and outer space")
    hits = store.near_vectors("Films", query[None, :], 3)[0]
    assert hits[0].uuid == generate_uuid5(1)


# --- read_interactions ---------------------------------------------------------------------

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
INTERACTIONS = [
    {"persona_id": "alice", "item_id": 42, "weight": 0.5, "created_at": "2024-05-01T12:00:00Z"},
    {"persona_id": UUID_A, "item_id": "abc", "weight": -1, "created_at": T0.timestamp()},
    {"persona_id": "alice", "item_id": 7, "weight": 1.0, "created_at": None},
]


def check_interactions(rows) -> None:
    assert [(r.persona_id, r.item_id, r.weight, r.created_at) for r in rows] == [
        (generate_uuid5("alice"), generate_uuid5(42), 0.5, T0),
        (uuid.UUID(UUID_A), generate_uuid5("abc"), -1.0, T0),
        (generate_uuid5("alice"), generate_uuid5(7), 1.0, None),
    ]


def test_interactions_round_trip_in_every_format(tmp_path):
    csv_text = ("persona_id,item_id,weight,created_at\nalice,42,0.5,2024-05-01T12:00:00Z\n"
                f"{UUID_A},abc,-1,{int(T0.timestamp())}\nalice,7,1,\n")
    check_interactions(read_interactions(write(tmp_path, "i.csv", csv_text)))
    check_interactions(read_interactions(write(tmp_path, "i.json", json.dumps(INTERACTIONS))))
    jsonl = "\n".join(map(json.dumps, INTERACTIONS))
    check_interactions(read_interactions(jsonl.encode(), format="jsonl"))
    stamped = [dict(r, created_at=T0 if r["created_at"] else None, item_id=str(r["item_id"]))
               for r in INTERACTIONS]
    check_interactions(read_interactions(write_parquet(tmp_path, stamped, "i.parquet")))


def test_interaction_columns_are_configurable_and_time_optional(tmp_path):
    path = write(tmp_path, "r.csv", "userId,movieId,rating\n1,31,0.25\n")
    [row] = read_interactions(path, persona_column="userId", item_column="movieId", weight_column="rating")
    assert (row.persona_id, row.item_id, row.weight, row.created_at) == (generate_uuid5(1), generate_uuid5(31), 0.25,
                                                                         None)
    [row] = read_interactions(path, persona_column="userId", item_column="movieId", weight_column=None)
    assert row.weight == 1.0


@pytest.mark.parametrize("line, message, column", [
    ("alice,1,abc,", "weight must be a number in [-1, 1], got 'abc'", "weight"),
    ("alice,1,1.5,", "got 1.5", "weight"),
    ("alice,1,nan,", "got 'nan'", "weight"),
    ("alice,1,,", "weight is missing", "weight"),
    (",1,0.5,", "id is missing", "persona_id"),
    ("alice,,0.5,", "id is missing", "item_id"),
    ("alice,1,0.5,yesterday", "bad date 'yesterday'", "created_at"),
    ("alice,1,0.5,1e300", "bad date", "created_at"),
])
def test_bad_interaction_rows(tmp_path, line, message, column):
    path = write(tmp_path, "i.csv", f"persona_id,item_id,weight,created_at\nbob,2,1,\n{line}\n")
    rejected(lambda: read_interactions(path), message, row=2, column=column)


def test_bad_interaction_files(tmp_path):
    path = write(tmp_path, "i.csv", "user,item_id,weight\nalice,1,1\n")
    rejected(lambda: read_interactions(path), "persona column is missing", "user, item_id, weight",
             column="persona_id")
    rejected(lambda: read_interactions(write(tmp_path, "e.json", "[]")), "no data rows")
    path = write(tmp_path, "b.json", json.dumps([{"persona_id": "a", "item_id": 1, "weight": True}]))
    rejected(lambda: read_interactions(path), "got True", row=1, column="weight")
