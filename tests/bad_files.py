"""A corpus of bad catalog and interaction files, each with the words its error must contain.

Every entry is built in memory (or names a path such as ``/dev/zero``); ``says`` are fragments of
the message (the bad value, the row, the column, the limit and how to raise it), ``env`` sets the
read limits for that case. ``tests/test_bad_input_files.py`` sends each through the library, the
CLI and (when ``upload``) the lab's upload, and checks that nothing stored changed.
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core import CatalogImportError, InvalidInputError

DIGITS = "9" * 5000
FILE_MB, DECODED_MB = "PERSONALIZATION_MAX_FILE_MB", "PERSONALIZATION_MAX_DECODED_MB"


@dataclass(frozen=True)
class Bad:
    """One bad input: ``data`` (bytes, a path as text, or a DataFrame) read as ``filename``'s format."""

    id: str
    data: Any
    filename: str
    says: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    """read_catalog's column_types / vector_column (the CLI's --column-type / --vector-column)."""
    env: dict[str, str] = field(default_factory=dict)
    error: type[Exception] = CatalogImportError

    @property
    def upload(self) -> bool:
        """Whether the lab's uploader can receive it (bytes, not a path or a DataFrame)."""
        return isinstance(self.data, bytes)

    def __str__(self) -> str:
        return self.id


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def parquet(table: pa.Table, **options: Any) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out, **options)
    return out.getvalue()


def dictionary_bomb(columns: dict[str, Any], rows: int = 200_000, size: int = 750_000) -> bytes:
    """~460 KB of Parquet whose ``title`` decodes to ``rows * size`` bytes (150 GB by default)."""
    indices = pa.array([0] * rows, pa.int32())
    title = pa.DictionaryArray.from_arrays(indices, pa.array(["x" * size]))
    return parquet(pa.table({**{k: pa.array([v] * rows) for k, v in columns.items()}, "title": title}),
                   compression="zstd")


def json_rows(*rows: str) -> bytes:
    return ("[" + ",".join(rows) + "]").encode()


CATALOGS = [
    Bad("csv integer of 5000 digits", f"id,title,n\n1,a,{DIGITS}\n".encode(), "c.csv", ("row 1", "column 'n'", "5,000 digits")),
    Bad("csv integer of 5000 digits typed number", f"id,title,n\n1,a,2\n2,b,{DIGITS}\n".encode(), "c.csv",
        ("row 2", "column 'n'", "5,000 digits"), {"column_types": {"n": "number"}}),
    Bad("json id of 5000 digits", json_rows(f'{{"id": {DIGITS}, "title": "a"}}'), "c.json", ("5000 digits", "JSON string")),
    Bad("jsonl id of 5000 digits", f'{{"id": 1, "title": "a"}}\n{{"id": {DIGITS}, "title": "b"}}\n'.encode(),
        "c.jsonl", ("row 2", "line 2", "5000 digits")),
    Bad("json nested 5000 deep", json_rows('{"id": 1, "title": "a", "x": ' + "[" * 5000 + "]" * 5000 + "}"), "c.json",
        ("too deeply",)),
    Bad("jsonl nested 1500 deep", ('{"id": 1, "title": "a", "x": ' + "[" * 1500 + "]" * 1500 + "}\n").encode(),
        "c.jsonl", ("row 1", "line 1", "too deeply")),
    Bad("json nested 40 deep", json_rows(json.dumps({"id": 1, "title": "a", "x": nested(40)})), "c.json",
        ("row 1", "column 'x'", "32 levels")),
    Bad("parquet nested 40 deep", parquet(pa.table({"id": [1], "title": ["a"], "deep": [nested(40)]})), "c.parquet",
        ("column 'deep'", "32 levels")),
    Bad("csv list:json cell nested 40 deep", f'id,title,tags\n1,a,"{json.dumps(nested(40))}"\n'.encode(), "c.csv",
        ("row 1", "column 'tags'", "32 levels"), {"column_types": {"tags": "list:json"}}),
    Bad("csv duplicate column", b"id,title,title\n1,a,b\n", "c.csv", ("column 'title'", "twice")),
    Bad("tsv duplicate column once trimmed", b"id\ttitle\t title \n1\ta\tb\n", "c.tsv", ("column 'title'", "twice")),
    Bad("json duplicate key", json_rows('{"id": 1, "title": "a", "title": "b"}'), "c.json", ("column 'title'", "twice")),
    Bad("jsonl duplicate key", b'{"id": 1, "title": "a"}\n{"id": 2, "title": "b", "year": 1, "year": 2}\n', "c.jsonl",
        ("row 2", "line 2", "'year' twice")),
    Bad("parquet duplicate column", parquet(pa.Table.from_arrays([pa.array([1]), pa.array(["a"]), pa.array(["b"])],
                                                                 names=["id", "title", "title"])), "c.parquet",
        ("column 'title'", "twice")),
    Bad("dataframe duplicate column", pd.DataFrame([[1, "a", "b"]], columns=["id", "title", "title"]), "frame",
        ("column 'title'", "twice")),
    Bad("csv unterminated quote", b'id,title\n1,"abc\n2,def\n3,ghi\n', "c.csv", ("line 2", "never closed")),
    Bad("csv text after a closing quote", b'id,title\n1,ok\n2,"ab"c\n', "c.csv", ("line 3", "must end with one")),
    Bad("csv 1e400", b"id,title,x\n1,a,1e400\n", "c.csv", ("row 1", "column 'x'", "'1e400'", "text")),
    Bad("csv -1e400 typed number", b"id,title,x\n1,a,2\n2,b,-1e400\n", "c.csv", ("row 2", "column 'x'", "'-1e400'"),
        {"column_types": {"x": "number"}}),
    Bad("json 1e400", json_rows('{"id": 1, "title": "a", "x": 1e400}'), "c.json", ("row 1", "column 'x'", "too large")),
    Bad("json Infinity", json_rows('{"id": 1, "title": "a"}', '{"id": 2, "title": "b", "x": -Infinity}'), "c.json",
        ("row 2", "column 'x'", "Infinity")),
    Bad("csv list:json cell with 1e400", b'id,title,tags\n1,a,"[1, 1e400]"\n', "c.csv", ("row 1", "column 'tags'"),
        {"column_types": {"tags": "list:json"}}),
    Bad("json lone surrogate in an id", json_rows('{"id": "\\ud800", "title": "a"}'), "c.json",
        ("row 1", "column 'id'", "\\ud800")),
    Bad("json lone surrogate in a title", json_rows('{"id": 1, "title": "a"}', '{"id": 2, "title": "x\\udfff"}'),
        "c.json", ("row 2", "column 'title'", "\\udfff")),
    Bad("json lone surrogate in a key", json_rows('{"id": 1, "title": "a", "\\ud83d": 1}'), "c.json",
        ("row 1", "\\ud83d")),
    Bad("jsonl lone surrogate in a list", b'{"id": 1, "title": "a", "tags": ["ok", "\\ud800"]}\n', "c.jsonl",
        ("row 1", "column 'tags'", "\\ud800")),
    Bad("csv NUL byte", b"id,title\n1,a\x00b\n", "c.csv", ("NUL byte", "byte offset 12", "line 2")),
    Bad("utf-16 csv", "id,title\n1,a\n".encode("utf-16"), "c.csv", ("NUL byte", "UTF-16")),
    Bad("csv not utf-8", b"id,title\n1,caf\xe9\n", "c.csv", ("not UTF-8", "0xe9", "line 2")),
    Bad("/dev/zero as csv", "/dev/zero", "csv", ("NUL byte", "byte offset 0")),
    Bad("/dev/zero as parquet", "/dev/zero", "parquet", ("not a Parquet file", "PAR1")),
    Bad("/dev/zero as jsonl", "/dev/zero", "jsonl", ("NUL byte", "JSONL")),
    Bad("NUL byte in the path", "cat\x00alog.csv", "csv", ("file name", "NUL byte")),
    Bad("a folder", "/tmp", "csv", ("'/tmp'", "directory")),
    Bad("parquet 460 KB decoding to 150 GB", dictionary_bomb({"id": 1}), "c.parquet",
        ("decoded Parquet data", "1,024 MiB", DECODED_MB)),
    Bad("parquet pages over the limit", parquet(pa.table({"id": range(3), "title": ["é" * 700_000] * 3}),
                                                use_dictionary=False, compression="zstd"), "c.parquet",
        ("uncompressed size", "pages", "1 MiB", DECODED_MB), env={DECODED_MB: "1"}),
    Bad("parquet numbers over the limit", parquet(pa.table({"id": [1], "title": ["a"], "v": pa.array(
        [[None] * 300_000], pa.list_(pa.float64()))})), "c.parquet", ("numbers", DECODED_MB), env={DECODED_MB: "1"}),
    Bad("gzip bomb", gzip.compress(b"id,title\n" + b"1,aaaaaaaa\n" * 300_000), "c.csv.gz",
        ("unpacked gzip content", "1 MiB", FILE_MB), env={FILE_MB: "1"}),
    Bad("truncated gzip", gzip.compress(b"id,title\n1,a\n" * 100)[:-30], "c.csv.gz", ("truncated",)),
    Bad("corrupt gzip", b"\x1f\x8b\x08\x00garbage-not-deflate", "c.csv.gz", ("cannot be unpacked",)),
    Bad("file over the byte limit", b"id,title\n" + b"1,aaaaaaaa\n" * 150_000, "c.csv",
        ("larger than the limit of 1 MiB", FILE_MB), env={FILE_MB: "1"}),
    Bad("a limit that is not a number", b"id,title\n1,a\n", "c.csv", (FILE_MB, "'lots'"), env={FILE_MB: "lots"},
        error=InvalidInputError),
    Bad("csv cell over 131072 characters", b"id,title\n1," + b"a" * 140_000 + b"\n", "c.csv",
        ("line 2", "131,072 characters")),
    Bad("date past 9999 in UTC", b"id,title,released\n1,a,9999-12-31T23:59:59-05:00\n", "c.csv",
        ("row 1", "column 'released'", "out of range"), {"column_types": {"released": "date"}}),
    Bad("date 1e20 seconds", b"id,title,released\n1,a,2024-01-01\n2,b,1e20\n", "c.csv",
        ("row 2", "column 'released'", "out of range"), {"column_types": {"released": "date"}}),
    Bad("100,000 digits then x in a number column", b"id,title,n\n1,a," + b"1" * 100_000 + b"x\n", "c.csv",
        ("row 1", "column 'n'", "not a number"), {"column_types": {"n": "number"}}),
    Bad("parquet magic then garbage", b"PAR1" + b"\x00garbage" * 20, "c.parquet", ("not a readable Parquet file",)),
    Bad("vector of 1e400", b'id,title,vector\n1,a,"[1e400, 0]"\n', "c.csv", ("row 1", "column 'vector'", "inf"),
        {"vector_column": "vector"}),
]

LOG_HEADER = "persona_id,item_id,weight,created_at\n"
LOGS = [
    Bad("log time past 9999 in UTC", (LOG_HEADER + "ann,a,1,2024-05-01T00:00:00Z\nann,b,1,9999-12-31T23:59:59-05:00\n")
        .encode(), "log.csv", ("row 2", "column 'created_at'", "out of range")),
    Bad("log time 1e20", (LOG_HEADER + "ann,a,1,1e20\n").encode(), "log.csv", ("row 1", "column 'created_at'")),
    Bad("log lone surrogate in a persona id", json_rows('{"persona_id": "\\ud800", "item_id": "a", "weight": 1}'),
        "log.json", ("row 1", "column 'persona_id'", "\\ud800")),
    Bad("log item id of 5000 digits", json_rows(f'{{"persona_id": "ann", "item_id": {DIGITS}, "weight": 1}}'),
        "log.json", ("5000 digits",)),
    Bad("log nested 2000 deep", ('{"persona_id": "ann", "item_id": ' + "[" * 2000 + "]" * 2000 + "}\n").encode(),
        "log.jsonl", ("row 1", "too deeply")),
    Bad("log weight 1e400", (LOG_HEADER + "ann,a,1e400,\n").encode(), "log.csv", ("row 1", "column 'weight'", "inf")),
    Bad("log parquet 460 KB decoding to 150 GB", dictionary_bomb({"persona_id": "ann", "item_id": "a"}), "log.parquet",
        ("decoded Parquet data", DECODED_MB)),
    Bad("log gzip bomb", gzip.compress((LOG_HEADER + "ann,a,1,\n" * 200_000).encode()), "log.csv.gz",
        ("unpacked gzip content", FILE_MB), env={FILE_MB: "1"}),
    Bad("log duplicate key", json_rows('{"persona_id": "ann", "item_id": "a", "item_id": "b"}'), "log.json",
        ("column 'item_id'", "twice")),
    Bad("log unterminated quote", (LOG_HEADER + 'ann,"a,1,\nbob,b,1,\n').encode(), "log.csv", ("line 2", "never closed")),
    Bad("log duplicate column", b"persona_id,item_id,item_id\nann,a,b\n", "log.csv", ("column 'item_id'", "twice")),
    Bad("log NUL byte", (LOG_HEADER + "ann,a\x00,1,\n").encode(), "log.csv", ("NUL byte", "line 2")),
]
