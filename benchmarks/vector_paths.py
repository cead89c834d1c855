"""The vector stage's special paths, measured through ``core.eval`` (issue 10, "Fix the defects").

    python -m benchmarks.vector_paths [--catalog movies|books] [--users 200] [--variants NAME=V,...]
                                      [--validation [--validation-fraction 0.2]] [--skip decay cold]

Protocol: the shipped sample's log, split per user by :func:`core.split_source` (movies: temporal
80/20, users with >= 10 ratings; books: random 80/20, seed 0, users with >= 20 ratings), held-out
ratings >= 4 relevant, the first ``--users`` test users (sorted ids), NDCG/Recall@10 with 95 %
bootstrap intervals (:class:`core.Evaluation`). Every list excludes the user's training items.

1. **Decay with ``now`` at the wall clock** (movies only: books has no timestamps): each strategy at
   decay_rate 0.1 and 1, ranked at the user's last training rating (the evaluation's own ``now``)
   and at the wall clock (``now`` left out, as a script calling ``get_objects`` does), which makes
   a 2000-2018 history 7-25 years old.
2. **Cold start with persona properties**: every user gets ``favourite`` = its two most frequent
   ``genres`` (movies) / ``shelves`` (books; shelves on more than a quarter of the catalog, such as
   ``to-read``, are skipped) among its training likes (rating >= 4). Runs: an empty persona (no
   properties, no interactions: the most-liked list), a properties-only persona (the favourites,
   no interactions), and the user's real history with and without the properties.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Hashable
from typing import Any

from core import (EmbeddedStore, EngineConfig, Evaluation, Persona, PersonalizationAgent, RunResult, install_sample,
                  sample_source, split_source)
from core.eval.runner import persona_of   # the evaluation's own persona ids

PROTOCOL = {"movies": dict(protocol="temporal", min_interactions=10, favourite="genres"),
            "books": dict(protocol="random", min_interactions=20, favourite="shelves")}
GENERIC_SHARE = 0.25
"""Values on more than this share of the catalog's items say nothing about a user (books' ``to-read``)."""


def favourites(evaluation: Evaluation, prop: str, bar: float, top: int = 2) -> dict[Hashable, dict[str, Any]]:
    """``{user: {"favourite": [the top values of prop among the user's training likes]}}``."""
    items = {item.uuid: item.properties.get(prop) or [] for item in evaluation.store.iter_items(evaluation.collection)}
    on = Counter(v for values in items.values() for v in set(values))
    generic = {v for v, n in on.items() if n > GENERIC_SHARE * len(items)}
    out = {}
    for user, rows in evaluation.split.train.items():
        counts = Counter(v for r in rows if r.value >= bar for v in items.get(r.item, []) if v not in generic)
        best = sorted(counts.items(), key=lambda vn: (-vn[1], vn[0]))[:top]
        if best:
            out[user] = {"favourite": [v for v, _ in best]}
    return out


def cold_run(evaluation: Evaluation, name: str, properties: dict[Hashable, dict[str, Any]] | None,
             **config: float) -> RunResult:
    """Each user as a persona without interactions (``properties`` or none), its training items excluded;
    ``config``: pipeline settings to change (e.g. ``cold_start_bm25_weight=0``)."""
    agent = evaluation.agent()
    if config:
        agent = PersonalizationAgent(store=agent.store, reference_collection=evaluation.collection,
                                     config=agent.config.validated_copy(**config))
    for user in evaluation.users:
        agent.add_persona(Persona(persona_id=cold_id(name, user), properties=(properties or {}).get(user, {})))

    def rank(user: Hashable) -> list:
        seen = [r.item for r in evaluation.split.train[user]]
        response = agent.get_objects(cold_id(name, user), limit=evaluation.k, exclude_items=seen,
                                     use_agent_ranking=False, explain_results=False)
        return [o.uuid for o in response.objects]
    return evaluation.run(name, {"cold": True, "properties": properties is not None, **config}, rank)


def parse_variant(text: str) -> dict[str, float]:
    """``"a=1,b=0.5"`` -> ``{"a": 1.0, "b": 0.5}``."""
    return {k.strip(): float(v) for k, v in (part.split("=") for part in text.split(","))}


def cold_id(name: str, user: Hashable) -> str:
    return f"cold {name} {user}"


def wall_clock_run(evaluation: Evaluation, config: EngineConfig) -> RunResult:
    """``config`` with ``now`` left at the wall clock."""
    agent = evaluation.agent(config)

    def rank(user: Hashable) -> list:
        response = agent.get_objects(persona_of(user), limit=evaluation.k,
                                     exclude_interacted_items=True, use_agent_ranking=False, explain_results=False,
                                     decay_rate=config.decay_rate, strategy=config.strategy,
                                     recent_interactions_count=config.recent_interactions_count)
        return [o.uuid for o in response.objects]
    return evaluation.run(f"{config.label} · now = wall clock", {"now": "wall clock"}, rank)


def line(run: RunResult, first: RunResult | None) -> str:
    n, r = run.estimate("ndcg"), run.estimate("recall")
    d = first.versus(run) if first is not None and first is not run else None
    diff = f"{d.mean:+.4f} [{d.low:+.4f}, {d.high:+.4f}]" if d else "–"
    return f"{run.name:<58} {n}  {r.mean:.4f}  {diff:>26}  {run.seconds:6.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", choices=sorted(PROTOCOL), default="movies")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--variants", nargs="*", default=[], metavar="NAME=V[,NAME=V]",
                        help="also run properties-only personas with these pipeline settings "
                             "(e.g. cold_start_bm25_weight=0,property_weight=0.05)")
    parser.add_argument("--validation", action="store_true",
                        help="judge on a validation part (the last --validation-fraction of each user's training "
                             "ratings; random split: a seeded sample), not test: what settings are chosen on")
    parser.add_argument("--validation-fraction", type=float, default=0.1, metavar="F",
                        help="with --validation: the share of each user's training ratings held out (default 0.1)")
    parser.add_argument("--skip", choices=["decay", "cold", "history"], nargs="*", default=[],
                        help="leave out the decay runs, the cold-start runs, or the runs with a real history")
    args = parser.parse_args(argv)
    setup = PROTOCOL[args.catalog]
    store = EmbeddedStore(":memory:")
    collection = install_sample(store, args.catalog).name
    source = sample_source(args.catalog)
    split = split_source(source, setup["protocol"], test_fraction=0.2, min_interactions=setup["min_interactions"],
                         min_rating=4, seed=0, validation_fraction=args.validation_fraction if args.validation else 0.0)
    part = "validation" if args.validation else "test"
    held = split.validation if args.validation else split.test
    users = sorted(u for u in held if held[u])[:args.users]
    probe = Evaluation(split, store, collection, users=users, part=part)
    props = favourites(probe, setup["favourite"], source.weight_of(4) - 1e-9)
    evaluation = Evaluation(split, store, collection, users=users, properties=props, part=part)
    print(f"{args.catalog}: {setup['protocol']} split ({part}), {len(evaluation.users)} users, k=10; favourites for "
          f"{sum(u in props for u in evaluation.users)} of them (e.g. {props[evaluation.users[0]]})")
    print(f"{'run':<58} NDCG@10 [95% CI]         Recall  {'NDCG vs first [95% CI]':>26}  seconds")
    runs: list[RunResult] = []
    if "cold" not in args.skip:
        runs += [cold_run(evaluation, "empty persona (most liked)", None),
                 cold_run(evaluation, "properties only", props)]
        runs += [cold_run(evaluation, f"properties only · {v}", props, **parse_variant(v)) for v in args.variants]
    if "history" not in args.skip:
        runs += [evaluation.engine(EngineConfig()), evaluation.engine(EngineConfig(property_weight=0.0))]
        runs[-2].name, runs[-1].name = "history + properties (default)", "history, no properties"
    if "decay" not in args.skip and args.catalog == "movies":
        for strategy in ("centroid", "knn", "multi_interest"):
            for decay in (0.1, 1.0):
                config = EngineConfig(strategy=strategy, decay_rate=decay, property_weight=0.0)
                runs += [evaluation.engine(config), wall_clock_run(evaluation, config)]
    for run in runs:
        print(line(run, runs[0]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
