"""``core.eval.isolated``: a baseline fitted in a child process gives exactly the in-process run
(same lists, same per-user metrics), reports progress, is killed on cancel and reports its errors;
a job runs it as a step."""

from __future__ import annotations

import subprocess

import pytest

from core import CancelledError, InvalidInputError, PersonalizationError
from core.eval.isolated import run_baseline
from core.eval.jobs import EvaluationJob, baseline_step
from core.eval.runner import Evaluation
from core.eval.splits import temporal_split

pytestmark = pytest.mark.slow  # each run starts a fresh interpreter (about a second)


@pytest.fixture(scope="module")
def evaluation(workshop_cooks) -> Evaluation:
    store, rows = workshop_cooks
    return Evaluation(temporal_split(rows, test_fraction=0.25), store, "Workshop")


@pytest.mark.parametrize("name", ["ease", "most_popular"])
def test_a_baseline_in_a_child_process_is_the_in_process_run(evaluation, name):
    calls = []
    apart = run_baseline(evaluation, name, progress=lambda done, total: calls.append((done, total)))
    here = evaluation.baseline(name)
    assert apart.name == here.name and apart.config == here.config and apart.config["baseline"] == name
    assert apart.lists == here.lists and apart.per_user == here.per_user
    users = len(evaluation.users)
    assert calls[-1] == (users, users) and (25, users) in calls


def test_cancel_kills_the_child(evaluation, monkeypatch):
    children = []
    real = subprocess.Popen

    def recorded(*args, **kwargs):  # the real Popen; only remembered, to look at the child afterwards
        children.append(real(*args, **kwargs))
        return children[-1]
    monkeypatch.setattr(subprocess, "Popen", recorded)
    with pytest.raises(CancelledError, match="evaluation of EASE cancelled after 0 of 30 users"):
        run_baseline(evaluation, "ease", cancel=lambda: True)
    assert len(children) == 1 and children[0].returncode is not None


def test_errors_in_the_child_come_back_with_their_message(evaluation):
    with pytest.raises(PersonalizationError, match="TypeError: .*unexpected keyword argument 'neighbours'"):
        run_baseline(evaluation, "ease", neighbours=5)
    with pytest.raises(InvalidInputError, match="unknown baseline 'svd'"):
        run_baseline(evaluation, "svd")


def test_a_job_runs_a_baseline_in_a_child_process(evaluation):
    status = EvaluationJob(lambda: evaluation, [baseline_step("item_knn", process=True)]).start().wait(60)
    assert status.state == "done", status.error
    assert status.results[0].name == "item-kNN"
    assert status.results[0].result.per_user == evaluation.baseline("item_knn").per_user
