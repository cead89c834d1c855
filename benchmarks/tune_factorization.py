"""Choose the ALS and BPR defaults (``core.eval.factorization``) on a validation split, not the test split.

    python -m benchmarks.tune_factorization [--models als bpr] [--grids 0 1]
    python -m benchmarks.tune_factorization --sample books --split random --users 1000

The README's movies protocol (a held-out rating >= 4 relevant) with each user's latest 20 % held
out for test and, of the rest, the latest 20 % for validation. Every model is fitted on the
remaining training rows and scored on the validation items only; the test items are never read.
Prints NDCG@10 with its 95 % bootstrap interval and the fit-and-rank seconds of each setting, and
most popular and EASE on the same validation split for reference. The books grids only check
whether the movies defaults carry over to a log of many users with few likes each.
"""

from __future__ import annotations

import argparse
import itertools

from core import EmbeddedStore, Evaluation, install_sample, sample_source, split_source

MOVIES = {  # each model's grids, in the order they were run (the later ones refine the best region)
    "als": [{"factors": [64], "regularization": [2.5, 5.0, 10.0, 20.0], "alpha": [0.25, 0.5, 1.0, 2.0],
             "iterations": [15]}],
    "bpr": [{"factors": [64], "learning_rate": [0.01, 0.05, 0.1], "regularization": [0.001, 0.01],
             "iterations": [100, 300]},
            {"factors": [64], "learning_rate": [0.005, 0.01, 0.02], "regularization": [0.01, 0.05, 0.1],
             "iterations": [50, 100]},
            {"factors": [64], "learning_rate": [0.0025, 0.005], "regularization": [0.01], "iterations": [100, 200, 400]}],
}
BOOKS = {  # do the movies defaults transfer? (books: 53,424 users with ~12 likes each, movies 610 with ~100)
    "als": [{"factors": [64], "regularization": [0.1, 1.0, 10.0], "alpha": [1.0, 10.0, 40.0], "iterations": [15]}],
    "bpr": [{"factors": [64], "learning_rate": [0.005, 0.05], "regularization": [0.01], "iterations": [100]}],
}
GRIDS = {"movies": MOVIES, "books": BOOKS}


def validation_evaluation(sample: str, relevant_rating: float, protocol: str = "temporal",
                          users: int | None = None) -> Evaluation:
    """The sample's log split 60/20/20 per user (by time, or seeded at random), judged on the validation
    part, over the first ``users`` validation users (all by default)."""
    split = split_source(sample_source(sample), protocol, test_fraction=0.2, validation_fraction=0.2,
                         min_rating=relevant_rating)
    store = EmbeddedStore(":memory:")
    spec = install_sample(store, sample)
    scored = sorted(u for u in split.validation if split.validation[u])
    return Evaluation(split, store, spec.name, users=scored[:users] if users else scored, part="validation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", choices=list(GRIDS), default="movies")
    parser.add_argument("--relevant-rating", type=float, default=4.0)
    parser.add_argument("--split", choices=("temporal", "random"), default="temporal",
                        help="random (seed 0) for a log without timestamps (books)")
    parser.add_argument("--users", type=int, help="score the first N validation users only")
    parser.add_argument("--models", nargs="+", choices=list(MOVIES), default=list(MOVIES))
    parser.add_argument("--grids", nargs="+", type=int, help="only these grids of each model (0-based)")
    parser.add_argument("--no-reference", action="store_true", help="skip the most-popular and EASE reference rows")
    args = parser.parse_args()
    evaluation = validation_evaluation(args.sample, args.relevant_rating, args.split, args.users)
    print(f"{args.sample}: {len(evaluation.users)} validation users")
    for name in [] if args.no_reference else ["most_popular", "ease"]:
        run = evaluation.baseline(name)
        print(f"| {run.name} | {run.estimate('ndcg')} | {run.seconds:.1f} s |", flush=True)
    for model in args.models:
        for n, grid in enumerate(GRIDS[args.sample][model]):
            if args.grids is None or n in args.grids:
                run_grid(evaluation, model, grid)


def run_grid(evaluation: Evaluation, model: str, grid: dict[str, list]) -> None:
    """Every setting of ``grid``, one table row each."""
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values))
        run = evaluation.baseline(model, **params)
        shown = ", ".join(f"{k} {v:g}" for k, v in params.items())
        print(f"| {model.upper()} {shown} | {run.estimate('ndcg')} | {run.seconds:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
