"""``core.eval.jobs``: evaluation steps in a background thread on the real workshop catalog —
progress as it runs, cancel mid-run keeping the finished steps, failure messages, the registry's
one-job-per-workspace rule, its queue and a reconnect by key."""

from __future__ import annotations

import threading

import pytest

from core import AlreadyExistsError, InvalidInputError
from core.eval.job_registry import JobRegistry
from core.eval.jobs import (PREPARING, EvaluationJob, JobStep, Prepared, baseline_step, engine_step,
                            sweep_step)
from core.eval.runner import EngineConfig, Evaluation
from core.eval.splits import temporal_split
from core.eval.sweep import SweepResult

TIMEOUT = 60


@pytest.fixture(scope="module")
def evaluation(workshop_cooks) -> Evaluation:
    store, rows = workshop_cooks
    return Evaluation(temporal_split(rows, test_fraction=0.25), store, "Workshop")


def watched(step: JobStep, on_user) -> JobStep:
    """``step`` with ``on_user(done, total)`` called after the job has recorded each user."""
    def run(ev, progress, cancel):
        def report(done, total):
            progress(done, total)
            on_user(done, total)
        return step.run(ev, report, cancel)
    return JobStep(step.name, step.kind, run)


def test_a_job_reports_each_step_and_user_then_its_results(evaluation):
    seen = []
    steps = [baseline_step("most_popular"),
             watched(engine_step(EngineConfig()), lambda done, total: seen.append(job.status()))]
    job = EvaluationJob(lambda: evaluation, steps)
    assert job.status().state == "pending" and job.status().describe() == "waiting to start"
    status = job.start().wait(TIMEOUT)
    assert status.state == "done" and status.error is None and status.fraction == 1.0
    assert [r.name for r in status.results] == ["most popular", EngineConfig().label]
    assert [r.kind for r in status.results] == ["baseline", "engine"]
    assert status.results[1].result.estimate("ndcg").users == 30 and status.results[1].seconds > 0
    users = len(evaluation.users)
    assert [(s.step, s.done, s.total) for s in seen] == [(1, n, users) for n in range(1, users + 1)]
    assert all(len(s.results) == 1 and s.state == "running" for s in seen)
    fractions = [s.fraction for s in seen]
    assert fractions == sorted(fractions) and fractions[0] == pytest.approx((1 + 1 / users) / 2)
    assert seen[0].describe() == f"Step 2 of 2: {EngineConfig().label} · 1 of {users} users"
    assert job.evaluation is evaluation


def test_a_sweep_step_tunes_on_the_prepared_splits_validation_part(workshop_cooks):
    store, rows = workshop_cooks
    split = temporal_split(rows, test_fraction=0.25, validation_fraction=0.25)
    prepared = Prepared(split, Evaluation(split, store, "Workshop"))
    step = sweep_step({"decay_rate": [0.0, 1.0]}, base=EngineConfig(), metric="recall")
    assert step.name == "sweep of decay_rate 0, 1" and step.kind == "sweep"
    status = EvaluationJob(lambda: prepared, [step]).start().wait(TIMEOUT)
    assert status.state == "done", status.error
    result = status.results[0].result
    assert isinstance(result, SweepResult) and result.metric == "recall"
    assert [p.decay_rate for p in result.points] == [0.0, 1.0] and result.best.decay_rate in (0.0, 1.0)
    assert result.test.estimate("ndcg").users == len(prepared.evaluation.users)


def test_cancel_mid_run_stops_between_users_and_keeps_the_finished_steps(evaluation):
    reached, go = threading.Event(), threading.Event()

    def pause_at_five(done, total):
        if done == 5:
            reached.set()
            go.wait(TIMEOUT)

    steps = [baseline_step("random"), watched(engine_step(EngineConfig()), pause_at_five), baseline_step("ease")]
    job = EvaluationJob(lambda: evaluation, steps).start()
    assert reached.wait(TIMEOUT)
    assert job.status().running and job.status().done == 5
    job.cancel()
    go.set()
    status = job.wait(TIMEOUT)
    assert status.state == "cancelled"
    assert status.error == f"evaluation of {EngineConfig().label} cancelled after 5 of {len(evaluation.users)} users"
    assert [r.name for r in status.results] == ["random"]  # the finished baseline is kept, EASE never ran
    assert 0 < status.fraction < 1


def test_failures_are_reported_with_their_message_and_earlier_results_kept(evaluation):
    steps = [baseline_step("random"), engine_step(EngineConfig(strategy="no-such-strategy"))]
    job = EvaluationJob(lambda: evaluation, steps)
    status = job.start().wait(TIMEOUT)
    assert status.state == "failed" and "no-such-strategy" in status.error
    assert [r.name for r in status.results] == ["random"]

    def too_few_users():
        raise InvalidInputError("only 1 user has both training and held-out interactions; at least 5 are needed")
    status = EvaluationJob(too_few_users, [baseline_step("random")]).start().wait(TIMEOUT)
    assert status.state == "failed" and status.error.startswith("only 1 user has") and status.results == ()
    assert status.step is None and status.step_name == PREPARING

    def broken():
        return {}["missing"]
    status = EvaluationJob(broken, [baseline_step("random")]).start().wait(TIMEOUT)
    assert status.state == "failed" and status.error == "KeyError: 'missing'"


def test_a_job_needs_a_step_and_starts_once(evaluation):
    with pytest.raises(InvalidInputError, match="nothing to run"):
        EvaluationJob(lambda: evaluation, [])
    job = EvaluationJob(lambda: evaluation, [baseline_step("random")]).start()
    with pytest.raises(AlreadyExistsError, match="started already"):
        job.start()
    assert job.wait(TIMEOUT).state == "done"


def test_status_snapshots_are_consistent_while_other_threads_poll(evaluation):
    job = EvaluationJob(lambda: evaluation, [engine_step(EngineConfig()), baseline_step("item_knn")])
    problems, fractions = [], []

    def poll():
        last = 0.0
        while True:
            s = job.status()
            if s.fraction < last or s.done > max(s.total, 0) or len(s.results) > s.steps:
                problems.append(s)
            last = s.fraction
            fractions.append(s.fraction)
            if not s.running:
                return
    pollers = [threading.Thread(target=poll) for _ in range(3)]
    job.start()
    for t in pollers:
        t.start()
    for t in pollers:
        t.join(TIMEOUT)
    assert not problems and job.status().state == "done" and fractions[-1] == 1.0


def test_the_registry_reconnects_by_key_runs_one_job_per_workspace_and_queues_the_rest(evaluation):
    registry = JobRegistry(max_running=2)
    reached, go = threading.Event(), threading.Event()

    def hold(done, total):
        reached.set()
        go.wait(TIMEOUT)

    slow = EvaluationJob(lambda: evaluation, [watched(engine_step(EngineConfig()), hold)])
    registry.start(("shared:room", "Workshop"), slow)
    assert reached.wait(TIMEOUT)
    assert registry.get(("shared:room", "Workshop")) is slow  # a reload asks with the same key
    assert registry.running("shared:room") == (("shared:room", "Workshop"), slow)
    with pytest.raises(AlreadyExistsError, match=r"already running in this workspace \(on Workshop, step 1 of 1"):
        registry.start(("shared:room", "Movies"), EvaluationJob(lambda: evaluation, [baseline_step("random")]))
    other = EvaluationJob(lambda: evaluation, [watched(baseline_step("random"), hold)])
    registry.start(("private:abc", "Workshop"), other)
    third = registry.start(("private:xyz", "Workshop"), EvaluationJob(lambda: evaluation, [baseline_step("random")]))
    gone = registry.start(("private:gone", "Workshop"), EvaluationJob(lambda: evaluation, [baseline_step("random")]))
    assert third.status().state == "queued" and third.status().running  # two run already
    assert third.status().describe() == "Waiting for another evaluation on this server to finish…"
    gone.cancel()
    assert gone.wait(TIMEOUT).state == "cancelled" and gone.status().results == ()
    go.set()
    assert slow.wait(TIMEOUT).state == "done" and other.wait(TIMEOUT).state == "done"
    assert third.wait(TIMEOUT).state == "done" and len(third.status().results) == 1
    assert registry.running("shared:room") is None
    again = registry.start(("shared:room", "Workshop"), EvaluationJob(lambda: evaluation, [baseline_step("random")]))
    assert registry.get(("shared:room", "Workshop")) is again and again.wait(TIMEOUT).state == "done"
    registry.forget(("shared:room", "Workshop"))
    assert registry.get(("shared:room", "Workshop")) is None
    with pytest.raises(InvalidInputError, match="max_running must be an integer of at least 1, got 0"):
        JobRegistry(max_running=0)


def test_the_registry_keeps_the_latest_finished_jobs_only(evaluation):
    registry = JobRegistry(keep=2)
    for n in (0, 1, 2, 3, 0):
        job = EvaluationJob(lambda: evaluation, [baseline_step("random")])
        registry.start((f"private:{n}", "Workshop"), job).wait(TIMEOUT)
    # each start keeps the 2 finished jobs started last besides itself: 0 and 1 went, 0 came back
    assert [registry.get((f"private:{n}", "Workshop")) is not None for n in range(4)] == [True, False, True, True]


def test_a_job_that_finishes_before_the_registry_counts_does_not_push_out_a_kept_one(evaluation):
    class Instant(EvaluationJob):
        def start(self, gate=None):  # done before start returns: the race a fast job can win
            return super().start(gate).wait(TIMEOUT) and self
    registry = JobRegistry(keep=2)
    for n in range(4):
        registry.start((f"private:{n}", "Workshop"), Instant(lambda: evaluation, [baseline_step("random")]))
    assert [registry.get((f"private:{n}", "Workshop")) is not None for n in range(4)] == [False, True, True, True]


def test_a_jobs_steps_run_at_one_blas_thread_and_the_setting_is_restored_after(evaluation):
    from core.learn.blas import blas_threads
    before, seen = blas_threads(), []

    def run(ev, progress, cancel):
        seen.append(blas_threads())
        return "ok"
    status = EvaluationJob(lambda: evaluation, [JobStep("look", "engine", run)]).start().wait(TIMEOUT)
    assert status.state == "done" and seen and set(seen[0].values()) == {1}  # like the lowered priority
    assert blas_threads() == before
