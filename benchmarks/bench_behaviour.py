"""The behaviour model's costs: training, fold-in, and get_objects latency with and without it.

    python -m benchmarks.bench_behaviour [--samples movies books] [--sizes 10000 100000] [--runs 100]
                                         [--sample-latency movies books] [--personas 50]
                                         [--blas-threads N|auto]

- **Training** on each sample's full log loaded as personas (what installing a sample with its
  community gives): seconds to load the personas, then to train at the dimensions the model grid
  chose for it (``--dims movies=256 books=1024``).
- **Fold-in** of a new persona with 20 likes into a trained model (median of 1,000).
- **Latency**: ``get_objects`` vector-only p50 on synthetic catalogs (``benchmarks.bench_latency``'s
  items) with 2,000 personas of 20 likes each, for ``centroid`` and for ``blend`` (the default once
  the model is trained), the same persona and request, the model at ``--latency-dims`` (default: the
  untuned default, ``core.learn.train.DEFAULT_DIMS``; ``--latency-dims 64 128 256`` measures the trade-off).
- **Sample latency**: the same on a shipped sample with its community, trained at the settings its
  ``catalog.json`` ships: ``--personas`` of its real users (sorted ids) in turn, each request timed
  once per round, p50 over all requests (histories up to 1,000 interactions, the blend's ``history``).
``--block N`` times N requests of one strategy in a row before switching (default 1: every request
alternates, so each starts with the other strategy's matrices in the CPU cache; a server whose
requests all use the default strategy is closer to a large block). ``--blas-threads`` sets every
BLAS library's thread count first (``core.set_blas_threads``); ``auto`` (the default) leaves the
libraries' own choice, one per core.
Prints Markdown; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta, timezone

import numpy as np

from benchmarks.bench_latency import NOW, build, percentiles
from core import (BEHAVIOUR, BehaviourModel, BlendWeights, EmbeddedStore, PersonaInteraction, PersonalizationAgent,
                  generate_uuid5, install_sample, list_samples, load_sample_interactions, set_blas_threads,
                  train_behaviour)
from core.learn.train import DEFAULT_DIMS


def load_community(sample: str) -> tuple[EmbeddedStore, str, float]:
    store = EmbeddedStore(":memory:")
    collection = install_sample(store, sample).name
    log = load_sample_interactions(sample)
    low, high = float(log.rating.min()), float(log.rating.max())
    mid, half = (low + high) / 2, (high - low) / 2
    start = time.perf_counter()
    stamps = [None if np.isnan(t) else datetime.fromtimestamp(t, tz=timezone.utc) for t in log.timestamp.tolist()]
    rows = [PersonaInteraction(persona_id=generate_uuid5(f"{sample}-user-{u}"), item_id=i,
                               weight=max(-1.0, min(1.0, (r - mid) / half)), created_at=t)
            for u, i, r, t in zip(log.user.tolist(), log.item_uuid.tolist(), log.rating.tolist(), stamps)]
    store.add_interactions(collection, rows, default_time=NOW, create_personas={r.persona_id for r in rows})
    return store, collection, time.perf_counter() - start


def bench_training(sample: str, dims: int, l2: float) -> dict[str, float]:
    store, collection, load = load_community(sample)
    start = time.perf_counter()
    learned = train_behaviour(store, collection, dims=dims, l2=l2)
    train = time.perf_counter() - start
    model = BehaviourModel(store.get_learned(collection, BEHAVIOUR))
    rng = np.random.default_rng(0)
    liked = [learned.ids[i] for i in rng.choice(len(learned.ids), 20, replace=False)]
    times = []
    for _ in range(1000):
        t = time.perf_counter()
        model.query(liked, [1.0] * 20)
        times.append(time.perf_counter() - t)
    return {"interactions": int(learned.meta["trained_on"]["interactions"]), "load_s": load, "train_s": train,
            "dims": learned.meta["dims"], "fold_ms": statistics.median(times) * 1000}


def timed(fn) -> float:
    """Seconds one call of ``fn`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_latency(n: int, runs: int, personas: int = 2000, likes: int = 20, block: int = 1,
                  dims: int = DEFAULT_DIMS) -> dict[str, float]:
    store, _ = build(n)
    agent = PersonalizationAgent.create(store, "Bench")
    rng = np.random.default_rng(3)
    rows = [PersonaInteraction(persona_id=generate_uuid5(f"p{p}"), item_id=generate_uuid5(int(i)), weight=1.0,
                               created_at=NOW - timedelta(days=k))
            for p in range(personas) for k, i in enumerate(rng.choice(n, likes, replace=False))]
    store.add_interactions("Bench", rows, create_personas={r.persona_id for r in rows})
    start = time.perf_counter()
    train_behaviour(store, "Bench", dims=dims)
    trained = time.perf_counter() - start
    picks = rng.choice(n, 25, replace=False)
    agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=generate_uuid5(int(i)),
                                               weight=1.0 if k < 20 else -1.0, created_at=NOW - timedelta(days=k))
                            for k, i in enumerate(picks)])
    out = {"train_s": trained}
    times: dict[str, list[float]] = {"centroid": [], "blend": []}
    for _ in range(-(-(runs + 1) // block)):  # alternating, so that a change in the machine's load hits both alike
        for strategy, samples in times.items():
            samples += [timed(lambda: agent.get_objects("bench", limit=10, use_agent_ranking=False, now=NOW,
                                                       strategy=strategy)) for _ in range(block)]
    out.update({strategy: percentiles(samples[1:runs + 1])[0] for strategy, samples in times.items()})  # 1st: warm-up
    return out


def bench_sample_latency(sample: str, personas: int, rounds: int, block: int = 1) -> dict[str, float]:
    store, collection, _ = load_community(sample)
    settings = dict(next(s for s in list_samples() if s.name == sample).behaviour or {})
    if "blend" in settings:
        settings["blend"] = BlendWeights.model_validate(settings["blend"])
    train_behaviour(store, collection, **settings)  # as the lab's sample library trains it
    agent = PersonalizationAgent(store=store, reference_collection=collection)
    users = sorted(p.persona_id for p in store.list_personas(collection, background=None))[:personas]
    out: dict[str, float] = {"dims": settings.get("dims", 256)}
    times: dict[str, list[float]] = {"centroid": [], "blend": []}
    for _ in range(rounds):
        for start in range(0, len(users), block):  # alternating blocks of users, as above
            for strategy, samples in times.items():
                samples += [timed(lambda: agent.get_objects(user, limit=10, use_agent_ranking=False,
                                                           strategy=strategy)) for user in users[start:start + block]]
    out.update({strategy: percentiles(samples)[0] for strategy, samples in times.items()})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", nargs="*", default=["movies", "books"])
    parser.add_argument("--dims", nargs="*", default=["movies=256:250", "books=1024:50"], metavar="SAMPLE=DIMS:L2")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--sample-latency", nargs="*", default=[], metavar="SAMPLE")
    parser.add_argument("--personas", type=int, default=50)
    parser.add_argument("--latency-dims", type=int, nargs="*", default=[DEFAULT_DIMS], metavar="DIMS",
                        help=f"dimensions of the synthetic catalogs' models (default: the untuned default, {DEFAULT_DIMS})")
    parser.add_argument("--blas-threads", default="auto", metavar="N|auto")
    parser.add_argument("--block", type=int, default=1, help="requests of one strategy in a row (1: alternate "
                        "every request, so each starts with the other strategy's matrices in the cache)")
    args = parser.parse_args()
    if args.blas_threads != "auto":
        print(f"BLAS threads: {set_blas_threads(int(args.blas_threads))}\n")
    settings = {k: tuple(float(x) for x in v.split(":")) for k, v in (d.split("=") for d in args.dims)}
    if args.samples:
        print("| sample | interactions | load personas s | dims | train s | fold-in of 20 likes ms |")
        print("|---|---:|---:|---:|---:|---:|")
    for sample in args.samples:
        dims, l2 = settings.get(sample, (256.0, 250.0))
        r = bench_training(sample, int(dims), l2)
        print(f"| {sample} | {r['interactions']:,} | {r['load_s']:.1f} | {r['dims']} | {r['train_s']:.1f} | "
              f"{r['fold_ms']:.3f} |", flush=True)
    if args.sizes:
        print("\n| items | dims | train s (2,000 personas × 20 likes) | centroid p50 ms | blend p50 ms | blend / centroid |")
        print("|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        for dims in args.latency_dims:
            r = bench_latency(n, args.runs, block=args.block, dims=dims)
            print(f"| {n:,} | {dims} | {r['train_s']:.1f} | {r['centroid']:.2f} | {r['blend']:.2f} | "
                  f"{r['blend'] / r['centroid']:.2f} |", flush=True)
    if args.sample_latency:
        print(f"\n| sample ({args.personas} real users) | dims | centroid p50 ms | blend p50 ms | blend / centroid |")
        print("|---|---:|---:|---:|---:|")
    for sample in args.sample_latency:
        r = bench_sample_latency(sample, args.personas, max(1, args.runs // 10), block=args.block)
        print(f"| {sample} | {r['dims']} | {r['centroid']:.2f} | {r['blend']:.2f} | {r['blend'] / r['centroid']:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
