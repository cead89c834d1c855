"""Typed catalog import (issue 8, item 4): detection, conversion with row/column errors, and filters
that then compare booleans, numbers, dates and lists as such."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from core import (CatalogImportError, ColumnType, EmbeddedStore, InvalidInputError, build_filter,
                  detect_column_type, import_catalog_agent, parse_column_type, parse_condition, read_catalog)
from core.io.column_types import convert_column

LIST = ColumnType("list", "|")


@pytest.mark.parametrize("cells, expected", [
    (["true", "False", ""], ColumnType("boolean")),
    (["yes", "NO", None], ColumnType("boolean")),
    (["1", "0", "1"], ColumnType("number")),       # 1/0 stay numbers unless chosen as boolean
    (["1.5", "2", "-3e2"], ColumnType("number")),
    (["007", "12"], ColumnType("text")),           # a leading zero marks a code
    (["2020-01-31", "2021-02-01T10:00Z", "2021-02-01 10:00:00+02:00"], ColumnType("date")),
    (["2020-13-45"], ColumnType("text")),          # shaped like a date, but not one
    (["red|blue", "green", "blue | red"], LIST),
    (["a;b", "c;d"], ColumnType("list", ";")),
    (["one; two", "three"], ColumnType("text")),   # one semicolon is prose, not a list
    (['["a", "b"]', "[]"], ColumnType("list", "json")),
    (["This description runs on for well over sixty characters before its | pipe", "x|y"], ColumnType("text")),
    (["Star Wars", "Heat"], ColumnType("text")),
    ([None, ""], ColumnType("text")),
    ([True, False, None], ColumnType("boolean")),  # typed values (JSON, Parquet) are trusted
    ([1, 2.5], ColumnType("number")),
    ([["a"], ["b", "c"]], ColumnType("list", "json")),
    ([{"a": 1}], ColumnType("keep")),
    (["a", 1], ColumnType("keep")),
])
def test_detection(cells, expected):
    assert detect_column_type(cells) == expected


@pytest.mark.parametrize("ctype, cells, expected", [
    ("boolean", ["true", "No", "y", "F", "1", "0", "", True], [True, False, True, False, True, False, None, True]),
    ("number", ["1", "007", "-2"], [1, 7, -2]),
    ("number", ["1", "2.5", 3], [1.0, 2.5, 3.0]),                 # one float makes the column floats
    ("text", ["007", 42, 1.5, True, None], ["007", "42", "1.5", "true", None]),
    ("date", ["2024-05-01", "2024-05-01T12:00:00+02:00", "2024-05-01 12:00", 1714564800, "1714564800000"],
     ["2024-05-01", "2024-05-01T10:00:00Z", "2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"]),
    ("list", ["a | b ||", "c", "", '["x", 1]'], [["a", "b"], ["c"], None, ["x", 1]]),
    ("list", ["1|2", "3"], [[1, 2], [3]]),                        # all-number elements are numbers
    ("list:;", ["a;b", "a|b"], [["a", "b"], ["a|b"]]),
    ("list:json", ['["a", 2]', None], [["a", 2], None]),
    ("keep", [{"a": 1}, "x"], [{"a": 1}, "x"]),
])
def test_conversion(ctype, cells, expected):
    assert convert_column(cells, parse_column_type(ctype), "c") == expected


@pytest.mark.parametrize("ctype, bad, message", [
    ("number", "abc", "'abc' is not a number"),
    ("number", "1,000", "'1,000' is not a number"),
    ("number", "nan", "'nan' is not a number"),
    ("boolean", "maybe", "'maybe' is not a boolean (use true/false, yes/no or 1/0)"),
    ("date", "soon", "'soon' is not an ISO-8601 date"),
    ("date", "2024-02-30", "'2024-02-30' is not an ISO-8601 date"),
    ("list:json", "a, b", "'a, b' is not a JSON list"),
])
def test_a_bad_cell_names_its_row_and_column(ctype, bad, message):
    good = '["a"]' if ctype == "list:json" else "1"
    cells = [good] * 16 + [bad, good]
    with pytest.raises(CatalogImportError) as info:
        convert_column(cells, parse_column_type(ctype), "price")
    assert str(info.value).startswith(f"row 17, column 'price': {message}")
    assert (info.value.row, info.value.column) == (17, "price")


def test_type_names_parse_and_round_trip():
    assert parse_column_type("list") == LIST and parse_column_type(" LIST:json ") == ColumnType("list", "json")
    for spec in ("text", "number", "boolean", "date", "list", "list:;", "list:,", "list:json", "keep"):
        assert parse_column_type(spec).spec == spec
    for bad, message in (("bogus", "unknown column type 'bogus'"), ("number:;", "only list columns take"),
                         ("list:/", "splits at one of")):
        with pytest.raises(InvalidInputError, match=message):
            parse_column_type(bad)


# --- read_catalog -------------------------------------------------------------------------------

SHOP = (b'sku,name,in_stock,released,tags,price,zip,vector\n'
        b'a1,Red kettle,true,2020-01-31,kitchen|red,19.5,02139,"[1,0,0]"\n'
        b'b2,Blue kettle,false,2021-06-01,kitchen|blue,24,10001,"[0.9,0.1,0]"\n'
        b'c3,Green mug,yes,2022-03-15T09:30:00Z,mug,7,94105,"[0,1,0]"\n'
        b'd4,Old mug,no,2019-11-02,mug|vintage,,02139,"[0.1,0.9,0]"\n')


def shop(**options):
    return read_catalog(SHOP, format="csv", id_column="sku", text_columns=["name"], vector_column="vector", **options)


def test_detected_types_convert_every_column_but_the_id_and_vectors():
    parsed = shop(detect_types=True)
    assert {c: t.spec for c, t in parsed.column_types.items()} == {
        "name": "text", "in_stock": "boolean", "released": "date", "tags": "list", "price": "number", "zip": "text"}
    first, *_, last = (i.properties for i in parsed.items)
    assert first == {"sku": "a1", "name": "Red kettle", "in_stock": True, "released": "2020-01-31",
                     "tags": ["kitchen", "red"], "price": 19.5, "zip": "02139", "original_id": "a1"}
    assert (last["in_stock"], last["price"], last["tags"]) == (False, None, ["mug", "vintage"])


def test_chosen_types_override_and_other_columns_keep_the_files_values():
    parsed = shop(column_types={"zip": "number", "tags": "text"})
    first = parsed.items[0].properties
    assert (first["zip"], first["tags"], first["in_stock"], first["price"]) == (2139, "kitchen|red", "true", 19.5)
    assert shop().items[0].properties["in_stock"] == "true"  # no types: as before


def test_typing_errors_name_row_and_column():
    with pytest.raises(CatalogImportError, match=r"^row 1, column 'name': 'Red kettle' is not a number"):
        shop(column_types={"name": "number"})
    with pytest.raises(CatalogImportError, match="the typed \\(boolean\\) column is missing; the file has columns"):
        shop(column_types={"instock": "boolean"})
    with pytest.raises(InvalidInputError, match="'sku' holds the ids or vectors"):
        shop(column_types={"sku": "text"})


def test_json_and_gzip_sources_are_typed_too():
    rows = [{"id": 1, "title": "A", "ok": "yes", "when": "2024-01-01"}, {"id": 2, "title": "B", "ok": "no", "when": None}]
    parsed = read_catalog(json.dumps(rows).encode(), format="json", id_column="id", text_columns=["title"],
                          detect_types=True)
    assert [i.properties["ok"] for i in parsed.items] == [True, False]
    assert parsed.column_types["when"] == ColumnType("date")
    packed = read_catalog(gzip.compress(SHOP), format="shop.csv.gz", id_column="sku", text_columns=["name"],
                          vector_column="vector", detect_types=True)
    assert packed.items == shop(detect_types=True).items


@pytest.mark.parametrize("where, expected", [
    (["in_stock=true"], {"a1", "c3"}),
    (["in_stock!=true"], {"b2", "d4"}),
    (["released>=2021-01-01"], {"b2", "c3"}),
    (["released<2020-02-01T00:00:00Z"], {"a1", "d4"}),
    (["released=2020-01-31"], {"a1"}),
    (["tags~red,vintage"], {"a1", "d4"}),
    (["price>=19.5", "in_stock=false"], {"b2"}),
    (["zip=02139"], {"a1", "d4"}),  # a code stays text, so 02139 keeps its zero
])
def test_filters_compare_the_typed_values(where, expected):
    store = EmbeddedStore(":memory:")
    import_catalog_agent(store, "Shop", shop(detect_types=True))
    [hits] = store.near_vectors("Shop", np.ones((1, 3), dtype=np.float32), 10,
                                filters=build_filter([parse_condition(w) for w in where]))
    items = store.get_items("Shop", [h.uuid for h in hits])
    assert {i.properties["sku"] for i in items.values()} == expected
