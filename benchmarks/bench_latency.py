"""Latency and throughput of the embedded engine, next to a bare numpy floor.

    python -m benchmarks.bench_latency [--sizes 10000 100000] [--runs 200]

For each catalog size (synthetic unit vectors, 384-d, seeded): ``get_objects`` vector-only p50/p95
(default config) for a persona with 20 likes and 5 dislikes, next to a bare numpy exact top-k (one
matrix-vector product and an argpartition over the same matrix) — the floor any exact search pays —
and next to the same candidate search the strategy runs (max over its weighted queries) in bare
numpy. Also p50 with a filter (year >= 1990 and genres contains Comedy). Then ``add_interactions``
bulk throughput (median, best and worst of ``--bulk-repeats`` runs). Prints Markdown tables; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta, timezone

import numpy as np

from weaviate.classes.query import Filter

from core import (CollectionSpec, EmbeddedStore, GetObjectsOptions, Item, PersonaInteraction, PersonalizationAgent,
                  generate_uuid5)
from core.retrieval.vector_stage import load_profile
from core.retrieval.strategies import build_scorer

NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)
FILTER = Filter.by_property("year").greater_or_equal(1990) & Filter.by_property("genres").contains_any(["Comedy"])
GENRES = ["Comedy", "Drama", "Action", "Horror", "Sci-Fi", "Romance", "Documentary", "Animation"]


def build(n: int, seed: int = 0) -> tuple[EmbeddedStore, np.ndarray]:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    items = [Item(uuid=generate_uuid5(i),
                  properties={"title": f"Item {i}", "genres": [GENRES[i % 8], GENRES[(i * 7) % 8]],
                              "year": 1950 + i % 70, "original_id": i}) for i in range(n)]
    store = EmbeddedStore(":memory:")
    store.create_collection(CollectionSpec("Bench", 384, text_fields=("title", "genres")))
    store.add_items("Bench", items, vectors)
    return store, vectors


def percentiles(samples: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]


def time_runs(fn, runs: int) -> list[float]:
    fn()  # warm-up (builds the in-memory index on first use)
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def bench_get_objects(n: int, runs: int, strategy: str) -> dict[str, float]:
    store, vectors = build(n)
    agent = PersonalizationAgent.create(store, "Bench", strategy=strategy)
    rng = np.random.default_rng(1)
    picks = rng.choice(n, 25, replace=False)
    agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=generate_uuid5(int(i)),
                                               weight=1.0 if k < 20 else -1.0,
                                               created_at=NOW - timedelta(days=k)) for k, i in enumerate(picks)])
    engine = percentiles(time_runs(lambda: agent.get_objects("bench", limit=10, use_agent_ranking=False, now=NOW),
                                   runs))
    filtered = percentiles(time_runs(lambda: agent.get_objects(
        "bench", limit=10, use_agent_ranking=False, now=NOW, filters=FILTER), runs))
    pool = 30  # the engine's candidate pool for limit=10
    q = vectors[picks[:20]].mean(axis=0)

    def floor():  # one exact top-k: what any exact vector search pays
        scores = vectors @ q
        top = np.argpartition(-scores, pool)[:pool]
        return top[np.argsort(-scores[top])]
    profile = load_profile(store, "Bench", agent.get_persona("bench"), GetObjectsOptions(now=NOW), agent.config)
    scorer = build_scorer(strategy, profile)
    qw = (scorer.queries * scorer.weights[:, None]).T

    def same_work():  # the strategy's own candidate search in bare numpy (max over its weighted queries)
        scores = (vectors @ qw).max(axis=1)
        top = np.argpartition(-scores, pool)[:pool]
        return top[np.argsort(-scores[top])]
    bare, own = percentiles(time_runs(floor, runs)), percentiles(time_runs(same_work, runs))
    return {"p50": engine[0], "p95": engine[1], "floor_p50": bare[0], "floor_p95": bare[1],
            "own_p50": own[0], "filtered_p50": filtered[0], "queries": len(scorer.queries)}


def bench_add_interactions(n_items: int = 10_000, total: int = 200_000, batch: int = 50_000) -> float:
    store, _ = build(n_items)
    store.count("Bench")  # load the index first: its one-time build is not part of a write
    agent = PersonalizationAgent.create(store, "Bench")
    ids = [generate_uuid5(i) for i in range(n_items)]
    rng = np.random.default_rng(2)
    rows = [PersonaInteraction(persona_id=generate_uuid5(f"user{u}"), item_id=ids[i], weight=float(w), created_at=NOW)
            for u, i, w in zip(rng.integers(0, 2000, total), rng.integers(0, n_items, total),
                               rng.uniform(-1, 1, total).round(2))]
    t = time.perf_counter()
    for start in range(0, total, batch):
        agent.add_interactions(rows[start:start + batch], now=NOW)
    return total / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--strategies", nargs="+", default=["centroid", "knn", "multi_interest"])
    parser.add_argument("--bulk-repeats", type=int, default=5,
                        help="bulk-load runs, each into a fresh store (this machine's timings vary by ±30%%)")
    args = parser.parse_args()
    print("| items | strategy | queries | p50 ms | p95 ms | floor p50 | floor p95 | p50/floor | "
          "same-work floor p50 | p50/same-work | p50 with filter |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        for strategy in args.strategies:
            r = bench_get_objects(n, args.runs, strategy)
            print(f"| {n:,} | {strategy} | {r['queries']} | {r['p50']:.2f} | {r['p95']:.2f} | {r['floor_p50']:.2f} | "
                  f"{r['floor_p95']:.2f} | {r['p50'] / r['floor_p50']:.2f} | {r['own_p50']:.2f} | "
                  f"{r['p50'] / r['own_p50']:.2f} | {r['filtered_p50']:.2f} |")
    rates = sorted(bench_add_interactions() for _ in range(args.bulk_repeats))
    print(f"add_interactions bulk: median {statistics.median(rates):,.0f} interactions/s, best {rates[-1]:,.0f}, "
          f"worst {rates[0]:,.0f} ({args.bulk_repeats} fresh stores; 200k interactions each)")


if __name__ == "__main__":
    main()
