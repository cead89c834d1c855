"""A catalog's vectors: parsed from a vector column of the file, or embedded from the item texts.

A vector cell may be a list or array of numbers or a string (``"[0.1, 0.2]"``, numpy's
``"[0.1 0.2]"`` or numbers separated by spaces and/or commas); a bad one raises
:class:`~core.errors.CatalogImportError` naming the 1-based data row and the column.
"""

from __future__ import annotations

import json
import numbers
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.io.embedding import Embedder, ProgressCallback, default_embedder, normalize
from core.errors import CatalogImportError, InvalidInputError
from core.io.cells import is_missing


def row_vector(cell: Any, number: int, column: str, previous: list[np.ndarray],
               expected_dims: int | None) -> np.ndarray:
    """One unit-length vector from a list/array cell or a string of numbers.

    ``previous`` holds the vectors of the rows before; all must have the same length, and
    ``expected_dims`` when it is given.
    """
    values = _vector_values(cell, number, column)
    arr = np.asarray(values, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise CatalogImportError(f"vector entry {bad[0] + 1} is {values[bad[0]]!r}; NaN and infinity are not allowed",
                                 row=number, column=column)
    if expected_dims is not None and arr.size != expected_dims:
        raise CatalogImportError(f"vector has {arr.size} numbers, expected {expected_dims} (expected_dims)",
                                 row=number, column=column)
    if previous and arr.size != previous[0].size:
        raise CatalogImportError(f"vector has {arr.size} numbers but row 1 has {previous[0].size}; "
                                 "every vector must have the same length", row=number, column=column)
    norm = float(np.linalg.norm(arr))
    if norm == 0.0:
        raise CatalogImportError("vector is all zeros, so it has no direction", row=number, column=column)
    return (arr / norm).astype(np.float32)


def _vector_values(cell: Any, number: int, column: str) -> list[Any]:
    if is_missing(cell) or (isinstance(cell, str) and not cell.strip()):
        raise CatalogImportError("the vector is missing", row=number, column=column)
    if isinstance(cell, str):
        values = _split_numbers(cell, number, column)
    elif isinstance(cell, (list, tuple)) or hasattr(cell, "tolist"):
        values = list(cell.tolist() if hasattr(cell, "tolist") else cell)
    else:
        raise CatalogImportError(f"a vector must be a list of numbers or a string like '[0.1, 0.2]', "
                                 f"got {type(cell).__name__} {cell!r}", row=number, column=column)
    if not values:
        raise CatalogImportError("the vector is empty", row=number, column=column)
    for position, value in enumerate(values, start=1):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise CatalogImportError(f"vector entry {position} is not a number: {value!r}", row=number, column=column)
    return values


def _split_numbers(text: str, number: int, column: str) -> list[Any]:
    """A JSON list ("[0.1, 0.2]") or numbers separated by spaces and/or commas."""
    text = text.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None  # e.g. numpy's "[0.1 0.2]": split it below
        if isinstance(parsed, list):
            return parsed
    values: list[Any] = []
    for token in filter(None, re.split(r"[,\s]+", text.strip("[]() \t\n"))):
        try:
            values.append(float(token))
        except ValueError:
            raise CatalogImportError(f"vector entry {len(values) + 1} is not a number: {token!r}",
                                     row=number, column=column) from None
    return values


def catalog_vectors(texts: Sequence[str], given: np.ndarray | None, *, embedder: Embedder | None,
                    progress: ProgressCallback | None, embedding_model: str | None) -> tuple[np.ndarray, str | None]:
    """Unit-length vectors for a catalog's items and the name of the model that made them.

    The file's own vectors (``given``) are used when it had them, reporting ``progress(n, n)``
    once; otherwise ``texts`` are embedded with ``embedder`` (default: the bundled model).
    """
    n = len(texts)
    if given is not None:
        if progress is not None:
            progress(n, n)
        return normalize(given), embedding_model
    embedder = embedder or default_embedder()
    vectors = np.asarray(embedder.embed(texts, progress=progress), dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != n:
        raise InvalidInputError(f"the embedder returned shape {vectors.shape} for {n} texts")
    return normalize(vectors), embedding_model or getattr(embedder, "name", None)
