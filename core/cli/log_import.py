"""``python -m core import-interactions``: store a log's personas and interactions, then tune the blend.

    python -m core import-interactions ratings.csv --rating-scale 1:5     # import, tune, retrain
    python -m core import-interactions ratings.csv --tune-users 200       # tune on at most 200 users
    python -m core import-interactions ratings.csv --no-tune              # import, retrain with the stored weights

The import is one atomic write (:func:`core.import_interactions`: a bad row stores nothing). After
it, :func:`core.import_and_tune` tunes the collection's blend on a validation split of its own
personas (``core.tune_behaviour``; the test part is never read) and retrains the behaviour model
with the choice; with fewer than ``core.MIN_TUNE_USERS`` personas that have a validation part, or
with ``--no-tune``, it retrains with the weights stored before (tuned earlier, else the defaults)
and says why. The imported rows stay whatever the learning does.
"""

from __future__ import annotations

import argparse

from core import MIN_TUNE_USERS, TUNE_USERS, Store, import_and_tune, read_interaction_log
from core.cli.context import Progress, agent_of, log_mapping
from core.cli.format import Output


def add_options(p: argparse.ArgumentParser) -> None:
    """The learning options of ``import-interactions`` (its file and mapping options are :mod:`core.cli.args`')."""
    p.add_argument("--no-tune", action="store_true",
                   help="do not tune the blend: only retrain the behaviour model with the stored weights")
    p.add_argument("--tune-users", type=int, default=TUNE_USERS, metavar="N",
                   help=f"validation users to tune on at most (default {TUNE_USERS:,}; fewer than "
                        f"{MIN_TUNE_USERS} with a validation part: not tuned)")


def cmd_import_interactions(store: Store, args: argparse.Namespace) -> Output:
    agent = agent_of(store, args)
    log = read_interaction_log(args.file, format=args.format)
    mapping = log_mapping(log, args)
    rows, tuning = Progress("rows"), Progress("tuning")
    try:
        result = import_and_tune(store, agent.collection, log, mapping, tune=not args.no_tune,
                                 tune_users=args.tune_users, skip_unknown_items=args.skip_unknown_items,
                                 name_property=None if args.no_names else "name", progress=rows,
                                 tune_progress=tuning)
    finally:
        rows.close()
        tuning.close()
    report, learning = result.report, result.learning
    columns = {"persona": mapping.persona_column, "item": mapping.item_column, "rating": mapping.rating_column,
               "timestamp": mapping.timestamp_column}
    data = {"collection": report.collection, "rows": report.rows, "stored": report.stored,
            "personas": report.personas, "new_personas": report.new_personas, "skipped_rows": report.skipped_rows,
            "unknown_items": list(report.unknown_items), "columns": columns, "rating": mapping.rating.describe(),
            "seconds": round(report.seconds, 3), "behaviour": learning.record()}
    lines = [", ".join(f"{k}: {v or '(none)'}" for k, v in columns.items()), f"weights: {mapping.rating.describe()}",
             f"{report.summary()} in {report.seconds:.1f} s ({report.rows / max(report.seconds, 1e-9):,.0f} rows/s)",
             learning.summary()]
    return Output(data, "\n".join(lines))
