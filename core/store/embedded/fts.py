"""Turning a user's search text into a safe SQLite FTS5 query.

User text is never passed to FTS5 as syntax: it is split into word tokens, English stopwords are
dropped (Weaviate's default ``en`` preset), each token is quoted, and they are OR-ed (BM25 in
Weaviate matches any query term too). ``query_properties`` restrict the match to some of
the collection's text fields through an FTS5 column filter.

:func:`bm25_hits` ranks in FTS5 and joins only what it returns to the items (joining every match
before the ``LIMIT`` made a search 3-6x a plain FTS5 query). Unfiltered, one ranked page of
``limit`` plus the excluded count is read and joined. Filtered, the filter's row mask is applied to
the matches' rowids (item rows, mapped to index positions through the index's sorted rows): FTS5
sorts every match once (what its own ``ORDER BY rank`` does too) and the sorted rows are read in
chunks, the first sized by the share of rows the filter keeps (twice the expected need), until
``limit`` of them pass, so a filter that keeps few of the best matches costs more reading, never a
second query. A query asked again of the same index (the agent's planned keyword searches repeat
from request to request) is ranked whole once, every match in numpy order, and kept with the index
(:class:`_Text`): later asks, with any filter or exclusions, read the kept ranking without SQL. An
index is replaced by every write, so what is kept is never stale.

Before either SQL path, a query of the form :func:`fts_query` makes without ``query_properties`` (quoted
ASCII words OR-ed) is scored from FTS5's own postings kept with the index
(:mod:`core.store.embedded.fts_memory`: the same matches, scores and order as ``-bm25()``, without FTS5
computing bm25 for every match before its ``LIMIT``); any other form, or a small query before the rows'
sizes are read, goes to FTS5.
"""

from __future__ import annotations

import math
import sqlite3
import weakref
from collections import OrderedDict
from collections.abc import Collection, Sequence
from uuid import UUID

import numpy as np

from core.checks import check_text, describe
from core.errors import InvalidInputError, StoreError
from core.store.base import Hit
from core.store.embedded.fts_memory import Postings, simple_terms
from core.store.embedded.index import VectorIndex
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


def bm25_hits(db: sqlite3.Connection, cid: int, match: str, limit: int, index: VectorIndex, *,
              allowed: np.ndarray | None, exclude: Collection[UUID]) -> list[Hit]:
    """The best ``limit`` BM25 matches of ``match`` in collection ``cid`` that ``allowed`` accepts.

    Ranked by score, then item row (the order of ``ORDER BY -bm25 DESC, row``), and only the matches
    that are returned are joined to their ids (see the module docstring for the three paths);
    ``allowed`` is ``index``'s row mask from a filter and the exclusions (None: no filter), ``exclude``
    the excluded ids.
    """
    fts = f"fts_{cid}"
    ranked = f"SELECT rowid AS r, -bm25({fts}) AS s FROM {fts} WHERE {fts} MATCH ? ORDER BY s DESC, r"
    state = _state(index)
    ranking = state.ranked.get(match)
    if ranking is None and state.repeated(match):  # asked again for this index: rank every match once, keep it
        found = _in_memory(db, cid, match, index)
        ranking = state.keep(match, _ordered(*found) if found is not None else
                             _ranking(db, fts, match, _item_rows(db, cid, index)))
    if ranking is not None:
        state.ranked.move_to_end(match)
        return _from_ranking(ranking, limit, index, allowed, exclude)
    found = _in_memory(db, cid, match, index)
    if found is not None:  # scored from FTS5's postings kept with the index (fts_memory): no bm25() per match
        return _top(found, limit, index, allowed, exclude)
    if allowed is None:  # only excluded rows can be skipped: one page of limit + len(exclude) is enough
        rows = db.execute(f"SELECT i.uuid, m.s FROM ({ranked} LIMIT ?) m JOIN items i ON i.row = m.r"
                          " ORDER BY m.s DESC, m.r", (match, limit + len(exclude))).fetchall()
        hits = (Hit(uid, float(score)) for uid, score in ((UUID(u), s) for u, s in rows))
        return [h for h in hits if h.uuid not in exclude][:limit]
    if not len(index) or not allowed.any():
        return []
    item_rows = _item_rows(db, cid, index)
    chunk = math.ceil(2 * limit * len(allowed) / int(allowed.sum())) + _SLACK
    hits: list[Hit] = []
    cursor = db.execute(ranked, (match,))  # sorted once; rows are read only until limit of them pass
    try:
        while len(hits) < limit and (found := cursor.fetchmany(chunk)):
            rows = np.fromiter((r for r, _ in found), dtype=np.int64, count=len(found))
            where = np.minimum(np.searchsorted(item_rows, rows), len(item_rows) - 1)
            # rows another process added since the index was read are not in it: skipped
            keep = np.flatnonzero(allowed[where] & (item_rows[where] == rows))
            hits.extend(Hit(index.uuids[where[k]], float(found[k][1])) for k in keep)
            chunk *= 2
    finally:
        cursor.close()  # an unfinished statement would keep its read transaction open
    return hits[:limit]


_SLACK = 16
"""Extra matches read beyond twice the expected need, so a small filtered search rarely reads a second chunk."""
_SEEN, _RANKINGS, _RANKED_MATCHES = 256, 16, 4_000_000
"""Per index: queries remembered as asked once, full rankings kept, and the matches those may hold in all
(12 bytes each: 48 MB at most per index)."""


class _Text:
    """What BM25 keeps for one index (while the index lives): its item rows, the queries asked once, and
    the full ranking (index positions, scores) of each query asked again, least recently used dropped."""

    def __init__(self) -> None:
        self.rows: np.ndarray | None = None
        self.seen: OrderedDict[str, None] = OrderedDict()
        self.ranked: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.postings = Postings()

    def repeated(self, match: str) -> bool:
        """Whether ``match`` was asked before (it is remembered as asked now)."""
        again = match in self.seen
        self.seen[match] = None
        self.seen.move_to_end(match)
        while len(self.seen) > _SEEN:
            self.seen.popitem(last=False)
        return again

    def keep(self, match: str, ranking: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        self.ranked[match] = ranking
        while len(self.ranked) > 1 and (len(self.ranked) > _RANKINGS or sum(
                len(r[0]) for r in self.ranked.values()) > _RANKED_MATCHES):
            self.ranked.popitem(last=False)
        return ranking


_STATE: weakref.WeakKeyDictionary[VectorIndex, _Text] = weakref.WeakKeyDictionary()


def _state(index: VectorIndex) -> _Text:
    state = _STATE.get(index)
    if state is None:
        state = _STATE[index] = _Text()
        before, index.text_before = index.text_before, None
        if isinstance(before, _Text):  # this index extends one whose rows' sizes were read: only new rows' are read
            state.postings = before.postings.grown()
        index.text_kept = state  # what an index extending this one starts from (VectorIndex.extended)
    return state


def postings_of(index: VectorIndex) -> Postings:
    """What keyword search keeps of FTS5's postings for ``index`` (:mod:`~core.store.embedded.fts_warm` fills it)."""
    return _state(index).postings


def _ranking(db: sqlite3.Connection, fts: str, match: str, item_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every match of ``match`` that the index has, as (positions, scores) ordered by score desc, row asc."""
    found = np.array(db.execute(f"SELECT rowid, -bm25({fts}) FROM {fts} WHERE {fts} MATCH ?", (match,)).fetchall(),
                     dtype=np.float64).reshape(-1, 2)
    rows, scores = found[:, 0].astype(np.int64), found[:, 1]
    where = np.minimum(np.searchsorted(item_rows, rows), max(0, len(item_rows) - 1))
    known = np.flatnonzero(item_rows[where] == rows) if len(item_rows) else np.zeros(0, np.int64)
    order = known[np.lexsort((rows[known], -scores[known]))]
    return where[order], scores[order]


def _from_ranking(ranking: tuple[np.ndarray, np.ndarray], limit: int, index: VectorIndex, allowed: np.ndarray | None,
                  exclude: Collection[UUID]) -> list[Hit]:
    positions, scores = ranking
    if allowed is None:
        hits = (Hit(index.uuids[p], float(s)) for p, s in zip(positions[:limit + len(exclude)], scores))
        return [h for h in hits if h.uuid not in exclude][:limit]
    passed = np.flatnonzero(allowed[positions])[:limit]
    return [Hit(index.uuids[positions[k]], float(scores[k])) for k in passed]


def _in_memory(db: sqlite3.Connection, cid: int, match: str, index: VectorIndex):
    """Every match of ``match`` as (positions, scores), unordered, from :mod:`fts_memory`; None: ask FTS5."""
    terms = simple_terms(match)
    return None if terms is None else _state(index).postings.ranking(db, cid, terms, _item_rows(db, cid, index))


def _ordered(positions: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((positions, -scores))  # score desc, then row (positions are in row order)
    return positions[order], scores[order]


def _top(found: tuple[np.ndarray, np.ndarray], limit: int, index: VectorIndex, allowed: np.ndarray | None,
         exclude: Collection[UUID]) -> list[Hit]:
    """The best ``limit`` of unordered matches that ``allowed`` accepts and ``exclude`` does not name."""
    positions, scores = found
    if allowed is not None:
        keep = allowed[positions]
        positions, scores = positions[keep], scores[keep]
    need = limit + (len(exclude) if allowed is None else 0)
    if len(positions) > need > 0:  # every match scoring at least the need-th best (ties included), then sorted
        kth = -np.partition(-scores, need - 1)[need - 1]
        keep = scores >= kth
        positions, scores = positions[keep], scores[keep]
    positions, scores = _ordered(positions, scores)
    hits = (Hit(index.uuids[p], float(s)) for p, s in zip(positions[:need].tolist(), scores[:need].tolist()))
    return [h for h in hits if h.uuid not in exclude][:limit] if allowed is None else list(hits)[:limit]


def _item_rows(db: sqlite3.Connection, cid: int, index: VectorIndex) -> np.ndarray:
    """The item row of each of ``index``'s positions (ascending: an index holds its items in row order),
    read once per index from the covering ``(cid, uuid)`` index and kept while the index lives."""
    state = _state(index)
    rows = state.rows
    own = getattr(index, "rows", None)  # the rows an index read from its vector files or SQLite, when it has them
    if rows is None and own is not None and len(own) == len(index) and bool(np.all(own[1:] > own[:-1])):
        rows = state.rows = np.asarray(own, dtype=np.int64)
    if rows is None:
        rows = np.sort(np.fromiter((r for (r,) in db.execute("SELECT row FROM items WHERE cid=?", (cid,))),
                                   dtype=np.int64))
        rows = rows[:np.searchsorted(rows, index.origin.last_row, side="right")]
        if len(rows) != len(index):
            raise StoreError(f"collection {cid}'s items do not match its in-memory index ({len(rows)} rows, "
                             f"{len(index)} items); reopen the store")
        state.rows = rows
    return rows
