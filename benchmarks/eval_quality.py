"""Offline ranking quality on the MovieLens sample: a per-user temporal 80/20 split, through ``core.eval``.

    python -m benchmarks.eval_quality [--users N] [--strategies centroid knn] [--decay 0 0.1]

This script only describes the protocol and writes the report; the split, the runs, the metrics,
the baselines and the intervals are :mod:`core.eval`'s. Protocol (the default run is all of it):

1. Catalog: the shipped ``movies`` sample (MovieLens latest-small, 9,742 movies, 610 users,
   100,836 ratings), installed into one ``EmbeddedStore(":memory:")``.
2. Split (``core.eval.sources``: ``split_source(sample_source("movies"), "temporal",
   test_fraction=0.2, min_interactions=10, min_rating=4)``): for each user with >= 10 ratings,
   sort the ratings by timestamp (ties in file order); the latest ``ceil(0.2 n)`` are held out,
   the first ``n - ceil(0.2 n)`` (= ``floor(0.8 n)`` for every user here) are training.
3. Personas (``core.eval.runner.Evaluation``): every training rating becomes a
   ``PersonaInteraction`` of its user's persona with its real timestamp as ``created_at`` and
   weight ``w = (rating - 2.75) / 2.25`` (the log's 0.5..5 scale onto -1..+1: 0.5 star -> -1,
   3 stars -> +0.11, 5 stars -> +1), all written in one ``add_interactions`` call of a throwaway
   store that reads the catalog without copying it (timed, with building the interactions: this
   is also a bulk-load measurement).
4. Relevance: held-out ratings >= 4 are relevant; users with none are skipped (the table gives
   the number of users evaluated).
5. Ranking: ``agent.get_objects(persona, limit=10, use_agent_ranking=False,
   exclude_interacted_items=True, recent_interactions_count=R, decay_rate=d, strategy=s,
   popularity_weight=p, now=<timestamp of the user's last training rating>)`` for each strategy x
   decay_rate at R=100 and p=0 (no popularity prior), each strategy x p at decay_rate 0.1, plus
   the default strategy (centroid) at R=1000, p=0 (``core.eval.sweep.grid_points`` per block).
   The engine's default (centroid, decay 0.1, R=100, p=0.5) is in the grid and marked. Nothing
   is tuned: every point is reported on the test part.
6. Metrics, per user, then averaged (``core.eval.metrics``): NDCG@10 (binary gains, log2 discount,
   ideal DCG over min(10, #relevant)), Recall@10 = hits / min(10, #relevant) (a perfect list
   scores 1), HitRate@10 and MRR@10; 95 % percentile-bootstrap intervals over users (2,000
   resamples, seed 0), and each run's paired NDCG@10 difference from the default on the same users.
7. Baselines (``core.eval.baselines``, on the same split, the user's training items excluded):
   random (seeded per user), most popular, item-kNN on co-occurrence and EASE, fitted on the
   positive training interactions (rating > 2.75: the rows the personas get as likes).

Changes from the pre-``core.eval`` version (2026-12-01 table): the confidence interval was
1.96 · sd / √users, now a bootstrap interval; the plain hits / #relevant column gave way to
HitRate@10 and MRR@10; most popular counted ratings >= 4 (NDCG@10 0.0794), now the positive
ratings the personas like, >= 3 (0.0715); random drew from one seeded generator in user order
(0.0012), now one seeded per user (0.0020); item-kNN and EASE are new; the interactions were
added through the public ``add_interactions`` in batches of 20,000, now by the store in one call
(the public method adds only its checks); the report also writes the run as JSON
(``core.eval.report``, with the library versions). The split, weights, relevance and engine
figures are unchanged.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from core import (BASELINES, STRATEGIES, EmbeddedStore, EngineConfig, Evaluation, PipelineConfig, RunResult, Split,
                  evaluation_report, grid_points, install_sample, sample_source, split_source)

SAMPLE = "movies"
MIN_RATINGS = 10
TEST_FRACTION = 0.2
RELEVANT_RATING = 4.0
K = 10
DEFAULT = EngineConfig()
DECAY_RATES = (0.0, 0.1, 0.5, 1.0)
POPULARITY_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
RESULTS = Path(__file__).resolve().parent / "results" / "quality_movies.md"


def make_split() -> Split:
    """Protocol steps 2 and 4: the sample's real log, its ratings as weights, split per user."""
    return split_source(sample_source(SAMPLE), "temporal", test_fraction=TEST_FRACTION,
                        min_interactions=MIN_RATINGS, min_rating=RELEVANT_RATING)


def describe(split: Split, users: Sequence, recent: int) -> str:
    """How much the decay and the window can matter: time spans and sizes of the training portions."""
    spans = np.array([(split.train[u][-1].time - split.train[u][0].time) / 86_400 for u in users])
    sizes = np.array([len(split.train[u]) for u in users])
    return (f"training portions: median {np.median(sizes):.0f} ratings, {int((sizes > recent).sum())} users have more "
            f"than {recent}; median time span {np.median(spans) * 24:.1f} h, {(spans < 1).mean():.0%} of users "
            f"rated their whole training portion within one day (decay cannot change their ranking much)")


def same_setting(a: EngineConfig, b: EngineConfig) -> bool:
    """Whether two configurations rank alike (a blend weight of ``None`` is the engine's default)."""
    engine, blends = PipelineConfig(), dict(popularity_weight=None, property_weight=None, negative_weight=None)
    return replace(a, **blends) == replace(b, **blends) and a.pipeline(engine) == b.pipeline(engine)


def grid(args: argparse.Namespace) -> list[EngineConfig]:
    """Strategies x decay rates without a prior, strategies x popularity weights at decay 0.1, the
    default strategy with the longer window; the engine's default first if the grid lacks it."""
    base = EngineConfig(recent_interactions_count=args.recent, popularity_weight=0.0)
    configs = grid_points({"strategy": args.strategies, "decay_rate": args.decay}, base)
    priors = [p for p in args.popularity if p]
    configs += grid_points({"strategy": args.strategies, "popularity_weight": priors}, base) if priors else []
    if args.extra_recent and DEFAULT.strategy in args.strategies:
        configs += grid_points({"decay_rate": args.decay}, replace(base, recent_interactions_count=args.extra_recent))
    return configs if any(same_setting(c, DEFAULT) for c in configs) else [DEFAULT, *configs]


def blas_threads(n: int) -> tuple[contextlib.AbstractContextManager, str]:
    """Limit BLAS threads to ``n`` (0 = leave alone) and say what was done.

    Every call multiplies a 9,742 x 384 matrix by a few vectors: OpenBLAS's thread hand-off
    costs more than it saves there, badly so on a busy 2-core machine (a matrix-vector product
    measured 16 ms with 2 threads, 4.5 ms with 1, while other processes were running).
    """
    if n <= 0:
        return contextlib.nullcontext(), "BLAS threads: library default"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext(), "BLAS threads: library default (threadpoolctl not installed)"
    return threadpool_limits(limits=n, user_api="blas"), f"BLAS threads: {n} (threadpoolctl)"


# the report --------------------------------------------------------------------------------------
HEADER = ["run", "decay_rate", "recent", "popularity_weight", "NDCG@10 [95% CI]", "Recall@10", "HitRate@10", "MRR@10",
          "NDCG@10 vs default [95% CI]", "users", "seconds", "ms/call p50"]


def settings(run: RunResult) -> list[str]:
    """The first four cells: the run's name (or strategy) and its engine settings."""
    c = run.config
    if "strategy" not in c:
        return [run.name, "–", "–", "–"]
    pop = PipelineConfig().popularity_weight if c["popularity_weight"] is None else c["popularity_weight"]
    name = c["strategy"] + (" (default)" if same_setting(EngineConfig(**c), DEFAULT) else "")
    return [name, f"{c['decay_rate']:g}", str(c["recent_interactions_count"]), f"{pop:g}"]


def cells(run: RunResult, default: RunResult) -> list[str]:
    est = {m: run.estimate(m) for m in ("ndcg", "recall", "hit_rate", "mrr")}
    diff = "–" if run is default else _signed(default.versus(run))
    return [*settings(run), str(est["ndcg"]), f"{est['recall'].mean:.4f}", f"{est['hit_rate'].mean:.4f}",
            f"{est['mrr'].mean:.4f}", diff, str(est["ndcg"].users), f"{run.seconds:.1f}",
            "–" if "strategy" not in run.config else f"{run.call_ms(50):.1f}"]


def _signed(e) -> str:
    return f"{e.mean:+.4f} [{e.low:+.4f}, {e.high:+.4f}]"


def _table(header: Sequence[str], body: Sequence[Sequence[str]], text_columns: int = 4) -> str:
    rule = "|" + "|".join("---" if i < text_columns else "---:" for i in range(len(header))) + "|"
    return "\n".join(["| " + " | ".join(header) + " |", rule, *("| " + " | ".join(r) + " |" for r in body)])


def results_table(runs: Sequence[RunResult], default: RunResult) -> str:
    return _table(HEADER, [cells(run, default) for run in runs])


def stage_table(runs: Sequence[RunResult]) -> str:
    """Mean ms per ``get_objects`` call in each pipeline stage (the response traces' timings)."""
    timed = [r for r in runs if r.stage_seconds]
    names = list(dict.fromkeys(name for r in timed for name in r.stage_seconds))
    body = [[*settings(r), *(f"{1000 * r.stage_seconds.get(n, 0.0) / len(r.call_seconds):.1f}" for n in names),
             f"{1000 * np.mean(list(r.call_seconds.values())):.1f}"] for r in timed]
    return _table(["run", "decay_rate", "recent", "popularity_weight", *names, "whole call"], body)


def report(runs: Sequence[RunResult], default: RunResult, notes: list[str]) -> str:
    command = "python -m benchmarks.eval_quality" + "".join(f" {a}" for a in sys.argv[1:])
    machine = (f"{platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}, "
               f"{os.cpu_count()} CPUs ({platform.machine()})")
    return "\n".join([
        "# Ranking quality on the MovieLens sample", "",
        f"- Command: `{command}`", f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", f"- Machine: {machine}",
        *[f"- {n}" for n in notes], "",
        "Protocol: see the docstring of `benchmarks/eval_quality.py` (through `core.eval`: temporal 80/20 split "
        "per user, weight = (rating − 2.75) / 2.25, relevant = held-out rating ≥ 4, `now` = last training rating). "
        "Recall@10 = hits / min(10, #relevant). Intervals: 95 % percentile bootstrap over users; the paired "
        "difference is this run minus the default on the same users. Timings are wall-clock on a shared machine "
        "and noisy (a baseline's seconds include fitting it).", "",
        results_table(runs, default), "",
        "Where the time goes: mean ms per `get_objects` call in each pipeline stage (from the response trace).", "",
        stage_table(runs), ""])


# command line ------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=None, help="evaluate a seeded sample of N users (quick run)")
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=STRATEGIES)
    parser.add_argument("--decay", type=float, nargs="+", default=list(DECAY_RATES))
    parser.add_argument("--popularity", type=float, nargs="+", default=list(POPULARITY_WEIGHTS),
                        help="popularity_weight values tried for every strategy at decay_rate 0.1")
    parser.add_argument("--recent", type=int, default=100, help="recent_interactions_count of the main grid")
    parser.add_argument("--extra-recent", type=int, default=1000,
                        help=f"one more block for {DEFAULT.strategy} with this window (0: none)")
    parser.add_argument("--baselines", nargs="*", default=list(BASELINES), choices=list(BASELINES))
    parser.add_argument("--seed", type=int, default=0, help="seed of the user sample and the random baseline")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="BLAS threads while ranking (0: the library default); see blas_threads()")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"write the tables here (default for the full protocol: {RESULTS})")
    return parser.parse_args(argv)


def is_full_protocol(args: argparse.Namespace) -> bool:
    return (args.users is None and sorted(args.strategies) == sorted(STRATEGIES)
            and sorted(args.decay) == sorted(DECAY_RATES) and args.recent == 100 and args.extra_recent == 1000
            and sorted(args.popularity) == sorted(POPULARITY_WEIGHTS) and sorted(args.baselines) == sorted(BASELINES))


def chosen_users(split: Split, args: argparse.Namespace) -> tuple[list, list[str]]:
    """The evaluated users (all with a relevant held-out item, or a seeded sample) and what was chosen."""
    users = sorted(u for u in split.test if split.test[u])
    notes = [f"{len(split.train)} users with ≥ {MIN_RATINGS} ratings; {len(split.train) - len(users)} skipped "
             f"(no held-out rating ≥ {RELEVANT_RATING:g}); {len(users)} evaluated"]
    if args.users is not None and args.users < len(users):
        pick = np.random.default_rng(args.seed).choice(len(users), args.users, replace=False)
        users = [users[i] for i in sorted(pick)]
        notes.append(f"subsample: {len(users)} users (seed {args.seed})")
    return users, notes


def progress(run: RunResult) -> None:
    print(f"{run.name}: NDCG@{K} {run.estimate('ndcg')} ({run.seconds:.1f} s)", flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    split = make_split()
    users, notes = chosen_users(split, args)
    notes.append(describe(split, users, args.recent))
    limit, blas_note = blas_threads(args.blas_threads)
    notes.append(blas_note)
    print("\n".join(notes), flush=True)
    store, started = EmbeddedStore(":memory:"), time.perf_counter()
    spec = install_sample(store, SAMPLE)
    installed = time.perf_counter() - started
    evaluation = Evaluation(split, store, spec.name, k=K, users=users)
    load = evaluation.load()
    notes.append(f"bulk load: {load.interactions:,} training interactions of {load.personas} personas via one "
                 f"add_interactions call (building the interactions included): {load.seconds:.1f} s = "
                 f"{load.per_second:,.0f} interactions/s (sample install {installed:.1f} s)")
    print(notes[-1], flush=True)
    runs = []
    for name in args.baselines:
        runs.append(evaluation.baseline(name, **({"seed": args.seed} if name == "random" else {})))
        progress(runs[-1])
    configs, started = grid(args), time.perf_counter()
    engine = []
    with limit:
        for config in configs:
            engine.append(evaluation.engine(config))
            progress(engine[-1])
    notes.append(f"ranking: {time.perf_counter() - started:.0f} s for {len(configs)} configurations")
    default = next(run for run, config in zip(engine, configs) if same_setting(config, DEFAULT))
    runs += engine
    print("\n" + results_table(runs, default) + "\n\n" + stage_table(runs))
    out = args.out or (RESULTS if is_full_protocol(args) else None)
    if out is None:
        print("\n(not written: not the full protocol; pass --out PATH to save)")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report(runs, default, notes), encoding="utf-8")
    record = evaluation_report(evaluation, [default, *(r for r in runs if r is not default)], seed=args.seed,
                               extra={"bulk_load": {**vars(load), "sample_install_s": installed}, "notes": notes})
    out.with_suffix(".json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {out} and {out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
