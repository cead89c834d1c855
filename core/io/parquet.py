"""Parquet files read within limits: checked from the metadata first, then decoded batch by batch.

A Parquet file can be tiny and decode to a huge table (one long text repeated, dictionary-encoded,
on every row; millions of run-length-encoded list elements). Before decoding anything,
:func:`parquet_rows` checks the footer: the row count, duplicate column names, how deeply the
columns nest, the uncompressed page sizes and the size of every fixed-width column. Text columns
are then read as dictionaries (their size on disk, not their decoded size) and each batch's
decoded size (text bytes, 8 bytes a number) is added up before it becomes Python values, so the
reader stops at :attr:`~core.io.reading.ReadLimits.max_decoded_bytes` instead of running out of memory.
"""

from __future__ import annotations

from typing import Any

from core.errors import CatalogImportError
from core.io.cells import MAX_DEPTH
from core.io.reading import ReadLimits

__all__ = ["parquet_rows"]

_BATCH = 4096
_WIDTH = {"BOOLEAN": 1, "INT32": 4, "INT64": 8, "INT96": 12, "FLOAT": 4, "DOUBLE": 8}


def parquet_rows(data: bytes, max_rows: int, limits: ReadLimits) -> tuple[list[str], list[dict[str, Any]]]:
    """The column names and rows of a Parquet file, or a :class:`CatalogImportError` naming the limit hit."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(pa.BufferReader(data))
        if file.metadata.num_rows > max_rows:
            raise CatalogImportError(f"the file has {file.metadata.num_rows} data rows, more than {max_rows} data rows; "
                                     f"split it and import at most {max_rows} at once")
        names = _check_schema(file.schema_arrow)
        text_leaves = _check_metadata(file, limits)
        file = pq.ParquetFile(pa.BufferReader(data), read_dictionary=text_leaves)
        rows: list[dict[str, Any]] = []
        decoded = 0
        for batch in file.iter_batches(batch_size=_BATCH):
            decoded += sum(_decoded_bytes(column) for column in batch.columns)
            if decoded > limits.max_decoded_bytes:
                raise limits.too_big("the decoded Parquet data", "max_decoded_bytes")
            rows.extend(batch.to_pylist())
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        raise CatalogImportError(f"not a readable Parquet file: {exc}") from None
    return names, rows


def _check_schema(schema: Any) -> list[str]:
    names = [str(n) for n in schema.names]
    if dup := next((n for n in names if names.count(n) > 1), None):
        raise CatalogImportError("this column name appears twice", column=dup)
    for field in schema:
        if _too_deep(field.type, 0):
            raise CatalogImportError(f"the column nests lists or structs more than {MAX_DEPTH} levels deep; "
                                     f"at most {MAX_DEPTH} are read", column=field.name)
    return names


def _too_deep(kind: Any, depth: int) -> bool:
    if kind.num_fields == 0:
        return False
    return depth >= MAX_DEPTH or any(_too_deep(kind.field(i).type, depth + 1) for i in range(kind.num_fields))


def _check_metadata(file: Any, limits: ReadLimits) -> list[str]:
    """Refuse what the footer already shows is too big; the paths of the text (byte array) leaves."""
    meta, schema = file.metadata, file.schema
    pages = fixed = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            pages += chunk.total_uncompressed_size
            width = _WIDTH.get(chunk.physical_type) or (schema.column(c).length or 0)
            fixed += chunk.num_values * width
    if pages > limits.max_decoded_bytes:
        raise limits.too_big(f"the uncompressed size of the Parquet file's pages ({pages:,} bytes)", "max_decoded_bytes")
    if fixed > limits.max_decoded_bytes:
        raise limits.too_big(f"the decoded size of the Parquet file's numbers ({fixed:,} bytes)", "max_decoded_bytes")
    return [schema.column(c).path for c in range(len(schema)) if schema.column(c).physical_type == "BYTE_ARRAY"]


def _decoded_bytes(array: Any) -> int:
    """The bytes ``array`` takes once decoded: dictionary text at its full length on every row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = array.type
    if pa.types.is_dictionary(kind):
        values = array.dictionary
        if pa.types.is_string(values.type) or pa.types.is_binary(values.type) \
                or pa.types.is_large_string(values.type) or pa.types.is_large_binary(values.type):
            sizes = pc.binary_length(values)
        else:
            sizes = pa.array([8] * len(values), pa.int64())
        return int(pc.sum(pc.take(sizes, array.indices)).as_py() or 0) + 8 * len(array)
    if pa.types.is_map(kind):
        return _decoded_bytes(array.keys) + _decoded_bytes(array.items) + 8 * len(array)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _decoded_bytes(array.flatten()) + 8 * len(array)
    if pa.types.is_struct(kind):
        return sum(_decoded_bytes(child) for child in array.flatten()) + 8 * len(array)
    return array.nbytes
