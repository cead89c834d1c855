"""Turning a user's search text into a safe SQLite FTS5 query.

User text is never passed to FTS5 as syntax: it is split into word tokens, English stopwords are
dropped (Weaviate's default ``en`` preset), each token is quoted, and they are OR-ed (BM25 in
Weaviate matches any query term too). ``query_properties`` restrict the match to some of
the collection's text fields through an FTS5 column filter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from uuid import UUID

from core.checks import check_text, describe
from core.errors import InvalidInputError
from core.store.base import Hit
from core.text import WEAVIATE_STOPWORDS, words


def fts_query(text: str, text_fields: Sequence[str], query_properties: Sequence[str] | None = None) -> str | None:
    """The FTS5 MATCH expression for ``text``, or None when it holds no searchable word."""
    check_text(text, "bm25 query")
    if query_properties is not None and (not isinstance(query_properties, (list, tuple)) or not all(
            isinstance(p, str) for p in query_properties)):
        raise InvalidInputError(f"query_properties must be a list of property names, got {describe(query_properties)}")
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


def bm25_hits(db: sqlite3.Connection, cid: int, match: str, limit: int, keep: Callable[[UUID], bool], *,
              page: int) -> list[Hit]:
    """The best ``limit`` BM25 matches of ``match`` in collection ``cid`` that ``keep`` accepts.

    Pages through the ranked matches with SQL ``LIMIT`` (doubling the page) instead of scoring and
    sorting every match; unfiltered, only excluded rows can be skipped, so one page of ``limit`` plus
    the number excluded is enough.
    """
    sql = (f"SELECT i.uuid, -bm25(fts_{cid}) AS s FROM fts_{cid} JOIN items i ON i.row = fts_{cid}.rowid"
           f" WHERE fts_{cid} MATCH ? ORDER BY s DESC, i.row LIMIT ? OFFSET ?")
    hits: list[Hit] = []
    offset = 0
    while True:
        rows = db.execute(sql, (match, page, offset)).fetchall()
        hits.extend(Hit(uid, float(score)) for uid, score in ((UUID(u), s) for u, s in rows) if keep(uid))
        if len(hits) >= limit or len(rows) < page:
            return hits[:limit]
        offset, page = offset + page, page * 2
