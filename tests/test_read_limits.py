"""Bounded reading keeps good files working: the limits, and what the stricter readers still accept.

The bad side is ``tests/test_bad_input_files.py``; here the limits are given as arguments, the
env variables are read at call time, and legitimate files that look like the bad ones (a
multi-line quoted CSV field, NaN as missing, a dictionary-encoded Parquet, concatenated gzip,
a long textual ID) read as before. Also the regexes that used to backtrack on cell text.
"""

from __future__ import annotations

import gzip
import io
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core import CatalogImportError, InvalidInputError, ReadLimits, parse_condition, read_catalog, read_table, to_uuid
from core.io.reading import MIB


def table(data, fmt: str, **kwargs):
    return read_table(data, fmt, id_columns={"id"}, raw_columns=set(), max_rows=10_000, **kwargs)


def test_limits_given_as_arguments_name_themselves():
    data = b"id,title\n" + b"1,abcdefgh\n" * 20
    assert len(table(data, "csv", limits=ReadLimits(max_bytes=len(data))).rows) == 20
    with pytest.raises(CatalogImportError, match=r"the file \(229 bytes\) is larger than the limit of 228 bytes.*ReadLimits\(max_bytes=...\)"):
        table(data, "csv", limits=ReadLimits(max_bytes=len(data) - 1))
    with pytest.raises(CatalogImportError, match="unpacked gzip content is larger than the limit of 100 bytes"):
        table(gzip.compress(data), "c.csv.gz", limits=ReadLimits(max_bytes=100))


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "1"])
def test_a_limit_must_be_a_positive_number_of_bytes(value):
    with pytest.raises(InvalidInputError, match=f"ReadLimits.max_bytes must be a positive number of bytes, got {value!r}"):
        ReadLimits(max_bytes=value)


def test_the_environment_sets_the_limits_at_call_time(monkeypatch):
    monkeypatch.setenv("PERSONALIZATION_MAX_FILE_MB", "0.5")
    monkeypatch.setenv("PERSONALIZATION_MAX_DECODED_MB", "3")
    assert ReadLimits.from_env() == ReadLimits(max_bytes=MIB // 2, max_decoded_bytes=3 * MIB)
    monkeypatch.delenv("PERSONALIZATION_MAX_FILE_MB")
    assert ReadLimits.from_env().max_bytes == 256 * MIB


def test_a_path_is_read_up_to_the_limit_only(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"id,title\n" + b"1,a\n" * 1000)
    with pytest.raises(CatalogImportError, match=r"the file '.*big.csv' \(4,009 bytes\) is larger than the limit"):
        table(str(path), "csv", limits=ReadLimits(max_bytes=4000))


def test_legitimate_files_that_look_like_bad_ones_still_read():
    quoted = b'id,title\n1,"two\nlines, and ""quotes"""\n2,plain\n'
    assert [r["title"] for r in table(quoted, "csv").rows] == ['two\nlines, and "quotes"', "plain"]
    nan = read_catalog(b'[{"id": 1, "title": "a", "x": NaN}]', format="json", id_column="id", text_columns=["title"])
    assert nan.items[0].properties["x"] is None  # NaN is a missing value (pandas writes it so), Infinity an error
    two_members = gzip.compress(b"id,title\n1,a\n") + gzip.compress(b"2,b\n")
    assert [r["id"] for r in table(two_members, "c.csv.gz").rows] == [1, 2]
    nested = [[[1, 2], [3]], [[4]]]
    assert table(b'[{"id": 1, "x": %s}]' % str(nested).encode(), "json").rows[0]["x"] == nested


def test_a_dictionary_encoded_parquet_under_the_limit_reads_as_plain_values():
    out = io.BytesIO()
    rows = 5000
    pq.write_table(pa.table({"id": range(rows), "genre": ["Comedy", "Drama"] * (rows // 2),
                             "tags": [["a", "b"], ["c"]] * (rows // 2)}), out)
    read = table(out.getvalue(), "parquet", limits=ReadLimits(max_decoded_bytes=MIB))
    assert read.rows[:2] == [{"id": 0, "genre": "Comedy", "tags": ["a", "b"]}, {"id": 1, "genre": "Drama", "tags": ["c"]}]
    with pytest.raises(CatalogImportError, match="decoded Parquet data is larger than the limit of 60,000 bytes"):
        table(out.getvalue(), "parquet", limits=ReadLimits(max_decoded_bytes=60_000))  # pages: 51,861 bytes


def test_a_csv_id_beyond_pythons_integer_digits_stays_text_with_the_same_uuid():
    digits = "7" * 5000
    parsed = read_catalog(f"id,title\n{digits},a\n".encode(), format="csv", id_column="id", text_columns=["title"])
    assert parsed.items[0].uuid == to_uuid(digits) and parsed.items[0].properties["original_id"] == digits


def test_no_regex_backtracks_on_long_cell_text():
    from lab.catalog_upload import guess_mapping
    from lab.cards import plain
    started = time.perf_counter()
    condition = parse_condition("title like x" + " " * 100_000 + "y")  # was quadratic: ~8 s per 20,000 spaces
    rows = [{"id": 1, "v": "[1" + "  1" * 40 + "x"}]  # the vector-text guess was exponential: 5 s at 22
    assert condition.value == "x" + " " * 100_000 + "y" and guess_mapping(["id", "v"], rows).vector_column is None
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert "nested too deeply" in plain([deep])  # str() of it raises RecursionError
    assert time.perf_counter() - started < 1.0
