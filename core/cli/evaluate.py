"""``python -m core evaluate``: the engine's settings and the baselines on an interaction log.

    python -m core evaluate movies --strategies centroid knn --baselines random most_popular item_knn ease als bpr
    python -m core --json evaluate books --split random --users 500
    python -m core evaluate movies --sweep decay_rate=0,0.1,0.5 --sweep strategy=centroid,knn --validation-fraction 0.2
    python -m core --workspace room-1 evaluate Movies --source personas --split random
    python -m core evaluate movies --log ratings.csv --rating-scale 1:5
    python -m core evaluate movies --users 200 --agent llm --agent-users 5 --max-llm-calls 10 --yes

What is evaluated: a shipped sample's catalog (in memory) or, with ``--workspace``/``--db`` or
``--source personas``, a collection of that store. Where the interactions come from: the sample's
own log (``--source sample``, the default for a sample), the collection's stored personas
(``--source personas``), or a file (``--log FILE``, read like ``import-interactions``). They are
split per user (``--split``); every configuration and baseline ranks the same test users, and the
table gives NDCG@k, Recall@k, HitRate@k and MRR@k with 95 % bootstrap intervals, the time each took,
and the paired NDCG difference of each run against the first. ``--sweep`` tunes the grid on a
validation part (``--validation-fraction`` / ``--validation-last``) and reports the chosen point
and the first configuration on test. ``--json`` prints the full record (split, seed, configs,
versions) for reproducing the run. ``--agent local|llm`` adds agent ranking, by the local agent or
by an LLM whose cost is estimated and confirmed first (:mod:`core.cli.evaluate_agent`).
"""

from __future__ import annotations

import argparse
from typing import Any

from core import (BASELINES, PROTOCOLS, STRATEGIES, SWEEPABLE, EmbeddedStore, EngineConfig, Evaluation, InvalidInputError,
                  NotFoundError, beyond_accuracy, convert_log, evaluation_report, install_sample, list_samples, log_source,
                  open_store, parse_scalar, read_interaction_log, sample_source, split_source, store_source, sweep,
                  tune_blend, tuned_behaviour)
from core.cli import evaluate_agent
from core.cli import workspaces as cli_workspaces
from core.cli.context import add_log_mapping, finite_float, log_mapping
from core.cli.format import Output, table


def add_command(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("evaluate", parents=[common], help="offline evaluation of the engine and baselines on an "
                       "interaction log", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(handler=cmd_evaluate, needs_store=False)
    p.add_argument("catalog", help="a shipped sample (movies, books, ...) or a collection of the store")
    p.add_argument("--source", choices=("sample", "personas"), help="the sample's log (default for a sample) or the "
                   "collection's stored personas (default otherwise)")
    p.add_argument("--log", metavar="FILE", help="evaluate on this interaction file instead (csv, tsv, json, parquet)")
    add_log_mapping(p)
    p.add_argument("--format", help="--log file format when the name does not tell")
    p.add_argument("--split", choices=PROTOCOLS, default="temporal")
    p.add_argument("--test-fraction", type=finite_float, default=0.2, help="temporal/random: share held out per user")
    p.add_argument("--validation-fraction", type=finite_float, default=0.0, help="temporal/random: share of the rest held "
                   "out for validation (needed by --sweep)")
    p.add_argument("--last", type=int, default=1, help="leave_last_k: interactions held out per user")
    p.add_argument("--validation-last", type=int, default=0, help="leave_last_k: interactions before them for validation")
    p.add_argument("--min-interactions", type=int, default=5, help="users with fewer are left out")
    p.add_argument("--seed", type=int, default=0, help="random split and bootstrap seed")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--users", type=int, help="evaluate the first N test users only")
    p.add_argument("--strategies", nargs="+", choices=("auto", *STRATEGIES), default=["auto"],
                   help="auto (the engine's default): blend with a behaviour model trained on the training rows")
    p.add_argument("--tune-blend", action="store_true", help="tune the blend weights and behaviour model on the "
                   "validation part first (needs --validation-fraction); the engine runs then use the choice")
    p.add_argument("--decay-rates", nargs="+", type=finite_float, default=[0.1])
    p.add_argument("--popularity", nargs="+", type=finite_float, default=None, metavar="W",
                   help="popularity_weight values (default: the engine's)")
    p.add_argument("--no-properties", action="store_true", help="also run each configuration with persona "
                   "properties off (property_weight 0)")
    p.add_argument("--agent-ranking", action="store_true", help="also run each configuration reranked by the local agent")
    p.add_argument("--relevant-rating", type=finite_float, help="a held-out rating at least this high is relevant (on the "
                   "sample's scale; a weight for personas or a file; default: a positive weight)")
    p.add_argument("--sweep", action="append", default=[], metavar="PARAM=V1,V2", help="tune PARAM over the values "
                   f"on validation (repeat for a grid); parameters: {', '.join(SWEEPABLE)}")
    p.add_argument("--metric", default="ndcg", help="what --sweep maximizes (ndcg, recall, hit_rate, mrr)")
    p.add_argument("--baselines", nargs="*", choices=list(BASELINES), default=["random", "most_popular", "item_knn"])
    p.add_argument("--baseline-option", action="append", default=[], metavar="NAME.PARAM=VALUE",
                   help="a baseline's setting, e.g. als.alpha=40 or ease.l2=200 (repeatable)")
    evaluate_agent.add_arguments(p)


def _catalog(args: argparse.Namespace):
    """``(store, collection, sample or None)``: a sample in memory, or a collection of the chosen store."""
    samples = {s.name: s for s in list_samples()}
    uses_store = args.workspace or args.source == "personas" or args.catalog not in samples or \
        (not samples[args.catalog].interactions and not args.log)
    if not uses_store:
        store = EmbeddedStore(":memory:")
        return store, install_sample(store, args.catalog).name, args.catalog
    store = cli_workspaces.open_store(args) if args.workspace else open_store(args.db)
    names = store.list_collections()
    match = next((n for n in names if n == args.catalog), None) or \
        next((n for n in names if n.lower() == args.catalog.lower()), None)
    if match is None:
        store.close()
        raise NotFoundError(f"no collection {args.catalog!r} in the store; collections: {names or 'none'} "
                            f"(shipped samples: {', '.join(samples)})")
    sample = next((s.name for s in samples.values() if s.interactions and
                   (s.name.lower() == match.lower() or s.collection == match)), None)
    return store, match, sample


def _source(args: argparse.Namespace, store, collection: str, sample: str | None):
    if args.log:
        log = read_interaction_log(args.log, format=args.format)
        return log_source(convert_log(log, log_mapping(log, args)), args.log)
    if args.source == "personas" or (args.source is None and sample is None):
        return store_source(store, collection)
    if sample is None:
        raise InvalidInputError(f"{collection} has no shipped log; use --source personas or --log FILE")
    return sample_source(sample)


def parse_sweep(items: list[str]) -> dict[str, list[Any]]:
    """``["decay_rate=0,0.1", "strategy=knn"]`` -> ``{"decay_rate": [0.0, 0.1], "strategy": ["knn"]}``."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not values.strip():
            raise InvalidInputError(f"--sweep {item!r}: write PARAM=V1,V2 (e.g. decay_rate=0,0.1,0.5)")
        grid[name.strip()] = [parse_scalar(v.strip()) for v in values.split(",") if v.strip()]
    return grid


def parse_baseline_options(items: list[str], chosen: list[str]) -> dict[str, dict[str, Any]]:
    """``["als.alpha=40"]`` -> ``{"als": {"alpha": 40}}`` (each baseline checks its own settings)."""
    options: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        name, dot, param = key.strip().partition(".")
        if not sep or not dot or not param or not value.strip():
            raise InvalidInputError(f"--baseline-option {item!r}: write NAME.PARAM=VALUE (e.g. als.alpha=40)")
        if name not in chosen:
            raise InvalidInputError(f"--baseline-option {item!r}: {name!r} is not among the chosen baselines "
                                    f"({', '.join(chosen) or 'none'})")
        options.setdefault(name, {})[param] = parse_scalar(value.strip())
    return options


def _configs(args: argparse.Namespace) -> list[EngineConfig]:
    configs = [EngineConfig(strategy=s, decay_rate=d, popularity_weight=p) for s in args.strategies
               for d in args.decay_rates for p in (args.popularity or [None])]
    configs += [EngineConfig(**{**vars(c), "property_weight": 0.0}) for c in configs] if args.no_properties else []
    agent = args.agent_ranking or args.agent == "local"
    configs += [EngineConfig(**{**vars(c), "use_agent_ranking": True}) for c in configs] if agent else []
    return configs


def cmd_evaluate(_, args: argparse.Namespace) -> Output:
    store, collection, sample = _catalog(args)
    try:
        return _evaluate(args, store, collection, sample)
    finally:
        store.close()


def _evaluate(args: argparse.Namespace, store, collection: str, sample: str | None) -> Output:
    grid = parse_sweep(args.sweep)
    source = _source(args, store, collection, sample)
    split = split_source(source, args.split, test_fraction=args.test_fraction,
                         validation_fraction=args.validation_fraction, last=args.last,
                         validation_last=args.validation_last, seed=args.seed, min_rating=args.relevant_rating,
                         min_interactions=args.min_interactions)
    users = [u for u in split.test if split.test[u]]
    try:
        users.sort()
    except TypeError:  # IDs of mixed types
        users.sort(key=str)
    users = users[:args.users] if args.users else users
    behaviour, tuning = _tuned(args, split, store, collection)
    evaluation = Evaluation(split, store, collection, k=args.k, users=users, properties=source.properties,
                            behaviour=behaviour)
    configs = _configs(args)
    llm_plan = evaluate_agent.plan(args, evaluation, configs[0])
    if isinstance(llm_plan, Output):  # an LLM run that was not confirmed: nothing ran
        return llm_plan
    options = parse_baseline_options(args.baseline_option, args.baselines)
    baselines = [evaluation.baseline(name, **options.get(name, {})) for name in args.baselines]  # a missing extra fails fast
    extra: dict[str, Any] = {"source": source.summary()}
    if tuning is not None:
        extra["blend_tuning"] = tuning.record()
    if args.sweep:
        tuned = sweep(split, store, collection, grid, base=configs[0], metric=args.metric,
                      k=args.k, users=users)
        runs = [tuned.default, tuned.test] if tuned.test is not tuned.default else [tuned.test]
        runs += [evaluation.engine(c) for c in configs[1:]]
        extra["sweep"] = tuned.summary()
    else:
        runs = [evaluation.engine(c) for c in configs]
    runs += baselines
    agent_runs = evaluate_agent.run(llm_plan, evaluation, configs[0])
    llm_data, llm_lines = evaluate_agent.report(llm_plan, agent_runs, args.k)
    extra.update({"llm": llm_data} if args.agent == "llm" else {})
    data = evaluation_report(evaluation, runs + agent_runs, seed=args.seed, extra=extra)
    if evaluation.training_seconds is not None:
        extra["behaviour_training_seconds"] = round(evaluation.training_seconds, 2)
    text = _text(args, evaluation, runs + agent_runs, extra.get("sweep"), source.description)
    text = (_tuning_line(tuning) if tuning is not None else "") + text
    return Output(data, text + "".join(f"\n{line}" for line in llm_lines))


def _tuned(args, split, store, collection: str) -> tuple[dict | None, Any]:
    """With ``--tune-blend``: the blend tuned on validation (never test) as the evaluation's behaviour setup."""
    if not args.tune_blend:
        return None, None
    users = sorted((u for u, held in split.validation.items() if held), key=str)[:args.users or None]
    tuning = tune_blend(split, store, collection, users=users, k=args.k, metric=args.metric)
    return tuned_behaviour(tuning), tuning


def _tuning_line(tuning) -> str:
    r = tuning.record()
    return (f"blend tuned on {r['users']} validation users ({r['points']} points, {r['seconds']:.0f} s): dims "
            f"{r['model'].get('dims')}, l2 {r['model'].get('l2')}, {tuning.best.label()}; validation {r['metric']} "
            f"{r['validation']:.4f} (default weights {r['default_validation']}, get_objects {r['engine_validation']})\n")


def _text(args, evaluation: Evaluation, runs, tuned: dict | None, description: str) -> str:
    first, k, body = runs[0], args.k, []
    for run in runs:
        est = {m: run.estimate(m) for m in ("ndcg", "recall", "hit_rate", "mrr")}
        diff = first.versus(run) if run is not first else None
        more = beyond_accuracy(evaluation, run)
        body.append([run.name, str(est["ndcg"]), f"{est['recall'].mean:.4f}", f"{est['hit_rate'].mean:.4f}",
                     f"{est['mrr'].mean:.4f}", "–" if diff is None else f"{diff.mean:+.4f} [{diff.low:+.4f}, {diff.high:+.4f}]",
                     f"{more['coverage']:.3f}", f"{more['novelty']:.2f}", f"{run.seconds:.1f}"])
    head = (f"{evaluation.collection} on {description}: {evaluation.split.protocol['split']} split, "
            f"{len(evaluation.users)} test users, k={k}\n")
    if tuned:
        best = ", ".join(f"{n}={tuned['best'][n]}" for n in tuned["grid"])
        head += (f"sweep of {', '.join(tuned['grid'])} on validation ({len(tuned['validation'])} points): best "
                 f"{best} (validation {args.metric} {max(r[args.metric]['mean'] or 0 for r in tuned['validation']):.4f})\n")
    return head + table(["run", f"NDCG@{k} [95% CI]", f"Recall@{k}", f"HitRate@{k}", f"MRR@{k}",
                         "NDCG vs first [95% CI]", "coverage", "novelty", "seconds"], body)
