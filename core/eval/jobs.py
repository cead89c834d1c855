"""Evaluation runs in the background: an :class:`EvaluationJob` runs its steps in a daemon thread.

A job first *prepares* its :class:`~core.eval.runner.Evaluation` (reading a log, splitting it and
building the throwaway personas can take seconds on a large log, so it happens in the thread
too), then runs its steps (:class:`JobStep`) one after another: an engine configuration, a
baseline, a sweep (which tunes on the split's validation part, so a step is given the
:class:`Prepared` split and evaluation). Any thread may ask for :meth:`EvaluationJob.status` (a frozen
:class:`JobStatus`: state, which step of how many, users done of the step's total, the results
finished so far, the error message) or call :meth:`EvaluationJob.cancel`, which stops the run
between two users. Results of finished steps are kept when a later step is cancelled or fails.

Started with a gate (a semaphore: :class:`~core.eval.job_registry.JobRegistry`'s slots), a job
is *queued* until it holds one. Nothing here knows about Streamlit.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from core.errors import AlreadyExistsError, CancelledError, InvalidInputError, PersonalizationError
from core.eval.baselines import BASELINES
from core.eval.isolated import run_baseline
from core.eval.llm_run import LLMBudget, evaluate_llm
from core.eval.runner import Cancel, EngineConfig, Evaluation, Progress
from core.eval.splits import Split
from core.eval.sweep import sweep
from core.learn.blas import one_blas_thread

log = logging.getLogger(__name__)

STATES = ("pending", "queued", "running", "done", "cancelled", "failed")
PREPARING = "preparing the split and the personas"
QUEUED = "waiting for another evaluation on this server to finish"
WAIT_POLL_S = 0.2


@dataclass(frozen=True)
class Prepared:
    """What the steps run on: the split as made (with its validation part) and the evaluation on test."""

    split: Split
    evaluation: Evaluation


@dataclass(frozen=True)
class JobStep:
    """One unit of a job: a name to show while it runs, its kind and what it does with the prepared run."""

    name: str
    kind: str
    run: Callable[[Prepared, Progress, Cancel], Any] = field(repr=False, compare=False)
    options: dict[str, Any] = field(default_factory=dict, compare=False)


def engine_step(config: EngineConfig) -> JobStep:
    """Run the engine with ``config`` (:meth:`Evaluation.engine`)."""
    def run(p: Prepared, progress: Progress, cancel: Cancel) -> Any:
        return p.evaluation.engine(config, progress=progress, cancel=cancel)
    return JobStep(config.label, "engine", run)


def baseline_step(name: str, *, process: bool = False, **options: Any) -> JobStep:
    """Run baseline ``name`` (a key of :data:`~core.eval.baselines.BASELINES`) with ``options``; with
    ``process``, fitted in a child process (:mod:`core.eval.isolated`: what a server wants)."""
    def run(p: Prepared, progress: Progress, cancel: Cancel) -> Any:
        if process:
            return run_baseline(p.evaluation, name, progress=progress, cancel=cancel, **options)
        return p.evaluation.baseline(name, progress=progress, cancel=cancel, **options)
    return JobStep(BASELINES[name].name if name in BASELINES else name, "baseline", run, {"baseline": name, **options})


def sweep_step(grid: dict[str, list], *, base: EngineConfig = EngineConfig(), metric: str = "ndcg") -> JobStep:
    """:func:`~core.eval.sweep.sweep` ``grid`` from ``base`` on the same users, catalog and persona
    properties as the evaluation: tuned on validation, the best point and ``base`` on test."""
    def run(p: Prepared, progress: Progress, cancel: Cancel) -> Any:
        ev = p.evaluation
        return sweep(p.split, ev.store, ev.collection, grid, base=base, metric=metric, k=ev.k, users=ev.users,
                     properties=ev.properties, progress=progress, cancel=cancel)
    values = "; ".join(f"{name} {', '.join(f'{v:g}' if isinstance(v, float) else str(v) for v in vs)}"
                       for name, vs in grid.items())
    return JobStep(f"sweep of {values}", "sweep", run, {"grid": grid, "base": asdict(base), "metric": metric})


def llm_step(config: EngineConfig, llm: Any, *, users: int, budget: LLMBudget, estimate: Any = None) -> JobStep:
    """Rerank the evaluation's first ``users`` users with the LLM ``llm`` (an ``LLMConfig`` or a shared
    ``LLMClient``) within ``budget`` (:func:`~core.eval.llm_run.evaluate_llm`; the result is partial
    when the budget ran out); ``estimate``: the one the user confirmed."""
    config = EngineConfig(**{**asdict(config), "use_agent_ranking": True})

    def run(p: Prepared, progress: Progress, cancel: Cancel) -> Any:
        return evaluate_llm(p.evaluation, config, llm, budget=budget, users=p.evaluation.users[:users],
                            estimate=estimate, progress=progress, cancel=cancel)
    return JobStep(f"{config.label} · LLM on {users} users", "llm", run,
                   {"users": users, "max_calls": budget.max_calls, "max_tokens": budget.max_tokens})


@dataclass(frozen=True)
class StepResult:
    """A finished step: its name, kind, what it returned and how long it took (seconds)."""

    name: str
    kind: str
    result: Any
    seconds: float


@dataclass(frozen=True)
class JobStatus:
    """A consistent snapshot of a job: ``step`` is the 0-based index of the running step (None while
    preparing), ``done``/``total`` the users of that step, ``results`` the finished steps."""

    state: str
    step: int | None
    steps: int
    step_name: str
    done: int
    total: int
    results: tuple[StepResult, ...]
    error: str | None
    elapsed: float

    @property
    def running(self) -> bool:
        """Not ended yet (waiting to start, queued or running)."""
        return self.state in ("pending", "queued", "running")

    @property
    def fraction(self) -> float:
        """Share of the whole job done, in [0, 1] (the preparation counts as nothing)."""
        if self.state == "done" or self.steps == 0:
            return 1.0 if self.state == "done" else 0.0
        within = self.done / self.total if self.total else 0.0
        return min(1.0, (len(self.results) + within) / self.steps)

    def describe(self) -> str:
        """One line for a progress bar: which step, how many users."""
        if self.state == "pending":
            return "waiting to start"
        if self.state == "queued":
            return f"{QUEUED.capitalize()}…"
        if self.step is None:
            return f"{PREPARING.capitalize()}…"
        users = f" · {self.done:,} of {self.total:,} users" if self.total else ""
        return f"Step {self.step + 1} of {self.steps}: {self.step_name}{users}"


NICENESS = 10


def _lower_priority() -> None:
    """Give the calling thread a lower CPU priority (Linux sets it per thread; elsewhere nothing):
    when the cores are busy, the sessions a server is answering come first."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):
        pass


class EvaluationJob:
    """``prepare()`` builds the evaluation (or a :class:`Prepared`), then every step runs on it, in a
    daemon thread.

    ``settings`` is whatever its starter wants to remember about the run (JSON-able: the source,
    the protocol, the configurations), returned unchanged by :attr:`settings`; :attr:`id` is new per job.
    """

    def __init__(self, prepare: Callable[[], Evaluation | Prepared], steps: Sequence[JobStep], *,
                 settings: dict[str, Any] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        if not steps:
            raise InvalidInputError("nothing to run: choose at least one configuration, baseline or sweep")
        self._prepare, self.steps = prepare, tuple(steps)
        self.settings = dict(settings or {})
        self.id = uuid.uuid4().hex[:12]
        self._clock = clock
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None
        self._state, self._step, self._done, self._total = "pending", None, 0, 0
        self._results: list[StepResult] = []
        self._error: str | None = None
        self._started = self._ended = None
        self.prepared: Prepared | None = None

    @property
    def evaluation(self) -> Evaluation | None:
        """The evaluation the steps ran on, once prepared (for :func:`~core.eval.report.evaluation_report`)."""
        return None if self.prepared is None else self.prepared.evaluation

    # control ------------------------------------------------------------------------------------
    def start(self, gate: threading.Semaphore | None = None) -> EvaluationJob:
        """Run in a new daemon thread; with a ``gate``, only once it has acquired it (queued until then)."""
        with self._lock:
            if self._thread is not None:
                raise AlreadyExistsError("this job was started already")
            self._state, self._started = "queued" if gate is not None else "running", self._clock()
            self._thread = threading.Thread(target=self._main, args=(gate,), name="evaluation-job", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the job to stop at the next user (a finished job stays as it is)."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Block until the job ends or ``timeout`` seconds pass; its status then."""
        self._finished.wait(timeout)
        return self.status()

    def status(self) -> JobStatus:
        with self._lock:
            end = self._ended if self._ended is not None else self._clock()
            name = PREPARING if self._step is None else self.steps[self._step].name
            return JobStatus(self._state, self._step, len(self.steps), name, self._done, self._total,
                             tuple(self._results), self._error,
                             0.0 if self._started is None else end - self._started)

    # the thread ---------------------------------------------------------------------------------
    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self._done, self._total = done, total

    def _cancelled(self) -> bool:
        return self._cancel.is_set()

    def _main(self, gate: threading.Semaphore | None) -> None:
        _lower_priority()
        if gate is not None:
            while not gate.acquire(timeout=WAIT_POLL_S):
                if self._cancelled():
                    self._end("cancelled", "cancelled while it waited for another evaluation to finish")
                    return
        try:
            with self._lock:
                self._state = "running"
            with one_blas_thread():  # like the lowered priority: the sessions being served keep the other core
                state, error = self._run()
        finally:
            if gate is not None:
                gate.release()  # before the end is announced: whoever waits for it may start the next job
        self._end(state, error)

    def _run(self) -> tuple[str, str | None]:
        try:
            if self._cancelled():
                raise CancelledError("cancelled before it started")
            made = self._prepare()
            self.prepared = made if isinstance(made, Prepared) else Prepared(made.split, made)
            for n, step in enumerate(self.steps):
                with self._lock:
                    self._step, self._done, self._total = n, 0, 0
                if self._cancelled():
                    raise CancelledError(f"cancelled before step {n + 1} ({step.name})")
                started = time.perf_counter()
                result = step.run(self.prepared, self._progress, self._cancelled)
                with self._lock:  # with the users reset, so the fraction never counts a step twice
                    self._results.append(StepResult(step.name, step.kind, result, time.perf_counter() - started))
                    self._done = self._total = 0
            return "done", None
        except CancelledError as exc:
            return "cancelled", str(exc)
        except PersonalizationError as exc:
            return "failed", str(exc)
        except Exception as exc:  # noqa: BLE001 - a job must report, never die silently in its thread
            log.exception("evaluation job failed")
            return "failed", f"{type(exc).__name__}: {exc}"

    def _end(self, state: str, error: str | None) -> None:
        with self._lock:
            self._state, self._error, self._ended = state, error, self._clock()
        self._finished.set()
