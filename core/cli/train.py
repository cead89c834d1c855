"""``python -m core train``: (re)train a collection's behaviour model, optionally tuning its blend first.

    python -m core train                       # train on every persona's interactions (the store's only agent)
    python -m core train --tune                # tune the blend on a validation split, then train with the choice
    python -m core --workspace room-1 train -c Movies --dims 512 --l2 100
    python -m core train --status              # only say whether the model is there and up to date

Training reads every stored interaction of the collection (personas, imported logs, a sample's
community). ``--tune`` splits them per user (temporal when timed, else random), tries the blend
grid (``core.WEIGHT_GRID``) and model settings (``core.MODEL_GRID``) on the validation part of up to
``--users`` users, prints the best points and stores the model trained on everything with the
chosen weights.
"""

from __future__ import annotations

import argparse

from core import BlendTuning, InvalidInputError, behaviour_status, train_behaviour, tune_behaviour
from core.cli.context import collection_of, finite_float
from core.learn.train import DEFAULT_DIMS, DEFAULT_L2
from core.cli.format import Output, table


def add_command(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("train", parents=[common], help="train the behaviour model (learned item vectors)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(handler=cmd_train, needs_store=True)
    p.add_argument("-c", "--collection", help="agent collection (default: the store's only one)")
    p.add_argument("--tune", action="store_true", help="tune the blend weights on a validation split first")
    p.add_argument("--dims", type=int, help=f"dimensions of the learned vectors (default: the model's, else {DEFAULT_DIMS})")
    p.add_argument("--l2", type=finite_float, help=f"regularisation of the model (default: the model's, else {DEFAULT_L2:g})")
    p.add_argument("--users", type=int, default=1000, help="--tune: validation users to tune on")
    p.add_argument("--status", action="store_true", help="only show the model's status")


def cmd_train(store, args: argparse.Namespace) -> Output:
    collection = collection_of(store, args)
    store.get_collection(collection)
    if args.tune and (args.dims or args.l2):
        raise InvalidInputError("--tune chooses dims and l2 itself; give either --tune or --dims/--l2")
    tuning = None
    if args.tune:
        tuning = tune_behaviour(store, collection, users=args.users)
    elif not args.status:
        train_behaviour(store, collection, dims=args.dims, l2=args.l2)
    status = behaviour_status(store, collection)
    data = {"collection": collection, "trained": status.trained, "stale": status.stale,
            "interactions": status.interactions, "model": dict(status.meta)}
    text = f"{collection}: {status.summary}"
    if tuning is not None:
        data["tuning"] = tuning.record()
        text += "\n" + _tuning_text(tuning)
    return Output(data, text)


def _tuning_text(tuning: BlendTuning) -> str:
    ranked = sorted(tuning.points, key=lambda p: -p[2].estimate(tuning.metric).mean)
    rows = [[f"dims {m.get('dims')} l2 {m.get('l2')}", w.label(), str(r.estimate(tuning.metric))] for m, w, r in ranked[:8]]
    record = tuning.record()
    head = (f"tuned on {record['users']} validation users, {record['points']} points in {record['seconds']:.0f} s; "
            f"chosen {tuning.best.label()} (validation {tuning.metric} {record['validation']:.4f}, the default "
            f"weights {record['default_validation']}; get_objects reproduced {record['engine_validation']})")
    return head + "\n" + table(["model", "blend", f"{tuning.metric} [95% CI]"], rows)
