"""Parameter sweeps, tuned on validation and reported on test.

:func:`sweep` runs every point of a grid over :class:`~core.eval.runner.EngineConfig` fields (e.g.
``{"decay_rate": [0, 0.1, 0.5], "strategy": ["centroid", "knn"]}``) on the split's *validation*
part (personas fitted on the training rows only), picks the point with the best mean ``metric``
(ties: the earlier point), then runs that point and the ``base`` configuration once each on the
*test* part (personas fitted on training plus validation rows), so the number reported was never
used to choose. ``SweepResult.gain`` is the paired test difference of the chosen point over ``base``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from core.errors import InvalidInputError
from core.eval.metrics import METRICS, Estimate
from core.eval.runner import Cancel, EngineConfig, Evaluation, Progress, RunResult
from core.eval.splits import Split
from core.store.base import Store

SWEEPABLE = tuple(f.name for f in fields(EngineConfig))
MAX_POINTS = 200


@dataclass
class SweepResult:
    """Each grid point on validation, the chosen point, and the chosen point and ``base`` on test."""

    metric: str
    grid: dict[str, list]
    validation: list[RunResult]
    points: list[EngineConfig]
    best: EngineConfig
    test: RunResult
    default: RunResult

    @property
    def gain(self) -> Estimate:
        """The chosen point minus ``base`` on test, per user (its interval says whether tuning paid)."""
        return self.default.versus(self.test, self.metric)

    def curve(self, parameter: str) -> list[tuple[Any, float]]:
        """``(value, best validation mean over the other parameters)`` for one swept parameter."""
        if parameter not in self.grid:
            raise InvalidInputError(f"{parameter!r} was not swept; swept: {', '.join(self.grid)}")
        best: dict[Any, float] = {}
        for point, run in zip(self.points, self.validation):
            value, mean = getattr(point, parameter), run.estimate(self.metric).mean
            best[value] = max(best.get(value, float("-inf")), mean)
        return [(value, best[value]) for value in self.grid[parameter]]

    def summary(self) -> dict[str, Any]:
        return {"metric": self.metric, "grid": self.grid, "best": asdict(self.best), "validation": [run.summary() for run in self.validation], "test": self.test.summary(),
                "default": self.default.summary(), "gain": vars(self.gain)}


def grid_points(grid: Mapping[str, Sequence[Any]], base: EngineConfig = EngineConfig()) -> list[EngineConfig]:
    """Every combination of ``grid``'s values applied to ``base`` (each value checked by a real config)."""
    if not grid:
        raise InvalidInputError("a sweep needs at least one parameter with values")
    unknown = sorted(set(grid) - set(SWEEPABLE))
    if unknown:
        raise InvalidInputError(f"cannot sweep {unknown}; sweepable parameters: {', '.join(SWEEPABLE)}")
    empty = [name for name, values in grid.items() if not list(values)]
    if empty:
        raise InvalidInputError(f"no values given for {', '.join(empty)}")
    count = 1
    for values in grid.values():
        count *= len(list(values))
    if count > MAX_POINTS:
        raise InvalidInputError(f"the grid has {count} points; at most {MAX_POINTS} are run in one sweep")
    names = list(grid)
    return [replace(base, **dict(zip(names, combo))) for combo in itertools.product(*(list(grid[n]) for n in names))]


def sweep(split: Split, store: Store, collection: str, grid: Mapping[str, Sequence[Any]], *,
          base: EngineConfig = EngineConfig(), metric: str = "ndcg", k: int = 10, users: Sequence | None = None,
          llm: Any = None, progress: Progress | None = None, cancel: Cancel | None = None) -> SweepResult:
    """Tune ``grid`` on ``split``'s validation part, report the chosen point and ``base`` on its test part.

    ``progress(done, total)`` counts users over all runs (the grid's points, then two test runs).
    """
    if metric not in METRICS:
        raise InvalidInputError(f"unknown metric {metric!r}; metrics: {', '.join(METRICS)}")
    points = grid_points(grid, base)
    tuning = Evaluation(split, store, collection, k=k, users=users, part="validation", llm=llm)
    final = Evaluation(split, store, collection, k=k, users=users, llm=llm)
    total = len(points) * len(tuning.users) + 2 * len(final.users)
    done = 0

    def step(n: int, _total: int) -> None:
        if progress is not None:
            progress(done + n, total)

    runs: list[RunResult] = []
    for point in points:
        runs.append(tuning.engine(point, progress=step, cancel=cancel))
        done += len(tuning.users)
    means = [run.estimate(metric).mean for run in runs]
    means = [-math.inf if math.isnan(m) else m for m in means]
    best = points[max(range(len(points)), key=lambda i: (means[i], -i))]
    test = final.engine(best, progress=step, cancel=cancel)
    test.name = f"{best.label} (tuned on validation)"
    done += len(final.users)
    default = test if best == base else final.engine(base, progress=step, cancel=cancel)
    return SweepResult(metric, {n: list(v) for n, v in grid.items()}, runs, points, best, test, default)
