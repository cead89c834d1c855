"""BM25 of FTS5's own postings, scored in numpy: the same matches, scores and order as ``-bm25(fts)``.

FTS5 computes ``bm25()`` for every match before ``ORDER BY rank LIMIT``, a B-tree read of the row's
size per match: a first query for a common word costs 25-35 ms at 100k items. Here the terms of a
query are read from FTS5's own index (an ``fts5vocab`` ``instance`` table: the tokens exactly as
FTS5 made them, no tokenizer of ours) once per term and kept with the index, the rows' sizes once
per index (the ``_docsize`` table), the row count and total size from FTS5's own averages record,
and a match's score is FTS5's formula (``fts5Bm25Function`` in ``fts5_aux.c``) in the same IEEE
double operations in the same order, so scores are equal to the bit::

    idf(phrase)  = log((N - n + 0.5) / (n + 0.5)), 1e-6 when that is <= 0   (n: rows holding the phrase)
    score(row)   = sum over the query's phrases, in query order, of
                   idf * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * D / avgdl))   k1 1.2, b 0.75

with ``tf`` the phrase's count in the row (every column weighs 1), ``D`` the row's size in tokens
and ``avgdl`` the table's total size over ``N``. Only the form :func:`core.store.embedded.fts.fts_query`
makes without ``query_properties`` is answered here (quoted single ASCII words OR-ed: each is one
FTS5 token as it stands); a phrase, a column filter, a non-ASCII word or anything else goes to FTS5.
What is kept belongs to one in-memory index, which every write replaces, so it is never stale; an index that
only appends rows to another (``add_items``, another process's items) or gives its rows new vectors starts
from what was read for that one (items are only ever appended: a row's text never changes) and reads only the
new rows' sizes and, per term, the new rows holding it (:func:`_newer`). The formula is checked once per
process against this SQLite's own ``bm25()`` (:func:`formula_holds`); a build that scores otherwise leaves
every query to FTS5.
"""

from __future__ import annotations

import functools
import math
import re
import sqlite3
from typing import Any

import numpy as np

K1, B = 1.2, 0.75
"""FTS5's bm25 constants."""
_SIMPLE = re.compile(r'"([a-z0-9]+)"(?: OR "([a-z0-9]+)")*')
_TERM = re.compile(r'"([a-z0-9]+)"')
_SIZES_AT = 10
"""A query reads the rows' sizes (once per index) only when its matches are at least 1 / this of the rows:
fewer are as cheap for FTS5 to score as the sizes are to read."""
_KEPT_POSTINGS = 8_000_000
"""Postings (positions and counts, 16 bytes each) kept per index at most; past that the oldest terms go."""


def simple_terms(match: str) -> list[str] | None:
    """The words of a MATCH expression of the form ``"w1" OR "w2" ...`` (ASCII letters and digits), else None."""
    if not _SIMPLE.fullmatch(match):
        return None
    return _TERM.findall(match)


class Postings:
    """One index's FTS5 postings as read so far: per term, the index positions holding it and its count
    there (rows the index does not have are left out, but counted in ``n``); the rows' sizes; N, avgdl."""

    def __init__(self) -> None:
        self.terms: dict[str, tuple[np.ndarray, np.ndarray, int, int]] = {}  # positions, tf, n, last row
        self.sizes: np.ndarray | None = None  # D per index position (float64)
        self.stats: tuple[int, float] | None = None  # (N, avgdl)
        self.vocab: str | None = None
        self.before: np.ndarray | None = None  # the sizes of the first rows, read for the index this one extends
        self.carried: dict[str, tuple[np.ndarray, np.ndarray, int, int]] = {}  # its terms, as read for it
        self.warm: Any = None  # what a thread is reading for this index or one it extends (fts_warm.Warm)
        self.own_warm = False  # whether ``warm`` read this index's own rows (else a prefix of them)

    def grown(self) -> Postings:
        """What an index that appends rows to this one's starts from: these rows' sizes (items are only ever
        appended, so a row's text never changes); the terms and the row count are read again."""
        after = Postings()
        after.before, after.vocab = self.sizes if self.sizes is not None else self.before, self.vocab
        after.carried = {**self.carried, **self.terms}
        after.warm = self.warm  # the rows it reads are the first of the grown index's
        return after

    def _adopt(self, wait: bool) -> None:
        """Take what the warm-up read (:mod:`~core.store.embedded.fts_warm`) once it is there: its rows' sizes as
        the first rows' (``wait``: wait for them), its terms with its row count and average when it read this
        index's own rows and no other count was read meanwhile, else as terms to extend (like a grown index's)."""
        warm = self.warm
        if self.sizes is None and self.before is None:
            self.before = warm.sizes(wait)
        done = warm.terms()
        if done is None:
            return
        self.warm = None
        stats, terms = done
        if self.own_warm and self.stats in (None, stats):
            self.stats = stats
            for term, got in terms.items():
                self.terms.setdefault(term, got)
        else:
            for term, got in terms.items():
                if term not in self.terms:
                    self.carried.setdefault(term, got)

    def ranking(self, db: sqlite3.Connection, cid: int, terms: list[str],
                item_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Every match of the OR of ``terms`` that the index has, as (positions, scores), unordered; None when
        the query is small enough to leave to FTS5 and the rows' sizes are not read yet."""
        if not formula_holds():
            return None
        if self.warm is not None:
            self._adopt(wait=False)
        if self.stats is None:
            self.stats = _averages(db, cid)
        rows, _ = self.stats
        postings = [self._term(db, cid, t, item_rows) for t in terms]
        if any(p[2] > rows for p in postings):  # the averages record lags the table (an open write transaction)
            return None
        if not any(len(p[0]) for p in postings):
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        if self.sizes is None:
            large = sum(p[2] for p in postings) * _SIZES_AT >= rows
            if large and self.before is None and self.warm is not None:
                self._adopt(wait=True)  # being read already: the rest of that read, not a second one
            if self.before is None and not large:
                return None
            self.sizes, self.before = _sizes(db, cid, item_rows, self.before), None
        return self._score(postings)

    def _score(self, postings: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
        rows, avgdl = self.stats
        assert self.sizes is not None
        if len(postings) == 1:
            positions, tf, n, _ = postings[0]
            return positions, _part(tf, self.sizes[positions], avgdl, _idf(rows, n))
        total = np.zeros(len(self.sizes), np.float64)
        hit = np.zeros(len(self.sizes), bool)
        for positions, tf, n, _ in postings:  # in query order: FTS5 adds the phrases' parts in that order
            total[positions] += _part(tf, self.sizes[positions], avgdl, _idf(rows, n))
            hit[positions] = True
        found = np.flatnonzero(hit)
        return found, total[found]

    def _term(self, db: sqlite3.Connection, cid: int, term: str,
              item_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
        got = self.terms.get(term)
        if got is None:
            old = self.carried.pop(term, None)
            grown = _newer(db, cid, term, old[3]) if old is not None else None
            if grown is not None:  # the term as read for the index this one extends, and the rows added since
                rows, tf = grown
            else:
                if self.vocab is None:
                    self.vocab = instances(db, cid)
                rows, tf = term_rows(db, self.vocab, term)
            where = np.minimum(np.searchsorted(item_rows, rows), max(0, len(item_rows) - 1))
            known = item_rows[where] == rows if len(item_rows) else np.zeros(len(rows), bool)
            positions, counts = where[known], tf[known].astype(np.float64)
            if old is not None and grown is not None:  # old rows keep their positions (the index only appended)
                positions, counts = np.concatenate([old[0], positions]), np.concatenate([old[1], counts])
            last = int(rows[-1]) if len(rows) else (old[3] if old is not None and grown is not None else 0)
            got = self.terms[term] = (positions, counts, len(rows) + (old[2] if grown is not None else 0), last)
            while len(self.terms) > 1 and sum(len(p[0]) for p in self.terms.values()) > _KEPT_POSTINGS:
                del self.terms[next(iter(self.terms))]
        return got


def instances(db: sqlite3.Connection, cid: int) -> str:
    """The name of this connection's ``fts5vocab`` ``instance`` table over collection ``cid``'s FTS5 index."""
    vocab = f"temp.fts_{cid}_instance"
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocab} USING fts5vocab(main, fts_{cid}, instance)")
    return vocab


def term_rows(db: sqlite3.Connection, vocab: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows holding ``term`` (ascending) and its count in each, from the ``instance`` table ``vocab``."""
    docs = _numbers(db.execute(f"SELECT group_concat(doc) FROM {vocab} WHERE term=?", (term,)).fetchone()[0])
    return np.unique(docs, return_counts=True)


@functools.lru_cache(maxsize=1)
def formula_holds() -> bool:
    """Whether this process's SQLite scores as this module does: a few rows of two columns, ranked both ways
    once (another SQLite build, e.g. one with per-column statistics, would differ; then FTS5 ranks everything)."""
    db = sqlite3.connect(":memory:", isolation_level=None)  # autocommit, as the store's: the totals are written
    try:
        db.execute("CREATE VIRTUAL TABLE fts_0 USING fts5(c0, c1, tokenize='unicode61 remove_diacritics 2')")
        texts = [("amber amber birch", "cedar"), ("birch", "amber delta ember"), ("cedar cedar", ""),
                 ("amber " * 130, "birch amber"), ("delta", "delta delta birch"), ("ember", "")]
        db.executemany("INSERT INTO fts_0(rowid, c0, c1) VALUES (?,?,?)", [(i + 1, *t) for i, t in enumerate(texts)])
        rows = np.arange(1, len(texts) + 1, dtype=np.int64)
        for terms in (["amber"], ["amber", "cedar"], ["delta", "birch", "ember"]):
            match = " OR ".join(f'"{t}"' for t in terms)
            want = dict(db.execute("SELECT rowid, -bm25(fts_0) FROM fts_0 WHERE fts_0 MATCH ?", (match,)))
            postings = Postings()
            postings.sizes, postings.stats = _sizes(db, 0, rows, None), _averages(db, 0)
            positions, scores = postings._score([postings._term(db, 0, t, rows) for t in terms])
            if dict(zip(rows[positions].tolist(), scores.tolist())) != want:
                return False
        return True
    except sqlite3.Error:
        return False
    finally:
        db.close()


def _newer(db: sqlite3.Connection, cid: int, term: str, last: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The rows after ``last`` holding ``term`` and its count in each (FTS5's highlight() marks every instance
    of a one-token phrase apart), ascending; None when a text holds the marker itself (then read it all)."""
    names = [d[0] for d in db.execute(f"SELECT * FROM fts_{cid} LIMIT 0").description]
    marks = ", ".join(f"highlight(fts_{cid}, {k}, char(1), '')" for k in range(len(names)))
    raw = " || ' ' || ".join(f"coalesce({c}, '')" for c in names)
    found = db.execute(f"SELECT rowid, instr({raw}, char(1)), {marks} FROM fts_{cid} WHERE fts_{cid} MATCH ?"
                       " AND rowid > ? ORDER BY rowid", (f'"{term}"', last)).fetchall()
    if any(f[1] for f in found):
        return None
    rows = np.array([f[0] for f in found], np.int64)
    return rows, np.array([sum((t or "").count("\x01") for t in f[2:]) for f in found], np.int64)


def _numbers(text: str | None) -> np.ndarray:
    """The integers of a ``group_concat`` (comma-separated; None: none)."""
    return np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, np.int64)


def _idf(rows: int, n: int) -> float:
    idf = math.log((rows - n + 0.5) / (n + 0.5))  # the C library's log, as FTS5's
    return idf if idf > 0.0 else 1e-6


def _part(tf: np.ndarray, sizes: np.ndarray, avgdl: float, idf: float) -> np.ndarray:
    """``aIDF[i] * ((aFreq[i] * (k1 + 1.0)) / (aFreq[i] + k1 * (1 - b + b * D / avgdl)))``, operation by operation."""
    return idf * ((tf * (K1 + 1.0)) / (tf + K1 * ((1 - B) + (B * sizes) / avgdl)))


def _varints(blob: bytes) -> list[int]:
    """SQLite's varints (big-endian, 7 bits a byte, high bit: more follow; 9 bytes at most)."""
    out, value, count = [], 0, 0
    for byte in blob:
        count += 1
        if count == 9:
            out.append((value << 8) | byte)
            value, count = 0, 0
        elif byte & 0x80:
            value = (value << 7) | (byte & 0x7F)
        else:
            out.append((value << 7) | byte)
            value, count = 0, 0
    return out


def _averages(db: sqlite3.Connection, cid: int) -> tuple[int, float]:
    """FTS5's row count and average row size, from its averages record (what ``xRowCount`` and
    ``xColumnTotalSize(-1)`` read)."""
    row = db.execute(f"SELECT block FROM fts_{cid}_data WHERE id=1").fetchone()
    values = _varints(row[0]) if row and row[0] else [0]
    rows, tokens = values[0], sum(values[1:])
    return rows, (float(tokens) / float(rows)) if rows else 0.0


def _sizes(db: sqlite3.Connection, cid: int, item_rows: np.ndarray, before: np.ndarray | None) -> np.ndarray:
    """Each index position's row size in tokens (all columns), from FTS5's ``_docsize`` table; ``before``: the
    sizes of the first positions, already read (only the rows after them are read)."""
    return read_sizes(db, cid, item_rows, before)[0]


def read_sizes(db: sqlite3.Connection, cid: int, item_rows: np.ndarray,
               before: np.ndarray | None) -> tuple[np.ndarray, int]:
    """:func:`_sizes`, and how many positions after ``before``'s it found a size for."""
    sizes = np.zeros(len(item_rows), np.float64)
    done = 0 if before is None else min(len(before), len(item_rows))
    if done:
        sizes[:done] = before[:done]
    after = int(item_rows[done - 1]) if done else 0
    ids, data, widths = db.execute(f"SELECT group_concat(id), group_concat(hex(sz), ''), group_concat(length(sz))"
                                   f" FROM fts_{cid}_docsize WHERE id > ?", (after,)).fetchone()
    if ids is None:
        return sizes, 0
    ids, widths = _numbers(ids), _numbers(widths)
    flat = np.frombuffer(bytes.fromhex(data), dtype=np.uint8)
    starts = np.concatenate([[0], np.cumsum(widths)[:-1]])
    if not (flat & 0x80).any():  # every size one byte (fewer than 128 tokens in a column): add each row's up
        total = np.add.reduceat(flat.astype(np.int64), starts) if len(flat) else np.zeros(len(ids), np.int64)
    else:
        blob = flat.tobytes()
        total = np.array([sum(_varints(blob[a:a + w])) for a, w in zip(starts.tolist(), widths.tolist())], np.int64)
    where = np.minimum(np.searchsorted(item_rows, ids), max(0, len(item_rows) - 1))
    known = item_rows[where] == ids if len(item_rows) else np.zeros(len(ids), bool)
    sizes[where[known]] = total[known]
    return sizes, int(known.sum())
