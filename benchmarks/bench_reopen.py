"""Install, reopen and single writes of the embedded store at scale, next to raw SQLite floors.

    python -m benchmarks.bench_reopen [--sizes 100000 1000000] [--dir /tmp/h1-reopen]

Per catalog size (synthetic unit vectors, 384-d, seeded, properties like bench_latency's): install
time and items/s with ``add_items`` in 10k chunks next to a raw ``executemany`` of the same rows into
the same schema (same chunks, one transaction each; the raw side builds its rows from the same
items: ``str(uuid)``, ``json.dumps``, ``tobytes``, the FTS text); ``add_interactions`` throughput
next to a raw ``executemany`` of the same interaction rows; then, each in a fresh process, the time
from opening the file to the first ``get_objects`` answer with the vector files in place and
without them (the first open after an older engine wrote the file: it builds them), RSS after
that answer, one ``add_items`` of 100 items, the first ``get_objects`` after one new interaction
next to the steady one; and disk size. Prints Markdown tables; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from core import CollectionSpec, EmbeddedStore, Item, PersonaInteraction, PersonalizationAgent, generate_uuid5
from core.store.embedded.schema import fts_columns

NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)
GENRES = ["Comedy", "Drama", "Action", "Horror", "Sci-Fi", "Romance", "Documentary", "Animation"]
CHUNK = 10_000
DIMS = 384


def catalog(start: int, stop: int, seed: int = 0) -> tuple[list[Item], np.ndarray]:
    rng = np.random.default_rng(seed + start)
    vectors = rng.normal(size=(stop - start, DIMS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    items = [Item(uuid=generate_uuid5(i), properties={"title": f"Item {i}", "year": 1950 + i % 70, "original_id": i,
                                                      "genres": [GENRES[i % 8], GENRES[i * 7 % 8]]})
             for i in range(start, stop)]
    return items, vectors


def install(path: Path, n: int) -> tuple[float, float]:
    """Seconds for add_items of ``n`` items in chunks, and for the raw executemany of the same rows."""
    store_s = raw_s = 0.0
    store = EmbeddedStore(path)
    store.create_collection(CollectionSpec("Bench", DIMS, text_fields=("title", "genres")))
    raw_path = path.with_name("raw.db")
    raw = EmbeddedStore(raw_path)
    raw.create_collection(CollectionSpec("Bench", DIMS, text_fields=("title", "genres")))
    raw.close()
    db = sqlite3.connect(raw_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-65536")
    for start in range(0, n, CHUNK):
        items, vectors = catalog(start, min(n, start + CHUNK))
        t = time.perf_counter()
        store.add_items("Bench", items, vectors)
        store_s += time.perf_counter() - t
        t = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        rows = range(start + 1, start + 1 + len(items))
        db.executemany("INSERT INTO items(row, cid, uuid, properties, vector) VALUES (?,?,?,?,?)",
                       zip(rows, [1] * len(items), [str(i.uuid) for i in items],
                           [json.dumps(i.properties) for i in items], [v.tobytes() for v in vectors]))
        db.executemany("INSERT INTO fts_1(rowid, c0, c1) VALUES (?,?,?)",
                       ((r, *fts_columns(i.properties, ("title", "genres"))) for r, i in zip(rows, items)))
        db.execute("COMMIT")
        raw_s += time.perf_counter() - t
    store.close()
    db.close()
    return store_s, raw_s


def interactions(path: Path, n: int, count: int) -> tuple[float, float]:
    """Seconds for add_interactions of ``count`` rows (one call per 50k) and for the raw executemany of them."""
    rng = np.random.default_rng(5)
    personas = [generate_uuid5(f"p{k}") for k in range(max(1, count // 20))]
    rows = [PersonaInteraction(persona_id=personas[int(p)], item_id=generate_uuid5(int(i)), weight=1.0,
                               created_at=NOW - timedelta(minutes=k))
            for k, (p, i) in enumerate(zip(rng.integers(0, len(personas), count), rng.integers(0, n, count)))]
    store = EmbeddedStore(path)
    t = time.perf_counter()
    for start in range(0, count, 50_000):
        store.add_interactions("Bench", rows[start:start + 50_000],
                               create_personas=personas if start == 0 else ())
    store_s = time.perf_counter() - t
    store.close()
    db = sqlite3.connect(path.with_name("raw.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO personas(cid, persona_id, properties) VALUES (1,?,'{}')",
                   ((p.bytes,) for p in personas))
    db.execute("COMMIT")
    keys = dict(db.execute("SELECT persona_id, pk FROM personas").fetchall())
    t = time.perf_counter()
    for start in range(0, count, 50_000):
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO interactions(cid, persona, item_id, weight, created_at) VALUES (1,?,?,?,?)",
                       ((keys[r.persona_id.bytes], r.item_id.bytes, r.weight, r.created_at.timestamp())
                        for r in rows[start:start + 50_000]))
        db.execute("COMMIT")
    raw_s = time.perf_counter() - t
    db.close()
    return store_s, raw_s


def child(path: str) -> None:
    """In a fresh process: open, first answer, RSS, one add_items, one interaction then get_objects."""
    t0 = time.perf_counter()
    store = EmbeddedStore(path)
    agent = PersonalizationAgent(store, "Bench", strategy="centroid")
    agent.get_objects("bench", limit=10, use_agent_ranking=False, now=NOW)
    first = time.perf_counter() - t0
    rss = _rss()
    steady = []
    for _ in range(15):
        t = time.perf_counter()
        agent.get_objects("bench", limit=10, use_agent_ranking=False, now=NOW)
        steady.append(time.perf_counter() - t)
    n = store.count("Bench")
    adds, after_items, after = [], [], []
    for k in range(5):
        items, vectors = catalog(n + 100 * k, n + 100 * (k + 1), seed=7)
        t = time.perf_counter()
        store.add_items("Bench", items, vectors)
        adds.append(time.perf_counter() - t)
        t = time.perf_counter()
        agent.get_objects("bench", limit=10, use_agent_ranking=False, now=NOW)
        after_items.append(time.perf_counter() - t)
    for k in range(5):  # the case: one new interaction, then the next answer
        agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=generate_uuid5(k), weight=1.0,
                                                   created_at=NOW - timedelta(seconds=k))])
        t = time.perf_counter()
        agent.get_objects("bench", limit=10, use_agent_ranking=False, now=NOW)
        after.append(time.perf_counter() - t)
    print(json.dumps({"first": first, "rss": rss, "steady": statistics.median(steady),
                      "add_items": statistics.median(adds), "after_items": statistics.median(after_items),
                      "after_one": statistics.median(after)}))


def _rss() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS"))


def in_child(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_reopen", "--child", str(path)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def disk(path: Path) -> int:
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    return sum(p.stat().st_size if p.is_file() else sum(q.stat().st_size for q in p.iterdir()) for p in files)


def run(n: int, base: Path) -> dict:
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    path = base / "store.db"
    store_s, raw_s = install(path, n)
    inter_s, inter_raw_s = interactions(path, n, count=min(200_000, 2 * n))
    store = EmbeddedStore(path)  # the benchmark persona: 20 likes and 5 dislikes
    agent = PersonalizationAgent.create(store, "Bench") if not PersonalizationAgent.exists(store, "Bench") \
        else PersonalizationAgent(store, "Bench")
    picks = np.random.default_rng(1).choice(n, 25, replace=False)
    agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=generate_uuid5(int(i)),
                                               weight=1.0 if k < 20 else -1.0, created_at=NOW - timedelta(days=k))
                            for k, i in enumerate(picks)])
    store.close()
    cold = (shutil.rmtree(str(path) + ".vectors", ignore_errors=True), in_child(path))[1]
    warm = in_child(path)
    result = {"n": n, "install": store_s, "raw": raw_s, "inter": inter_s, "inter_raw": inter_raw_s,
              "inter_rows": min(200_000, 2 * n), "cold": cold, "warm": warm, "disk": disk(path),
              "vectors_bytes": n * DIMS * 4, "load": open("/proc/loadavg").read().split()[:3]}
    shutil.rmtree(base, ignore_errors=True)
    return result


def report(results: list[dict]) -> None:
    print("| items | add_items items/s | raw executemany items/s | ratio | add_interactions rows/s | raw rows/s "
          "| ratio |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['n']:,} | {r['n'] / r['install']:,.0f} | {r['n'] / r['raw']:,.0f} | "
              f"{r['raw'] / r['install']:.2f} | "
              f"{r['inter_rows'] / r['inter']:,.0f} | {r['inter_rows'] / r['inter_raw']:,.0f} | "
              f"{r['inter_raw'] / r['inter']:.2f} |")
    print("\n| items | open -> first answer (files) | same, no files (builds them) | RSS after / vectors | "
          "one add_items (100) | get_objects after it / steady | get_objects after 1 interaction / steady | "
          "disk (SQLite + files) | load |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        w, c = r["warm"], r["cold"]
        print(f"| {r['n']:,} | {w['first']:.2f} s | {c['first']:.2f} s | {w['rss'] / 2**30:.2f} GiB / "
              f"{r['vectors_bytes'] / 2**30:.2f} GiB = {w['rss'] / r['vectors_bytes']:.2f}x | "
              f"{w['add_items'] * 1000:.1f} ms | "
              f"{w['after_items'] * 1000:.1f} ms = {w['after_items'] / w['steady']:.2f}x | "
              f"{w['after_one'] * 1000:.1f} / {w['steady'] * 1000:.1f} ms = {w['after_one'] / w['steady']:.2f}x | "
              f"{r['disk'] / 2**30:.2f} GiB | {' '.join(r['load'])} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--dir", default="/tmp/h1-reopen")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    report([run(n, Path(args.dir) / str(n)) for n in args.sizes])


if __name__ == "__main__":
    main()
