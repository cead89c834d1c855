"""``python -m core evaluate``: the engine's settings and the baselines on a sample's real log.

    python -m core evaluate movies --strategies centroid knn --baselines random most_popular item_knn ease
    python -m core --json evaluate books --split leave_last_k --k 10 --users 500
    python -m core evaluate movies --users 200 --agent llm --agent-users 5 --max-llm-calls 10 --yes

The sample's ratings are mapped linearly onto weights in [-1, 1] over the log's own scale (a
held-out item is relevant when its weight is positive), split per user (:mod:`core.eval.splits`),
and every configuration and baseline ranks the same test users (:mod:`core.eval.runner`). The
table gives NDCG@k, Recall@k, HitRate@k and MRR@k with 95 % bootstrap intervals, the time each
took, and the paired NDCG difference of each run against the first engine configuration.
``--agent`` adds agent ranking, by the local agent or an LLM (its cost estimated and confirmed
first): see :mod:`core.cli.evaluate_agent`.
"""

from __future__ import annotations

import argparse
import platform
from typing import Any

import numpy as np

import scipy

from core import EmbeddedStore, install_sample, load_sample_interactions
from core.cli import evaluate_agent
from core.cli.format import Output, table
from core.eval.baselines import BASELINES
from core.eval.runner import EngineConfig, Evaluation
from core.eval.splits import LogRow, leave_last_k, random_split, temporal_split
from core.retrieval.strategies import STRATEGIES

SPLITS = ("temporal", "leave_last_k", "random")


def add_command(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("evaluate", parents=[common], help="offline evaluation of the engine and baselines on a "
                       "sample's interaction log", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(handler=cmd_evaluate, needs_store=False)
    p.add_argument("sample", help="a sample with an interaction log (movies, books)")
    p.add_argument("--split", choices=SPLITS, default="temporal")
    p.add_argument("--test-fraction", type=float, default=0.2, help="temporal/random: share held out per user")
    p.add_argument("--last", type=int, default=1, help="leave_last_k: interactions held out per user")
    p.add_argument("--seed", type=int, default=0, help="random split and bootstrap seed")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--users", type=int, help="evaluate the first N test users only")
    p.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=["centroid"])
    p.add_argument("--decay-rates", nargs="+", type=float, default=[0.1])
    p.add_argument("--popularity", nargs="+", type=float, default=None, metavar="W",
                   help="popularity_weight values (default: the engine's)")
    p.add_argument("--relevant-rating", type=float, help="a held-out rating at least this high is relevant "
                   "(default: above the log's scale midpoint, i.e. a positive weight)")
    p.add_argument("--baselines", nargs="*", choices=list(BASELINES), default=["random", "most_popular", "item_knn"])
    evaluate_agent.add_arguments(p)


def _rows(sample: str) -> tuple[list[LogRow], float, float]:
    """The sample's log as rows with weights in [-1, 1], and the scale's midpoint and half-width."""
    log = load_sample_interactions(sample)
    low, high = float(log.rating.min()), float(log.rating.max())
    mid, half = (low + high) / 2, max((high - low) / 2, 1e-9)
    rows = [LogRow(u, i, (r - mid) / half, None if np.isnan(t) else float(t))
            for u, i, r, t in zip(log.user.tolist(), log.item_uuid.tolist(), log.rating.tolist(), log.timestamp.tolist())]
    return rows, mid, half


def _split(args: argparse.Namespace, rows: list[LogRow], mid: float, half: float):
    bar = -1e-12 if args.relevant_rating is None else (args.relevant_rating - mid) / half - 1e-12
    relevant = (lambda r: r.value > 0) if args.relevant_rating is None else (lambda r: r.value >= bar)
    if args.split == "temporal":
        return temporal_split(rows, test_fraction=args.test_fraction, relevant=relevant)
    if args.split == "leave_last_k":
        return leave_last_k(rows, k=args.last, relevant=relevant)
    return random_split(rows, test_fraction=args.test_fraction, seed=args.seed, relevant=relevant)


def cmd_evaluate(_, args: argparse.Namespace) -> Output:
    store = EmbeddedStore(":memory:")
    spec = install_sample(store, args.sample)
    split = _split(args, *_rows(args.sample))
    split.protocol["relevant_rating"] = args.relevant_rating
    users = sorted(u for u in split.test if split.test[u])
    evaluation = Evaluation(split, store, spec.name, k=args.k, users=users[:args.users] if args.users else users)
    configs = [EngineConfig(strategy=s, decay_rate=d, popularity_weight=p, use_agent_ranking=args.agent == "local")
               for s in args.strategies for d in args.decay_rates for p in (args.popularity or [None])]
    llm_plan = evaluate_agent.plan(args, evaluation, configs[0])
    if isinstance(llm_plan, Output):  # an LLM run that was not confirmed: nothing ran
        return llm_plan
    runs = [evaluation.engine(config) for config in configs]
    runs += [evaluation.baseline(name) for name in args.baselines]
    agent_runs = evaluate_agent.run(llm_plan, evaluation, configs[0])
    runs += agent_runs
    llm_data, llm_lines = evaluate_agent.report(llm_plan, agent_runs, args.k)
    first = runs[0]
    data: dict[str, Any] = {
        "sample": args.sample, "protocol": split.protocol, "k": args.k, "users": len(evaluation.users),
        "seed": args.seed, "versions": {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__},
        "runs": [{**run.summary(), "ndcg_vs_first": vars(first.versus(run))} for run in runs],
        **({"llm": llm_data} if args.agent == "llm" else {})}
    body = []
    for run in runs:
        est = {m: run.estimate(m) for m in ("ndcg", "recall", "hit_rate", "mrr")}
        diff = first.versus(run) if run is not first else None
        body.append([run.name, str(est["ndcg"]), f"{est['recall'].mean:.4f}", f"{est['hit_rate'].mean:.4f}",
                     f"{est['mrr'].mean:.4f}", "–" if diff is None else f"{diff.mean:+.4f} [{diff.low:+.4f}, {diff.high:+.4f}]",
                     f"{run.seconds:.1f}"])
    k = args.k
    text = (f"{args.sample}: {split.protocol['split']} split, {len(evaluation.users)} test users, k={k}\n" +
            table(["run", f"NDCG@{k} [95% CI]", f"Recall@{k}", f"HitRate@{k}", f"MRR@{k}", "NDCG vs first [95% CI]",
                   "seconds"], body) + "".join(f"\n{line}" for line in llm_lines))
    return Output(data, text)
