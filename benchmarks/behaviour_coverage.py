"""Coverage and popularity bias (novelty) of the default blend against the baselines, on test.

    python -m benchmarks.behaviour_coverage [--samples movies books]

The splits and the blend settings are those of the README's tables ("Learned behaviour vectors
against EASE"): the settings validation chose (recorded in each sample's ``catalog.json``,
``behaviour``), so no tuning runs here. Prints a Markdown table of NDCG@10, coverage (share of the
catalog in some top-10 list) and novelty (mean self-information of the listed items by their
training popularity; lower = more popular items); nothing is asserted.
"""

from __future__ import annotations

import argparse

from core import BlendWeights, EmbeddedStore, Evaluation, beyond_accuracy, install_sample, sample_source, split_source
from core.io.samples import sample_info

PROTOCOLS = {"movies": dict(protocol="temporal", min_interactions=5, users=None, baselines={"ease": {}}),
             "books": dict(protocol="random", min_interactions=20, users=1000, baselines={"ease": {}})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", nargs="+", default=["movies", "books"])
    args = parser.parse_args()
    print("| sample | run | NDCG@10 | coverage | novelty |\n|---|---|---:|---:|---:|")
    for sample in args.samples:
        p = PROTOCOLS[sample]
        settings = dict(sample_info(sample).behaviour)
        behaviour = {"dims": settings["dims"], "l2": settings["l2"], "blend": BlendWeights(**settings["blend"])}
        split = split_source(sample_source(sample), p["protocol"], validation_fraction=0.2, min_rating=4,
                             min_interactions=p["min_interactions"])
        users = sorted(u for u in split.test if split.test[u])[:p["users"]]
        store = EmbeddedStore(":memory:")
        collection = install_sample(store, sample).name
        evaluation = Evaluation(split, store, collection, users=users, behaviour=behaviour)
        runs = [evaluation.engine()] + [evaluation.baseline(name, **o) for name, o in
                                        [("most_popular", {}), *p["baselines"].items()]]
        for run in runs:
            more = beyond_accuracy(evaluation, run)
            print(f"| {sample} | {run.name} | {run.estimate('ndcg').mean:.4f} | {more['coverage']:.3f} | "
                  f"{more['novelty']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
