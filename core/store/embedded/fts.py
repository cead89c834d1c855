"""Turning a user's search text into a safe SQLite FTS5 query.

User text is never passed to FTS5 as syntax: it is split into word tokens, English stopwords are
dropped (Weaviate's default ``en`` preset), each token is quoted, and they are OR-ed (BM25 in
Weaviate matches any query term too). ``query_properties`` restrict the match to some of
the collection's text fields through an FTS5 column filter.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import InvalidInputError
from core.text import WEAVIATE_STOPWORDS, words


def fts_query(text: str, text_fields: Sequence[str], query_properties: Sequence[str] | None = None) -> str | None:
    """The FTS5 MATCH expression for ``text``, or None when it holds no searchable word."""
    if not isinstance(text, str):
        raise InvalidInputError(f"bm25 query must be a string, got {type(text).__name__}")
    tokens = list(dict.fromkeys(t for t in words(text) if t not in WEAVIATE_STOPWORDS))
    if not tokens:
        return None
    terms = " OR ".join(f'"{t}"' for t in tokens)
    if not query_properties:
        return terms
    if not text_fields:
        raise InvalidInputError("this collection has no separate text fields, so query_properties cannot be used")
    unknown = [p for p in query_properties if p.split("^")[0] not in text_fields]
    if unknown:
        raise InvalidInputError(f"query_properties {unknown} are not text fields of the collection; "
                                f"valid: {list(text_fields)}")
    columns = " ".join(f"c{text_fields.index(p.split('^')[0])}" for p in query_properties)
    return f"{{{columns}}} : ({terms})"
