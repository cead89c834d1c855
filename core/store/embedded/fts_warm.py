"""Keyword search's reads of FTS5, done in a thread when an index is read, so a first query does not wait for them.

:mod:`~core.store.embedded.fts_memory` scores a large query from the rows' sizes (FTS5's ``_docsize``, one
read per index: ~33 ms at 100k items) and each term's postings (read once per term: a few ms for a term in
a quarter of the rows). A store just opened has neither, so its first large keyword search paid both. Now,
when a file store reads a collection's index (its first use after opening, or after the collection was
replaced), :class:`Warm` reads them on a thread of its own:

- on its **own read-only connection** (the store's connection is shared under the store's lock; a second one
  needs neither and takes nothing from the requests), in one read transaction, so what it reads is one state
  of the file;
- the **rows' sizes** of the index's rows, kept only when that transaction shows the collection the index was
  read from (same id and random ``token``: not one replaced meanwhile) and a size for every one of its rows
  (items are only appended and a row's text never changes, so these sizes stay right for the index and
  every index that extends it);
- then, only when the FTS table holds exactly the index's rows (no later rows from another process), FTS5's
  row count and average size and the postings of the **common terms** (in at least ``1 / _SIZES_AT`` of the
  rows: the ones that cost a read; stopwords and words :func:`~core.store.embedded.fts_memory.simple_terms`
  never asks for are left out), most common first, :data:`WARM_POSTINGS` postings at most.

A query takes what is ready (:meth:`fts_memory.Postings._adopt`): a large query whose sizes are still being
read waits for that read rather than reading them a second time (at most :data:`WAIT_S`); terms and the row
count are used together, and only while the index's own row count is the same, else as terms to extend with
the rows added since. A read that fails, is stopped or finds the file changed leaves the query to read as
before, so a warm-up never changes an answer. ``:memory:`` stores have no second connection and do not warm.
:class:`Warmer` starts at most one per index read and stops them on ``EmbeddedStore.close()`` (a progress
handler interrupts the SQL; :data:`STOP_S` at most), so a close does not wait for a warm-up's read and no
thread outlives its store for long.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np

from core.store.embedded import fts_memory
from core.store.embedded.fts import postings_of
from core.text import WEAVIATE_STOPWORDS

log = logging.getLogger(__name__)

WARM_FROM = 10_000
"""Indexes of fewer rows are not warmed: their first large query reads the sizes in a millisecond or two."""
WARM_POSTINGS = 2_000_000
"""Postings (16 bytes each) of common terms warmed per index at most (a quarter of what an index keeps)."""
WAIT_S = 5.0
"""Seconds a query waits for sizes being read before reading them itself."""
STOP_S = 2.0
"""Seconds ``close()`` waits for its warm-ups to stop once told to."""
_CHECK_EVERY = 20_000
"""SQLite virtual-machine steps between two checks of whether a warm-up was stopped."""

Term = tuple[np.ndarray, np.ndarray, int, int]  # positions, counts, rows holding it, last such row


class Warm:
    """One index's warm-up (module docstring): started at once, read through :meth:`sizes` and :meth:`terms`."""

    def __init__(self, path: str, cid: int, token: str | None, item_rows: np.ndarray) -> None:
        self.path, self.cid, self.token, self.rows = path, cid, token, item_rows
        self._sizes: np.ndarray | None = None
        self._terms: tuple[tuple[int, float], dict[str, Term]] | None = None
        self._sized, self._done = threading.Event(), threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=f"fts-warm-{cid}", daemon=True)
        self._thread.start()

    def sizes(self, wait: bool) -> np.ndarray | None:
        """The index's rows' sizes once read (``wait``: wait for the read, at most :data:`WAIT_S`), else None."""
        if wait:
            self._sized.wait(WAIT_S)
        return self._sizes if self._sized.is_set() else None

    def terms(self) -> tuple[tuple[int, float], dict[str, Term]] | None:
        """None while reading; then ((row count, average size), common terms), empty when they were not read."""
        if not self._done.is_set():
            return None
        return self._terms or ((0, 0.0), {})

    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """Stop the read: the statement running ends at its next progress check (its results are dropped)."""
        self._stopped = True

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        db = None
        try:
            if self._stopped:
                return
            uri = Path(self.path).resolve().as_uri() + "?mode=ro"
            db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=1.0)
            db.set_progress_handler(lambda: self._stopped, _CHECK_EVERY)  # true: SQLite interrupts the statement
            self._read(db)
        except (sqlite3.Error, OSError, ValueError) as exc:  # interrupted, busy, gone: the queries read for themselves
            log.debug("keyword warm-up of collection %s stopped: %s", self.cid, exc)
        finally:
            self._sized.set()
            self._done.set()
            if db is not None:
                db.close()

    def _read(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN")  # one state of the file for everything below
        try:
            found = db.execute("SELECT token FROM collections WHERE id=?", (self.cid,)).fetchone()
            if found is None or found[0] != self.token:
                return
            sizes, filled = fts_memory.read_sizes(db, self.cid, self.rows, None)
            if filled != len(self.rows) or self._stopped:
                return
            self._sizes = sizes
            self._sized.set()
            last = db.execute(f"SELECT max(id) FROM fts_{self.cid}_docsize").fetchone()[0]
            if last != int(self.rows[-1]):
                return  # rows another process added since the index was read: their counts are not the index's
            self._terms = _common(db, self.cid, self.rows, lambda: self._stopped)
        finally:
            db.execute("COMMIT")


def _common(db: sqlite3.Connection, cid: int, rows: np.ndarray, stopped) -> tuple[tuple[int, float], dict[str, Term]]:
    """FTS5's row count and average size, and the postings of the common terms (module docstring)."""
    stats = fts_memory._averages(db, cid)
    count = stats[0]
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_{cid}_row USING fts5vocab(main, fts_{cid}, row)")
    common = db.execute(f"SELECT term, doc, cnt FROM temp.fts_{cid}_row WHERE doc * ? >= ? ORDER BY doc DESC",
                        (fts_memory._SIZES_AT, count)).fetchall()
    vocab, terms, budget = fts_memory.instances(db, cid), {}, WARM_POSTINGS
    for term, docs, _ in common:
        if stopped() or docs > budget:
            break
        if term in WEAVIATE_STOPWORDS or fts_memory.simple_terms(f'"{term}"') is None:
            continue
        found, tf = fts_memory.term_rows(db, vocab, term)
        where = np.minimum(np.searchsorted(rows, found), len(rows) - 1)
        known = rows[where] == found
        terms[term] = (where[known], tf[known].astype(np.float64), len(found), int(found[-1]) if len(found) else 0)
        budget -= docs
    return stats, terms


class Warmer:
    """A store's warm-ups: one per index read (file stores, :data:`WARM_FROM` rows and more), stopped on close."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._warms: list[Warm] = []
        self._lock = threading.Lock()
        self._closed = path == ":memory:"  # no second connection to a store in memory

    def start(self, index: Any, token: str | None, *, writing: bool = False) -> None:
        """Warm what keyword search will need of ``index`` (just read; ``writing``: inside a write transaction,
        whose rows no other connection sees yet: not warmed)."""
        rows = np.asarray(index.rows)
        if writing or len(rows) < WARM_FROM or not bool(np.all(rows[1:] > rows[:-1])) or rows[0] <= 0:
            return
        with self._lock:
            if self._closed:
                return
            self._warms = [w for w in self._warms if w.running()]
            postings = postings_of(index)
            postings.warm, postings.own_warm = Warm(self.path, index.origin.cid, token, rows), True
            self._warms.append(postings.warm)

    def close(self) -> None:
        """Stop every warm-up and wait for them (at most :data:`STOP_S` in all)."""
        with self._lock:
            self._closed, warms, self._warms = True, self._warms, []
        for warm in warms:
            warm.stop()
        for warm in warms:
            warm.join(STOP_S / max(1, len(warms)))
