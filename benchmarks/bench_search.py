"""Search near its floor: bm25, hybrid and the local agent on the embedded store, next to bare floors.

    python -m benchmarks.bench_search [--sizes 10000 100000] [--runs 60] [--parts bm25 hybrid agent embed]

Catalog: seeded synthetic items (384-d unit vectors; titles of 2-7 words drawn Zipf-like from a
2,000-word vocabulary, two genres, a year), so a query matches a realistic share of the catalog.
Every timing is interleaved in one process (the engine, the old path where there is one, the floor,
in turn), p50/p95 in ms; the ratios are of p50s. Nothing here is asserted.

- **bm25** (limit 10, five queries in turn: one common word, two rarer ones, a genre, three words):
  ``store.bm25`` vs the plain FTS5 query over the same table (``SELECT rowid, bm25(..) .. ORDER BY
  rank LIMIT 10``, the floor) and the old path (every match joined to ``items`` before the LIMIT,
  paging by OFFSET under a filter); plain, with 25 exclusions, with a filter (year >= 1990 and
  genre Comedy), with both.
- **hybrid** (limit 10, alpha 0.5, window 100): ``store.hybrid`` vs FTS5 top-100 + numpy top-100.
- **agent** (a store file in a temporary folder): ``get_objects`` with the local agent, without and with an
  instruction, over vector-only: keyword searches asked before, asked first, asked first with no postings kept
  and no warm-up (what a reopened store paid before ``fts_warm``), asked first by the old path (FTS5 ranks every
  match); then the first ``get_objects`` after one ``add_items``; then the first ``get_objects`` of a store
  opened again on the same file (a new ``EmbeddedStore`` and agent each run; agent and vector-only in turn, the
  added cost is the agent's first request minus vector-only's): once the index was read (``count``) and its
  keyword warm-up done (a lab server's first page, then a request), and at once (the request reads the index
  itself), each also without the warm-up (``fts_warm.WARM_FROM`` raised: as before it). The store waits for an
  ANN index its searches want (``build="sync"``: the warm-up builds and saves it), so the timed runs are served
  as a running lab server's are once the index is there, not beside a build.
- **embed**: the catalog embedding rate vs one ``SentenceTransformer.encode`` call over the same texts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timezone
from uuid import UUID

import numpy as np

from core import AnnConfig, CollectionSpec, EmbeddedStore, Item, generate_uuid5
from core.store.embedded.fts import fts_query
from core.store.hybrid import HYBRID_WINDOW

NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)
GENRES = ["Comedy", "Drama", "Action", "Horror", "Sci-Fi", "Romance", "Documentary", "Animation"]
LIMIT = 10


def vocabulary(size: int = 2000) -> list[str]:
    rng = np.random.default_rng(3)
    letters = np.array(list("abcdefghijklmnoprstuvw"))
    return list(dict.fromkeys("".join(rng.choice(letters, int(rng.integers(4, 9)))) for _ in range(size * 2)))[:size]


def build(n: int, seed: int = 0, ann: AnnConfig | None = None,
          path: str = ":memory:") -> tuple[EmbeddedStore, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = vocabulary()
    p = 1 / np.arange(1, len(words) + 1)
    draws = rng.choice(len(words), size=(n, 7), p=p / p.sum())
    lengths = rng.integers(2, 8, n)
    items = [Item(uuid=generate_uuid5(i), properties={
        "title": " ".join(words[w] for w in draws[i, :lengths[i]]),
        "genres": [GENRES[i % 8], GENRES[(i * 7 + 3) % 8]], "year": 1950 + i % 70, "original_id": i})
        for i in range(n)]
    store = EmbeddedStore(path, ann=ann)
    store.create_collection(CollectionSpec("Bench", 384, text_fields=("title", "genres")))
    store.add_items("Bench", items, vectors)
    store.count("Bench")  # the index is read once, before any timing
    queries = [words[0], words[40], words[400], "comedy", f"{words[3]} {words[90]} {words[700]}"]
    return store, vectors, queries


def a_filter():
    from weaviate.classes.query import Filter  # imported here: weaviate's filter classes take ~1.4 s to import
    return Filter.by_property("year").greater_or_equal(1990) & Filter.by_property("genres").contains_any(["Comedy"])


def old_bm25(store: EmbeddedStore, query: str, limit: int, filters=None, exclude=()) -> list[UUID]:
    """The path this replaced: every match joined to ``items`` before the LIMIT, pages doubled under a filter."""
    index = store._index("Bench")
    match, cid = fts_query(query, ("title", "genres")), store._cid("Bench")
    exclude = set(exclude)
    allowed = index.allowed(filters, exclude)
    sql = (f"SELECT i.uuid, -bm25(fts_{cid}) AS s FROM fts_{cid} JOIN items i ON i.row = fts_{cid}.rowid"
           f" WHERE fts_{cid} MATCH ? ORDER BY s DESC, i.row LIMIT ? OFFSET ?")
    hits, offset, page = [], 0, limit + len(exclude)
    while True:
        rows = store._db.execute(sql, (match, page, offset)).fetchall()
        hits.extend(u for u in (UUID(r[0]) for r in rows) if allowed is None or allowed[index.uuids.get(u)])
        if len(hits) >= limit or len(rows) < page:
            return hits[:limit]
        offset, page = offset + page, page * 2


def fts_floor(store: EmbeddedStore, query: str, limit: int) -> list:
    cid = store._cid("Bench")
    return store._db.execute(f"SELECT rowid, bm25(fts_{cid}) FROM fts_{cid} WHERE fts_{cid} MATCH ? ORDER BY rank"
                             " LIMIT ?", (fts_query(query, ("title", "genres")), limit)).fetchall()


def numpy_floor(vectors: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    scores = vectors @ q
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


def interleaved(fns: dict, runs: int) -> dict[str, tuple[float, float]]:
    """p50/p95 ms of each function, called in turn (the order rotating) ``runs`` times after one warm-up."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for name in names:
        fns[name](runs)  # the warm-up asks what no timed run asks
    for r in range(runs):
        for name in names[r % len(names):] + names[:r % len(names)]:
            t = time.perf_counter()
            fns[name](r)
            samples[name].append((time.perf_counter() - t) * 1000)
    return {name: (statistics.median(s), sorted(s)[int(0.95 * (len(s) - 1))]) for name, s in samples.items()}


def load() -> str:
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def table(title: str, names: list[str]) -> None:
    others = [k for k in names if k != "floor"]
    print(f"\n### {title} (load average {load()})\n")
    print("| items | case | " + " | ".join(f"{k} p50 / p95 ms" for k in names) + " | "
          + " | ".join(f"{k} / floor" for k in others) + " |")
    print("|---:|---|" + "---:|" * (len(names) + len(others)))


def row(n: int, case: str, got: dict) -> None:
    cells = " | ".join(f"{got[k][0]:.2f} / {got[k][1]:.2f}" for k in got)
    ratios = " | ".join(f"{got[k][0] / got['floor'][0]:.2f}" for k in got if k != "floor")
    print(f"| {n:,} | {case} | {cells} | {ratios} |")


def fresh_queries(words: list[str], count: int) -> list[str]:
    """Distinct queries (none asked twice: the store keeps the ranking of a repeated one), of three kinds
    in turn: a common word and a rare one, a genre and a rare one, three mid-frequency words."""
    kinds = (lambda r: f"{words[r % 30]} {words[1000 + r % 1000]}", lambda r: f"{GENRES[r % 8]} {words[1000 + r % 997]}",
             lambda r: f"{words[30 + r % 97]} {words[130 + r % 89]} {words[230 + r % 83]}")
    return [kinds[r % 3](r // 3) for r in range(count)]


def bench_bm25(n: int, runs: int) -> None:
    store, _, queries = build(n)
    flt = a_filter()
    exclude = [h.uuid for h in store.bm25("Bench", queries[0], 50)[::2]][:25]
    table(f"bm25 at {n:,} items, limit {LIMIT}", ["engine", "old path", "floor"])
    cases = {"plain": {}, "25 exclusions": {"exclude": exclude}, "filter": {"filters": flt},
             "filter + exclusions": {"filters": flt, "exclude": exclude}}
    fresh = fresh_queries(vocabulary(), len(cases) * (runs + 6))
    for repeated in (False, True):
        for c, (case, kw) in enumerate(cases.items()):
            def pick(r: int, o: int = c * (runs + 6)) -> str:
                return queries[r % 5] if repeated else fresh[o + r]
            # same answers as the old path, or the numbers mean nothing (untimed queries; each asked twice)
            for q in [pick(r) for r in range(runs + 1, runs + 6)] * 2:
                assert [h.uuid for h in store.bm25("Bench", q, LIMIT, **kw)] == old_bm25(store, q, LIMIT, **kw)
            got = interleaved({
                "engine": lambda r, kw=kw, pick=pick: store.bm25("Bench", pick(r), LIMIT, **kw),
                "old path": lambda r, kw=kw, pick=pick: old_bm25(store, pick(r), LIMIT, **kw),
                "floor": lambda r, pick=pick: fts_floor(store, pick(r), LIMIT)}, runs)
            row(n, f"{case}, {'the same 5 queries again' if repeated else 'every query new'}", got)


def bench_hybrid(n: int, runs: int) -> None:
    store, vectors, queries = build(n)
    flt = a_filter()
    qs = vectors[np.random.default_rng(5).choice(n, 5, replace=False)]
    fresh = fresh_queries(vocabulary(), 2 * (runs + 1))
    table(f"hybrid at {n:,} items, limit {LIMIT}, window {HYBRID_WINDOW}", ["engine", "floor"])
    for repeated in (False, True):
        for c, (case, kw) in enumerate({"plain": {}, "filter": {"filters": flt}}.items()):
            def pick(r: int, o: int = c * (runs + 1)) -> str:
                return queries[r % 5] if repeated else fresh[o + r]
            got = interleaved({
                "engine": lambda r, kw=kw, pick=pick: store.hybrid("Bench", pick(r), qs[r % 5], LIMIT, alpha=0.5, **kw),
                "floor": lambda r, pick=pick: (fts_floor(store, pick(r), HYBRID_WINDOW),
                                               numpy_floor(vectors, qs[r % 5], HYBRID_WINDOW))}, runs)
            row(n, f"{case}, {'the same 5 queries again' if repeated else 'every query new'}", got)


def bench_embed(count: int, repeats: int) -> None:
    """The catalog embedding rate (``Embedder.embed`` with a progress callback) vs one ``encode`` call and vs
    the old path (64 texts a call in their own order), on texts of the shipped movies and books catalogs."""
    from core.io.embedding import Embedder
    from core.io.samples import load_sample
    texts: list[str] = []
    for name in ("movies", "books"):
        catalog = load_sample(name)
        for item in catalog.items[:count // 2]:
            texts.append(". ".join(", ".join(map(str, v)) if isinstance(v, list) else str(v)
                                   for f in catalog.text_fields if (v := item.properties.get(f))))
    embedder = Embedder()
    model = embedder._load()
    calls: list[int] = []
    ways = {"engine (with progress)": lambda: embedder.embed(texts, progress=lambda d, t: calls.append(d)),
            "one encode call": lambda: model.encode(texts, batch_size=64, normalize_embeddings=True,
                                                    show_progress_bar=False),
            "old path (64 a call)": lambda: [model.encode(texts[s:s + 64], batch_size=64, normalize_embeddings=True,
                                                          show_progress_bar=False) for s in range(0, len(texts), 64)]}
    model.encode(texts[:256], batch_size=64)  # warm-up
    rates: dict[str, list[float]] = {k: [] for k in ways}
    for r in range(repeats):
        for name in list(ways)[r % 3:] + list(ways)[:r % 3]:
            t = time.perf_counter()
            ways[name]()
            rates[name].append(len(texts) / (time.perf_counter() - t))
    print(f"\n### Catalog embedding, {len(texts):,} texts of the movies and books catalogs ({repeats} runs each, "
          f"interleaved; load average {load()})\n")
    print("| path | texts/s (best) | texts/s (median) | vs one encode call (median) |\n|---|---:|---:|---:|")
    base = statistics.median(rates["one encode call"])
    for name, got in rates.items():
        print(f"| {name} | {max(got):,.0f} | {statistics.median(got):,.0f} | {statistics.median(got) / base:.2f} |")
    print(f"\nprogress calls per embedding: {len(calls) // repeats}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--parts", nargs="+", default=["bm25", "hybrid", "agent", "embed"])
    parser.add_argument("--embed-texts", type=int, default=5000)
    parser.add_argument("--embed-runs", type=int, default=3)
    args = parser.parse_args()
    for n in args.sizes:
        if "bm25" in args.parts:
            bench_bm25(n, args.runs)
        if "hybrid" in args.parts:
            bench_hybrid(n, args.runs)
        if "agent" in args.parts:
            from benchmarks.search_agent import bench_agent
            bench_agent(n, args.runs)
    if "embed" in args.parts:
        bench_embed(args.embed_texts, args.embed_runs)
    print(f"\nload average at the end: {load()}")


if __name__ == "__main__":
    main()
