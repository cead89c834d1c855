"""The embedded store's approximate candidate stage against its exact path, in one process run.

    python -m benchmarks.bench_ann [--sizes 100000 1000000] [--real] [--runs 30] [--kinds hnsw ivf]
    python -m benchmarks.bench_ann --threads     # BLAS threads: 1 vs 2 at 10k / 100k / 1M rows
    python -m benchmarks.bench_ann --samples     # recall on the shipped catalogs' vectors

For each size, one store holds the catalog (``--real``: the real-text vectors of
:mod:`benchmarks.ann_data`, ~127k all-MiniLM-L6-v2 embeddings, used up to their count; larger sizes
and the default are seeded synthetic unit vectors: ``--synthetic uniform`` on the sphere, ANN's hardest
case, or ``clustered``, bench_scale's 1,000 Gaussian clusters). Its
``AnnConfig`` is switched between exact (``enabled=False``) and each ANN kind (thresholds at 1, so
every strategy takes it); runs are interleaved. Per strategy (centroid, knn, multi_interest; a persona
with 20 likes, 5 dislikes): ``get_objects`` p50/p95 exact vs ANN, with and without a 30 % filter,
and recall@10 of ANN's returned list against exact's over 20 personas (``--personas``); next to numpy and faiss
``IndexFlatIP`` exact top-k of one query and of 20 queries. Build time and the index's memory are
printed per kind. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import datetime, timedelta, timezone

import numpy as np

from core import CollectionSpec, EmbeddedStore, Item, PersonaInteraction, PersonalizationAgent, generate_uuid5
from core.configs import AnnConfig
from core.store.embedded.ann_index import build_index

NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)
EXACT = AnnConfig(enabled=False)
STRATEGIES = ("centroid", "knn", "multi_interest")


def forced(kind: str, **tuning: int) -> AnnConfig:
    return AnnConfig(kind=kind, min_rows=1, min_rows_multi=1, build="sync", **tuning)


def configs_for(kinds: list[str], efs: list[int], nprobes: list[int]) -> dict[str, AnnConfig]:
    out = {"exact": EXACT}
    if "hnsw" in kinds:
        out.update({f"hnsw ef {e}": forced("hnsw", ef_search=e) for e in efs})
    if "ivf" in kinds:
        out.update({f"ivf nprobe {p}": forced("ivf", nprobe=p) for p in nprobes})
    return out


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def vectors_for(n: int, real: bool, seed: int = 0, synthetic: str = "uniform") -> tuple[np.ndarray, str]:
    if real:
        from benchmarks.ann_data import load
        data = load()
        if n <= len(data):
            x = np.ascontiguousarray(data[np.random.default_rng(seed).permutation(len(data))[:n]], np.float32)
            return x / np.linalg.norm(x, axis=1, keepdims=True), "real text"
    if synthetic == "clustered":  # bench_scale's: 1,000 Gaussian clusters, cosine ~0.7 to their centre
        from benchmarks.scale_catalog import vectors
        return vectors("clustered", seed, 0, n), "synthetic clustered"
    rng = np.random.default_rng(seed)
    x = np.empty((n, 384), np.float32)
    for s in range(0, n, 100_000):
        block = rng.standard_normal((min(100_000, n - s), 384), dtype=np.float32)
        x[s:s + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return x, "synthetic uniform"


def build_store(x: np.ndarray) -> EmbeddedStore:
    store = EmbeddedStore(":memory:", ann=EXACT)
    store.create_collection(CollectionSpec("Bench", x.shape[1], text_fields=("title",)))
    for s in range(0, len(x), 100_000):
        stop = min(len(x), s + 100_000)
        store.add_items("Bench", [Item(uuid=generate_uuid5(i), properties={"title": f"Item {i}", "year": 1950 + i % 70})
                                  for i in range(s, stop)], x[s:stop])
    return store


def personas(agent: PersonalizationAgent, n: int, count: int) -> list[str]:
    rng = np.random.default_rng(1)
    names = []
    for p in range(count):
        picks = rng.choice(n, 25, replace=False)
        agent.add_interactions([PersonaInteraction(persona_id=f"p{p}", item_id=generate_uuid5(int(i)),
                                                   weight=1.0 if k < 20 else -1.0, created_at=NOW - timedelta(days=k))
                                for k, i in enumerate(picks)])
        names.append(f"p{p}")
    return names


def pct(samples: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]


def interleaved(fns: dict[str, callable], runs: int) -> dict[str, tuple[float, float]]:
    times: dict[str, list[float]] = {k: [] for k in fns}
    for f in fns.values():
        f()
    for _ in range(runs):
        for k, f in fns.items():
            t = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t)
    return {k: pct(v) for k, v in times.items()}


def floors(x: np.ndarray, runs: int) -> dict[str, tuple[float, float]]:
    import faiss
    flat = faiss.IndexFlatIP(x.shape[1])
    flat.add(x)
    rng = np.random.default_rng(5)
    q1 = x[rng.integers(0, len(x), 1)]
    q20 = x[rng.integers(0, len(x), 20)]

    def numpy_top(q):
        s = (x @ q.T).max(axis=1)
        top = np.argpartition(-s, 30)[:30]
        return top[np.argsort(-s[top])]
    out = interleaved({"numpy 1q": lambda: numpy_top(q1), "numpy 20q": lambda: numpy_top(q20),
                       "faiss flat 1q": lambda: flat.search(q1, 30), "faiss flat 20q": lambda: flat.search(q20, 30)},
                      max(5, runs // 3))
    del flat
    return out


def bench_size(n: int, real: bool, runs: int, kinds: list[str], configs: dict[str, AnnConfig],
               synthetic: str = "uniform", count: int = 20) -> None:
    from weaviate.classes.query import Filter
    x, source = vectors_for(n, real, synthetic=synthetic)
    base = rss_mb()
    store = build_store(x)
    del x
    x = store._index("Bench").matrix("default")  # the store's own matrix: one copy in memory
    print(f"\n### {n:,} items ({source}), store RSS {rss_mb() - base:,.0f} MB over {base:,.0f} MB; "
          f"load {loadavg()}", flush=True)
    for name, (p50, p95) in floors(x, runs).items():
        print(f"- {name}: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    for kind in kinds:
        before = rss_mb()
        store.ann = forced(kind)
        store.search_max("Bench", x[:2], np.ones(2, np.float32), 10)  # builds (sync) on first need
        built = next(b for b in store._index("Bench").ann.built() if b.kind == kind)
        print(f"- {kind} build: {built.seconds:.1f} s, index {built.bytes / 2**20:,.0f} MB "
              f"(RSS +{rss_mb() - before:,.0f} MB)", flush=True)
    recent = Filter.by_property("year").greater_or_equal(1999)  # 21 of 70 years: 30 %
    print("\n| strategy | filter | config | path | p50 ms | p95 ms | p50 / exact | recall@10 | candidates |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|")
    for strategy in STRATEGIES:
        agent = PersonalizationAgent.create(store, "Bench", strategy=strategy)
        people = personas(agent, n, count) if strategy == STRATEGIES[0] else [f"p{p}" for p in range(count)]
        for filters in (None, recent):
            def ask(config, persona="p0"):
                store.ann = config
                return agent.get_objects(persona, limit=10, use_agent_ranking=False, now=NOW, filters=filters)
            timing = interleaved({k: (lambda c=c: ask(c)) for k, c in configs.items()}, runs)
            exact_lists = [[o.uuid for o in ask(EXACT, p).objects] for p in people]
            for label, config in configs.items():
                got = [ask(config, p) for p in people]
                recall = np.mean([len(set(e) & {o.uuid for o in g.objects}) / max(1, len(e))
                                  for e, g in zip(exact_lists, got)])
                step = next(s.details for s in got[0].trace if s.name == "vector_search")
                p50, p95 = timing[label]
                print(f"| {strategy} | {'30 %' if filters else '-'} | {label} | {step.get('path')} | {p50:.2f} | "
                      f"{p95:.2f} | {p50 / timing['exact'][0]:.2f} | {recall:.3f} | {step['search']['candidates']:,} |",
                      flush=True)
    store.close()


def bench_threads() -> None:
    from threadpoolctl import threadpool_limits
    import subprocess
    import sys
    for load in ("as found", "plus one busy process"):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if load != "as found" else None
        try:
            print(f"\n{load}: load {loadavg()}")
            print("| rows | queries | 1 thread p50 ms | 2 threads p50 ms | 2 / 1 |\n|---:|---:|---:|---:|---:|")
            for n in (10_000, 100_000, 1_000_000):
                x = vectors_for(n, False)[0]
                for m in (1, 20):
                    q = np.ascontiguousarray(x[:m].T)
                    res = {}
                    for t in (1, 2):
                        with threadpool_limits(t, user_api="blas"):
                            res[t] = interleaved({"s": lambda: (x @ q).max(axis=1)}, 15 if n < 1_000_000 else 5)["s"][0]
                    print(f"| {n:,} | {m} | {res[1]:.2f} | {res[2]:.2f} | {res[2] / res[1]:.2f} |", flush=True)
                del x
        finally:
            if hog is not None:
                hog.kill()


def bench_samples(kinds: list[str]) -> None:
    from core.io.samples import list_samples, load_sample
    for info in list_samples():
        x = load_sample(info.name).vectors
        rng = np.random.default_rng(3)
        for kind in kinds:
            built = build_index(__import__("faiss"), x, kind, forced(kind))
            q = x[rng.integers(0, len(x), 200)]
            exact = np.argsort(-(x @ q.T), axis=0)[:10].T
            for k in (10, 30):
                _, found = built.index.search(q, k, params=__import__("faiss").SearchParametersHNSW(efSearch=128)
                                              if kind == "hnsw" else __import__("faiss").SearchParametersIVF(nprobe=32))
                recall = np.mean([len(set(exact[i]) & set(found[i])) / 10 for i in range(len(q))])
                print(f"- {info.name} ({len(x):,} items) {kind} per-query k={k}: recall@10 after exact re-scoring "
                      f"{recall:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--real", action="store_true", help="real text embeddings up to their count")
    parser.add_argument("--synthetic", choices=["uniform", "clustered"], default="uniform",
                        help="the synthetic vectors (without --real, or above its count)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--kinds", nargs="+", default=["hnsw", "ivf"], choices=["hnsw", "ivf"])
    parser.add_argument("--ef", type=int, nargs="+", default=[128], help="HNSW efSearch values to compare")
    parser.add_argument("--nprobe", type=int, nargs="+", default=[32], help="IVF nprobe values to compare")
    parser.add_argument("--personas", type=int, default=20, help="personas recall is averaged over (all interact)")
    parser.add_argument("--threads", action="store_true")
    parser.add_argument("--samples", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.threads:
        return bench_threads()
    if args.samples:
        return bench_samples(args.kinds)
    for n in args.sizes:
        bench_size(n, args.real, args.runs, args.kinds, configs_for(args.kinds, args.ef, args.nprobe), args.synthetic,
                   args.personas)


if __name__ == "__main__":
    main()
