"""The Evaluate page's results: a table with 95 % intervals and times, three charts, the JSON file.

:func:`runs_of` flattens a job's finished steps into the runs to compare (a sweep contributes the
best setting and its base, both on test), :func:`results_table`, :func:`run_rows`,
:func:`sweep_points` and :func:`ab_rows` turn them into plain rows (tested directly), and
:func:`render` draws the table, the runs side by side, each sweep's validation curve, the A/B
of any two runs (the paired per-user difference) and the download.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
import streamlit as st

from core import EvaluationJob, JobStatus, StepResult, evaluation_report

from .cards import plain
from .eval_charts import ab_figure, runs_figure, sweep_figure
from .eval_form import METRIC_LABELS, describe

P = "lab.eval.results."


@dataclass(frozen=True)
class Run:
    """One compared run: its name, kind (engine, baseline, sweep), its ``RunResult`` and step seconds."""

    name: str
    kind: str
    result: Any
    seconds: float


def runs_of(results: Sequence[StepResult]) -> list[Run]:
    """The runs of a job's finished steps, in order; a sweep gives its best setting and its base (on
    test; the base only when no engine step ran the same configuration on the same users)."""
    runs = []
    for step in results:
        if step.kind == "sweep":
            runs.append(Run(f"sweep best: {step.result.test.name}", "sweep", step.result.test, step.seconds))
            if not any(r.kind == "engine" and r.result.config == step.result.default.config for r in runs):
                runs.append(Run(f"sweep base: {step.result.default.name}", "sweep", step.result.default, 0.0))
        else:
            runs.append(Run(step.name, step.kind, step.result, step.seconds))
    return runs


def llm_usage(result: Any) -> str | None:
    """What an LLM run used against its estimate and whether the budget cut it short (None: no LLM)."""
    notes = getattr(result, "notes", None) or {}
    used = notes.get("llm")
    if not used:
        return None
    estimate = used["estimate"]
    text = (f"{used['calls']} LLM calls (estimated {estimate['calls']}), {used['total_tokens']:,} tokens (estimated "
            f"{estimate['tokens']:,}), {used['cached_calls']} cached")
    if used["fallback_users"]:
        text += f"; {used['fallback_users']} user(s) left out because the LLM failed: {used['fallback_reasons']}"
    if notes.get("partial"):
        text += (f"; partial: {notes['users_evaluated']} of {notes['users_planned']} users before the budget ran out"
                 f" ({notes.get('stopped', '')})")
    return text


def _ci(est: Any) -> str:
    return "–" if est.users == 0 else f"{est.mean:.3f} [{est.low:.3f}, {est.high:.3f}]"


def results_table(runs: Sequence[Run], k: int) -> list[dict[str, Any]]:
    """One row per run: every metric's mean with its 95 % interval, the users scored, the seconds."""
    rows = []
    for run in runs:
        row: dict[str, Any] = {"run": run.name, "kind": run.kind}
        for metric, label in METRIC_LABELS.items():
            row[f"{label}@{k} [95% CI]"] = _ci(run.result.estimate(metric))
        row["users"] = run.result.estimate("ndcg").users
        row["seconds"] = round(run.seconds, 2)
        rows.append(row)
    return rows


def run_rows(runs: Sequence[Run], metric: str) -> list[dict[str, Any]]:
    """The runs as chart rows: ``name``, ``kind``, ``mean``, ``low``, ``high``, ``users`` of ``metric``."""
    return [{"name": r.name, "kind": r.kind, **asdict(r.result.estimate(metric))} for r in runs]


def sweep_points(result: Any, parameter: str, metric: str) -> list[dict[str, Any]]:
    """A sweep's validation runs as curve points: the ``value`` of ``parameter`` and the estimate."""
    return [{"value": getattr(point, parameter), **asdict(run.estimate(metric))}
            for point, run in zip(result.points, result.validation)]


def ab_rows(a: Run, b: Run) -> list[dict[str, Any]]:
    """``b - a`` per metric over the users both score, with its paired 95 % interval."""
    return [{"name": label, **asdict(a.result.versus(b.result, metric))} for metric, label in METRIC_LABELS.items()]


def ab_defaults(runs: Sequence[Run]) -> tuple[int, int]:
    """The A/B first shown: the most-popular baseline (else the first run) against the first engine run
    (else the next run): "is this any better than showing the most popular items?"."""
    names = [r.name for r in runs]
    a = names.index("most popular") if "most popular" in names else 0
    b = next((n for n, r in enumerate(runs) if r.kind == "engine" and n != a), 1 if a == 0 else 0)
    return a, b


def report(job: EvaluationJob, status: JobStatus) -> dict[str, Any]:
    """The run as a reproducible record: split, seed, configurations, estimates, versions, settings."""
    runs = runs_of(status.results)
    extra = {"settings": job.settings, "state": status.state, "error": status.error,
             "seconds": round(status.elapsed, 3),
             "sweeps": [step.result.summary() for step in status.results if step.kind == "sweep"]}
    return evaluation_report(job.evaluation, [r.result for r in runs], seed=job.settings["protocol"]["seed"],
                             extra=extra)


def render(job: EvaluationJob, status: JobStatus) -> None:
    """Everything the finished steps of ``job`` show (nothing before the first step finished)."""
    runs = runs_of(status.results)
    if not runs:
        return
    k = job.settings["k"]
    st.subheader("Results")
    st.caption(plain(describe(job.settings) + (f" · {len(runs)} run(s) so far" if status.running else "")))
    st.dataframe(pd.DataFrame(results_table(runs, k)), hide_index=True, key=P + "table")
    for run in runs:
        if line := llm_usage(run.result):
            st.caption(plain(f"{run.name}: {line}"))
    metric = st.selectbox("Metric in the charts", list(METRIC_LABELS), format_func=METRIC_LABELS.get,
                          key=P + "metric")
    label = f"{METRIC_LABELS[metric]}@{k}"
    st.plotly_chart(runs_figure(run_rows(runs, metric), label), key=P + "runs_chart")
    for n, step in enumerate(s for s in status.results if s.kind == "sweep"):
        parameter = next(iter(step.result.grid))
        points = sweep_points(step.result, parameter, metric)
        test = asdict(step.result.test.estimate(metric))
        st.plotly_chart(sweep_figure(points, parameter=parameter, metric=label,
                                     chosen=getattr(step.result.best, parameter), test=test),
                        key=f"{P}sweep_chart.{n}")
    if len(runs) >= 2:
        _ab(runs, f"{job.id}.{len(runs)}")  # new runs, new defaults
    if job.evaluation is not None:
        st.download_button("Download results (JSON)", json.dumps(report(job, status), indent=1, default=str),
                           file_name="evaluation.json", mime="application/json", key=P + "download")


def _ab(runs: Sequence[Run], version: str) -> None:
    st.subheader("A/B: two runs on the same users")
    names = [r.name for r in runs]
    first_a, first_b = ab_defaults(runs)
    left, right = st.columns(2)
    a = left.selectbox("A", names, index=first_a, key=f"{P}ab.a.{version}")
    b = right.selectbox("B", names, index=first_b, key=f"{P}ab.b.{version}")
    by_name = {r.name: r for r in runs}
    rows = ab_rows(by_name[a], by_name[b])
    st.plotly_chart(ab_figure(rows, a=a, b=b), key=f"{P}ab_chart.{version}")
    st.caption("Each user's B score minus their A score, averaged, with a bootstrap interval over users: when the "
               "interval contains 0, this sample cannot tell A and B apart.")
