"""Offline ranking quality on the MovieLens sample: a per-user temporal 80/20 split.

    python -m benchmarks.eval_quality [--users N] [--strategies centroid knn] [--decay 0 0.1]

Protocol (the default run is all of it):

1. Catalog: the shipped ``movies`` sample (MovieLens latest-small, 9,742 movies, 610 users,
   100,836 ratings), installed into one ``EmbeddedStore(":memory:")``.
2. Split: for each user with >= 10 ratings, sort the ratings by timestamp (ties in file order);
   the first ``floor(0.8 n)`` are training, the rest are held out.
3. Personas: every training rating becomes a ``PersonaInteraction`` with its real timestamp as
   ``created_at`` and weight ``w = (rating - 2.75) / 2.25`` (0.5 star -> -1, 3 stars -> +0.11,
   5 stars -> +1), all added through the public ``add_interactions`` in batches (timed: this is
   also a bulk-load measurement).
4. Relevance: held-out ratings >= 4 are relevant; users with none are skipped (the table gives the
   number of users evaluated).
5. Ranking: ``agent.get_objects(persona, limit=10, use_agent_ranking=False,
   exclude_interacted_items=True, recent_interactions_count=R, decay_rate=d, strategy=s,
   now=<timestamp of the user's last training rating>)`` for each strategy x decay_rate at R=100,
   plus the default strategy (centroid) at R=1000.
6. Metrics, averaged over users: NDCG@10 (binary gains, log2 discount, ideal DCG over
   min(10, #relevant)); Recall@10 = hits / min(10, #relevant) (so a perfect list scores 1), and
   the plain hits / #relevant next to it.
7. Baselines: most popular (items by the number of ratings >= 4 in all users' training portions,
   the user's training items excluded) and random (seeded, training items excluded).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

import numpy as np

from core import STRATEGIES, EmbeddedStore, PersonaInteraction, PersonalizationAgent, install_sample_agent, to_uuid
from core.eval.metrics import ndcg_at_k, recall_at_k
from core.io.samples import load_sample_interactions

SAMPLE = "movies"
MIN_RATINGS = 10
TRAIN_SHARE = 0.8
RELEVANT_RATING = 4.0
K = 10
BATCH = 20_000
DEFAULT_STRATEGY = "centroid"
DECAY_RATES = (0.0, 0.1, 0.5, 1.0)
POPULARITY_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
RESULTS = Path(__file__).resolve().parent / "results" / "quality_movies.md"


# metrics: core.eval.metrics (pure, tested in tests/test_eval_core.py and tests/test_eval_metrics.py)


def rating_to_weight(rating: float) -> float:
    """A 0.5-5 star rating as an interaction weight: 0.5 -> -1, 2.75 -> 0, 5 -> +1."""
    return (rating - 2.75) / 2.25


# data ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rating:
    """One rating from the log: item UUID, stars (0.5-5) and unix seconds."""

    item: UUID
    rating: float
    timestamp: float


@dataclass(frozen=True)
class UserSplit:
    """One user's temporal split: training ratings (oldest first) and relevant held-out items."""

    user: int
    persona_id: UUID
    train: tuple[Rating, ...]
    relevant: frozenset[UUID]

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.train[-1].timestamp, tz=timezone.utc)

    @property
    def seen(self) -> frozenset[UUID]:
        return frozenset(r.item for r in self.train)


def read_ratings(name: str = SAMPLE) -> dict[int, list[Rating]]:
    """Each user's ratings in file order, from the sample's real interaction log."""
    log = load_sample_interactions(name)
    users: dict[int, list[Rating]] = {}
    for user, item, rating, stamp in zip(log["user"].tolist(), log["item_uuid"].tolist(), log["rating"].tolist(),
                                         log["timestamp"].tolist()):
        users.setdefault(int(user), []).append(Rating(item, rating, stamp))
    return users


def split_users(ratings: dict[int, list[Rating]], min_ratings: int = MIN_RATINGS,
                train_share: float = TRAIN_SHARE) -> list[UserSplit]:
    """The temporal split of every user with at least ``min_ratings`` ratings, by user id."""
    out = []
    for user in sorted(ratings):
        rows = sorted(ratings[user], key=lambda r: r.timestamp)  # stable: ties keep file order
        if len(rows) < min_ratings:
            continue
        cut = math.floor(train_share * len(rows))
        relevant = frozenset(r.item for r in rows[cut:] if r.rating >= RELEVANT_RATING)
        out.append(UserSplit(user, to_uuid(f"movielens-user-{user}"), tuple(rows[:cut]), relevant))
    return out


def describe(users: Sequence[UserSplit], recent: int) -> str:
    """How much the decay and the window can matter: time spans and sizes of the training portions."""
    spans = np.array([(u.train[-1].timestamp - u.train[0].timestamp) / 86_400 for u in users])
    sizes = np.array([len(u.train) for u in users])
    return (f"training portions: median {np.median(sizes):.0f} ratings, {int((sizes > recent).sum())} users have more "
            f"than {recent}; median time span {np.median(spans) * 24:.1f} h, {(spans < 1).mean():.0%} of users "
            f"rated their whole training portion within one day (decay cannot change their ranking much)")


def load_agent(splits: Sequence[UserSplit]) -> tuple[PersonalizationAgent, dict[str, float]]:
    """A fresh in-memory store with the sample installed and every training rating added."""
    store = EmbeddedStore(":memory:")
    t = time.perf_counter()
    agent = install_sample_agent(store, SAMPLE)
    install_s = time.perf_counter() - t
    t = time.perf_counter()
    rows = [PersonaInteraction(persona_id=s.persona_id, item_id=r.item, weight=rating_to_weight(r.rating),
                               created_at=r.timestamp)
            for s in splits for r in s.train]
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    for start in range(0, len(rows), BATCH):
        agent.add_interactions(rows[start:start + BATCH])
    add_s = time.perf_counter() - t
    return agent, {"install_s": install_s, "interactions": len(rows), "build_s": build_s, "add_s": add_s}


# evaluation ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    strategy: str
    decay_rate: str
    recent: str
    ndcg: list[float]
    recall: list[float]
    recall_plain: list[float]
    seconds: float
    call_ms: list[float]
    stage_ms: dict[str, float] | None = None
    """Mean milliseconds per call in each pipeline stage, from the responses' traces."""
    popularity: str = "–"
    """The engine's popularity_weight ("–" for the baselines)."""

    def cells(self) -> list[str]:
        n = len(self.ndcg)
        ci = 1.96 * statistics.stdev(self.ndcg) / math.sqrt(n) if n > 1 else math.nan
        p50 = f"{statistics.median(self.call_ms):.1f}" if self.call_ms else "–"
        return [self.strategy, self.decay_rate, self.recent, self.popularity, f"{statistics.fmean(self.ndcg):.4f}", f"{ci:.4f}",
                f"{statistics.fmean(self.recall):.4f}", f"{statistics.fmean(self.recall_plain):.4f}",
                str(n), f"{self.seconds:.1f}", p50]


HEADER = ["strategy", "decay_rate", "recent", "popularity_weight", "NDCG@10", "±95% CI", "Recall@10", "hits/#rel", "users",
          "seconds", "ms/call p50"]


def score_lists(name: str, decay: str, recent: str, users: Sequence[UserSplit], rank, timed: bool,
                popularity: str = "–") -> Row:
    """Rank for every user with ``rank(user) -> list[UUID]`` and collect the metrics."""
    ndcg, recall, plain, call_ms = [], [], [], []
    start = time.perf_counter()
    for user in users:
        t = time.perf_counter()
        ranked = rank(user)
        call_ms.append((time.perf_counter() - t) * 1000)
        ndcg.append(ndcg_at_k(ranked, user.relevant))
        recall.append(recall_at_k(ranked, user.relevant))
        plain.append(recall_at_k(ranked, user.relevant, capped=False))
    return Row(name, decay, recent, ndcg, recall, plain, time.perf_counter() - start, call_ms if timed else [],
               popularity=popularity)


def engine_row(agent: PersonalizationAgent, users: Sequence[UserSplit], strategy: str, decay: float,
               recent: int, popularity: float = 0.0) -> Row:
    stages: Counter[str] = Counter()

    def rank(user: UserSplit) -> list[UUID]:
        response = agent.get_objects(user.persona_id, limit=K, use_agent_ranking=False,
                                     exclude_interacted_items=True, recent_interactions_count=recent,
                                     decay_rate=decay, strategy=strategy, now=user.now,
                                     popularity_weight=popularity)
        stages.update({step.name: step.seconds for step in response.trace})
        return [o.uuid for o in response.objects]
    row = score_lists(strategy, f"{decay:g}", str(recent), users, rank, timed=True, popularity=f"{popularity:g}")
    return replace(row, stage_ms={name: 1000 * total / len(users) for name, total in stages.items()})


def popularity_row(splits: Sequence[UserSplit], users: Sequence[UserSplit], catalog: list[UUID]) -> Row:
    """Most liked (rating >= 4) in all users' training portions, ties in catalog order."""
    likes = Counter(r.item for s in splits for r in s.train if r.rating >= RELEVANT_RATING)
    order = sorted(catalog, key=lambda u: -likes[u])  # stable sort keeps catalog order for ties

    def rank(user: UserSplit) -> list[UUID]:
        seen, out = user.seen, []
        for item in order:
            if item not in seen:
                out.append(item)
                if len(out) == K:
                    break
        return out
    return score_lists("most popular", "–", "–", users, rank, timed=False)


def random_row(users: Sequence[UserSplit], catalog: list[UUID], seed: int) -> Row:
    rng = np.random.default_rng(seed)
    index = {u: i for i, u in enumerate(catalog)}

    def rank(user: UserSplit) -> list[UUID]:
        allowed = np.ones(len(catalog), dtype=bool)
        allowed[[index[i] for i in user.seen]] = False
        return [catalog[i] for i in rng.choice(np.flatnonzero(allowed), K, replace=False)]
    return score_lists(f"random (seed {seed})", "–", "–", users, rank, timed=False)


def _table(header: Sequence[str], body: Sequence[Sequence[str]], text_columns: int = 3) -> str:
    rule = "|" + "|".join("---" if i < text_columns else "---:" for i in range(len(header))) + "|"
    return "\n".join(["| " + " | ".join(header) + " |", rule, *("| " + " | ".join(r) + " |" for r in body)])


def markdown_table(rows: Sequence[Row]) -> str:
    return _table(HEADER, [row.cells() for row in rows], text_columns=4)


def stage_table(rows: Sequence[Row]) -> str:
    """Mean ms per ``get_objects`` call in each pipeline stage (the response trace's timings)."""
    timed = [r for r in rows if r.stage_ms]
    names = list(dict.fromkeys(name for r in timed for name in r.stage_ms))
    body = [[r.strategy, r.decay_rate, r.recent, r.popularity, *(f"{r.stage_ms.get(n, 0.0):.1f}" for n in names),
             f"{statistics.fmean(r.call_ms):.1f}"] for r in timed]
    return _table(["strategy", "decay_rate", "recent", "popularity_weight", *names, "whole call"], body,
                  text_columns=4)


# command line ----------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=None, help="evaluate a seeded sample of N users (quick run)")
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=STRATEGIES)
    parser.add_argument("--decay", type=float, nargs="+", default=list(DECAY_RATES))
    parser.add_argument("--popularity", type=float, nargs="+", default=list(POPULARITY_WEIGHTS),
                        help="popularity_weight values tried for every strategy at decay_rate 0.1")
    parser.add_argument("--recent", type=int, default=100, help="recent_interactions_count of the main grid")
    parser.add_argument("--extra-recent", type=int, default=1000,
                        help=f"one more block for {DEFAULT_STRATEGY} with this window (0: none)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the user sample and the random baseline")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="BLAS threads while ranking (0: the library default); see blas_threads()")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"write the tables here (default for the full protocol: {RESULTS})")
    return parser.parse_args(argv)


def is_full_protocol(args: argparse.Namespace) -> bool:
    return (args.users is None and sorted(args.strategies) == sorted(STRATEGIES)
            and sorted(args.decay) == sorted(DECAY_RATES) and args.recent == 100 and args.extra_recent == 1000
            and sorted(args.popularity) == sorted(POPULARITY_WEIGHTS))


def grid(args: argparse.Namespace) -> list[tuple[str, float, int, float]]:
    """Strategies x decay rates without a prior, then strategies x popularity weights at decay 0.1."""
    configs = [(s, d, args.recent, 0.0) for s in args.strategies for d in args.decay]
    configs += [(s, 0.1, args.recent, p) for s in args.strategies for p in args.popularity if p]
    if args.extra_recent and DEFAULT_STRATEGY in args.strategies:
        configs += [(DEFAULT_STRATEGY, d, args.extra_recent, 0.0) for d in args.decay]
    return configs


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


def report(rows: Sequence[Row], notes: list[str]) -> str:
    command = "python -m benchmarks.eval_quality" + "".join(f" {a}" for a in sys.argv[1:])
    machine = (f"{platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}, "
               f"{os.cpu_count()} CPUs ({platform.machine()})")
    return "\n".join([
        "# Ranking quality on the MovieLens sample", "",
        f"- Command: `{command}`", f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", f"- Machine: {machine}",
        *[f"- {n}" for n in notes], "",
        "Protocol: see the docstring of `benchmarks/eval_quality.py` (temporal 80/20 split per user, "
        "weight = (rating − 2.75) / 2.25, relevant = held-out rating ≥ 4, `now` = last training rating). "
        "Recall@10 = hits / min(10, #relevant); hits/#rel = plain recall. ±95% CI = 1.96 · sd / √users "
        "of the per-user NDCG@10. Timings are wall-clock on a shared machine and noisy.", "",
        markdown_table(rows), "",
        "Where the time goes: mean ms per `get_objects` call in each pipeline stage (from the response trace).", "",
        stage_table(rows), ""])


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    splits = split_users(read_ratings())
    users = [s for s in splits if s.relevant]
    notes = [f"{len(splits)} users with ≥ {MIN_RATINGS} ratings; {len(splits) - len(users)} skipped "
             f"(no held-out rating ≥ {RELEVANT_RATING:g}); {len(users)} evaluated"]
    if args.users is not None and args.users < len(users):
        pick = np.random.default_rng(args.seed).choice(len(users), args.users, replace=False)
        users = [users[i] for i in sorted(pick)]
        notes.append(f"subsample: {len(users)} users (seed {args.seed})")
    notes.append(describe(users, args.recent))
    limit, blas_note = blas_threads(args.blas_threads)
    notes.append(blas_note)
    print("\n".join(notes), flush=True)
    agent, load = load_agent(splits)
    notes.append(f"bulk load: {load['interactions']:,} training interactions via add_interactions in batches of "
                 f"{BATCH:,}: {load['add_s']:.1f} s = {load['interactions'] / load['add_s']:,.0f} interactions/s "
                 f"(+ {load['build_s']:.1f} s building the PersonaInteraction objects; "
                 f"sample install {load['install_s']:.1f} s)")
    print(notes[-1], flush=True)
    catalog = [item.uuid for item in agent.store.iter_items(agent.collection)]
    rows = [popularity_row(splits, users, catalog), random_row(users, catalog, args.seed)]
    started = time.perf_counter()
    with limit:
        for strategy, decay, recent, popularity in grid(args):
            rows.append(engine_row(agent, users, strategy, decay, recent, popularity))
            print(" | ".join(rows[-1].cells()), flush=True)
    notes.append(f"ranking: {time.perf_counter() - started:.0f} s for {len(grid(args))} configurations")
    print("\n" + markdown_table(rows) + "\n\n" + stage_table(rows))
    out = args.out or (RESULTS if is_full_protocol(args) else None)
    if out is None:
        print("\n(not written: not the full protocol; pass --out PATH to save)")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report(rows, notes), encoding="utf-8")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
