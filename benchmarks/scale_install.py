"""Install and bulk-interaction throughput next to a raw ``executemany`` of the same rows, for ``bench_scale``.

``install``: one ``add_items`` of ``m`` items (the catalog's first ``m`` items and vectors) into a
new store file. Its floor: the rows that call left in the file, read back table by table, inserted
with one plain ``executemany`` per table in one transaction into a new file made from the store's own
``sqlite_master`` (tables, virtual FTS tables, indexes and triggers as the store created them; the
FTS shadow tables come with their virtual table), WAL with ``synchronous=NORMAL`` as the store opens
its files. ``add_interactions``: one call of ``PERSONAS`` x ``LIKES``-style rows (new personas created
by the call) into that store, against the same floor over the tables the call grew. Whatever the
store writes outside SQLite (sibling files) is in its time and not in the floor's. Repeats are
interleaved (store, raw, store, raw ...) and the medians reported.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks.scale_catalog import COLLECTION, DIMS, NOW, item, vectors
from core import CollectionSpec, EmbeddedStore, PersonaInteraction, generate_uuid5


def schema(db: sqlite3.Connection) -> tuple[list[str], list[tuple[str, bool]]]:
    """The CREATE statements to copy the schema, and the (table, is virtual) whose rows are data."""
    entries = db.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
                         " ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid").fetchall()
    virtual = {name for kind, name, sql in entries if kind == "table" and sql.upper().startswith("CREATE VIRTUAL")}
    shadow = {name for kind, name, _ in entries if any(name.startswith(v + "_") for v in virtual)}
    statements = [sql for kind, name, sql in entries if name not in shadow and not (kind == "index" and
                  any(name.startswith(v + "_") for v in virtual))]
    tables = [(name, name in virtual) for kind, name, _ in entries if kind == "table" and name not in shadow]
    return statements, tables


def read_rows(path: Path, only: set[str] | None = None) -> tuple[list[str], dict[str, tuple[str, list[tuple]]]]:
    """The schema statements of the file at ``path`` and, per data table (or those in ``only``), its
    INSERT statement and rows (virtual tables with their rowid)."""
    db = sqlite3.connect(path)
    statements, tables = schema(db)
    out = {}
    for name, is_virtual in tables:
        if only is not None and name not in only:
            continue
        cur = db.execute(f"SELECT {'rowid, ' if is_virtual else ''}* FROM {name}")
        columns = [d[0] for d in cur.description]
        rows = cur.fetchall()
        if rows:
            out[name] = (f"INSERT INTO {name}({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})", rows)
    db.close()
    return statements, out


def raw_insert(statements: list[str], rows: dict[str, tuple[str, list[tuple]]], target: Path) -> float:
    """Seconds to insert ``rows`` with one ``executemany`` per table, in one transaction, into a new
    file at ``target`` holding the schema ``statements`` (created before the clock starts)."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-65536")
    for sql in statements:
        db.execute(sql)
    start = time.perf_counter()
    db.execute("BEGIN")
    for sql, data in rows.values():
        db.executemany(sql, data)
    db.execute("COMMIT")
    seconds = time.perf_counter() - start
    db.close()
    return seconds


def interaction_rows(n_items: int, count: int, seed: int) -> list[PersonaInteraction]:
    """``count`` likes of 20 per new persona, on random items among the first ``n_items``."""
    rng = np.random.default_rng([seed, 14])
    return [PersonaInteraction(persona_id=generate_uuid5(f"install-{k // 20}"), item_id=generate_uuid5(int(i)),
                               weight=1.0, created_at=NOW) for k, i in enumerate(rng.integers(0, n_items, count))]


def install(kind: str, seed: int, m: int, interactions: int, scratch: Path, repeats: int = 3) -> dict:
    """Items/s and rows/s of the store and of the raw floor (module docstring), medians of ``repeats``."""
    folder = scratch / "install"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    batch, block = [item(i) for i in range(m)], vectors(kind, seed, 0, m)
    rows = interaction_rows(m, interactions, seed)
    personas = {r.persona_id for r in rows}
    times: dict[str, list[float]] = {"items": [], "items_raw": [], "interactions": [], "interactions_raw": []}
    try:
        for k in range(repeats):
            db = folder / f"store-{k}.db"
            store = EmbeddedStore(db)
            store.create_collection(CollectionSpec(COLLECTION, DIMS, text_fields=("title", "genres")))
            start = time.perf_counter()
            store.add_items(COLLECTION, batch, block)
            times["items"].append(time.perf_counter() - start)
            store.close()  # read back while no connection of the store holds the file
            statements, item_tables = read_rows(db)
            times["items_raw"].append(raw_insert(statements, item_tables, folder / "raw.db"))
            store = EmbeddedStore(db)
            before = _counts(db)
            start = time.perf_counter()
            store.add_interactions(COLLECTION, rows, default_time=NOW, create_personas=personas)
            times["interactions"].append(time.perf_counter() - start)
            store.close()
            grown = {t for t, c in _counts(db).items() if c != before.get(t)}
            _, grown_rows = read_rows(db, grown)
            times["interactions_raw"].append(raw_insert(statements, grown_rows, folder / "raw.db"))
            for entry in folder.glob(f"store-{k}.db*"):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        med = {key: statistics.median(v) for key, v in times.items()}
        return {"items": m, "interactions": interactions, "repeats": repeats,
                "items_per_s": m / med["items"], "raw_items_per_s": m / med["items_raw"],
                "rows_per_s": interactions / med["interactions"],
                "raw_rows_per_s": interactions / med["interactions_raw"],
                "item_tables": sorted(item_tables), "interaction_tables": sorted(grown)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    _, tables = schema(conn)
    counts = {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name, _ in tables}
    conn.close()
    return counts
