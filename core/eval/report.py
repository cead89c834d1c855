"""An evaluation as a JSON-able record: enough to reproduce the run and to read its results.

:func:`evaluation_report` records the split's protocol (source, fractions, seed, relevance), ``k``,
the users evaluated, every run's configuration, estimates with intervals and time, each run's paired
NDCG difference against the first, and the versions of Python and the libraries that computed it.
NaN (a metric with no users) becomes ``null`` so the record is strict JSON.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

import numpy as np

from core.eval.metrics import coverage, novelty
from core.eval.runner import Evaluation, RunResult

LIBRARIES = ("numpy", "scipy", "pandas", "implicit", "openai", "sentence-transformers")


def versions() -> dict[str, str | None]:
    """Python's and each library's installed version (None: not installed)."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def strict(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None (recursively), for strict JSON."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    return value


def evaluation_report(evaluation: Evaluation, runs: Sequence[RunResult], *, seed: int | None = None,
                      extra: dict[str, Any] | None = None, metric: str = "ndcg") -> dict[str, Any]:
    """The record of ``runs`` on ``evaluation`` (``extra``: e.g. the source or a sweep's summary)."""
    first = runs[0] if runs else None
    return strict({
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "collection": evaluation.collection, "protocol": evaluation.split.protocol, "part": evaluation.part,
        "k": evaluation.k, "users": len(evaluation.users), "seed": seed,
        "training_interactions_not_in_catalog": evaluation.unknown_items,
        "runs": [{**run.summary(), f"{metric}_vs_first": vars(first.versus(run, metric)),
                  **beyond_accuracy(evaluation, run)} for run in runs],
        "versions": versions(), **(extra or {})})


def beyond_accuracy(evaluation: Evaluation, run: RunResult) -> dict[str, float]:
    """``coverage`` (share of the catalog in some top-k list) and ``novelty`` (mean self-information of the
    listed items by their training popularity: lower means a bias towards popular items) of ``run``."""
    counts: dict[Any, int] = {}
    for rows in evaluation.split.train.values():
        for item in {r.item for r in rows if r.value > 0}:
            counts[item] = counts.get(item, 0) + 1
    lists = list(run.lists.values())
    return {"coverage": coverage(lists, max(1, len(evaluation.catalog)), evaluation.k),
            "novelty": float(np.nanmean([novelty(r, counts, len(evaluation.split.train), evaluation.k)
                                         for r in lists])) if lists else math.nan}
