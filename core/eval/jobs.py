"""Evaluation runs in the background: an :class:`EvaluationJob` runs its steps in a daemon thread.

A job first *prepares* its :class:`~core.eval.runner.Evaluation` (reading a log, splitting it and
building the throwaway personas can take seconds on a large log, so it happens in the thread
too), then runs its steps (:class:`JobStep`) one after another: an engine configuration, a
baseline, a sweep. Any thread may ask for :meth:`EvaluationJob.status` (a frozen
:class:`JobStatus`: state, which step of how many, users done of the step's total, the results
finished so far, the error message) or call :meth:`EvaluationJob.cancel`, which stops the run
between two users. Results of finished steps are kept when a later step is cancelled or fails.

:class:`JobRegistry` holds the latest job per key (a workspace and a collection), so whoever asks
with the same key later (a reloaded page, a second tab) finds the same job, and it refuses a
second running job in the same workspace. Nothing here knows about Streamlit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import AlreadyExistsError, CancelledError, InvalidInputError, NotAvailableError, PersonalizationError
from core.eval.runner import Cancel, EngineConfig, Evaluation, Progress

log = logging.getLogger(__name__)

STATES = ("pending", "running", "done", "cancelled", "failed")
PREPARING = "preparing the split and the personas"


@dataclass(frozen=True)
class JobStep:
    """One unit of a job: a name to show while it runs, its kind and what it does with the evaluation."""

    name: str
    kind: str
    run: Callable[[Evaluation, Progress, Cancel], Any] = field(repr=False, compare=False)
    options: dict[str, Any] = field(default_factory=dict, compare=False)


def engine_step(config: EngineConfig) -> JobStep:
    """Run the engine with ``config`` (:meth:`Evaluation.engine`)."""
    return JobStep(config.label, "engine", lambda ev, progress, cancel: ev.engine(config, progress=progress,
                                                                              cancel=cancel))


def baseline_step(name: str, **options: Any) -> JobStep:
    """Run baseline ``name`` (a key of :data:`~core.eval.baselines.BASELINES`) with ``options``."""
    return JobStep(name, "baseline", lambda ev, progress, cancel: ev.baseline(name, progress=progress, cancel=cancel,
                                                                           **options), options)


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
        return self.state in ("pending", "running")

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
        if self.step is None:
            return f"{PREPARING.capitalize()}…"
        users = f" · {self.done:,} of {self.total:,} users" if self.total else ""
        return f"Step {self.step + 1} of {self.steps}: {self.step_name}{users}"


class EvaluationJob:
    """``prepare()`` builds the evaluation, then every step runs on it, in a daemon thread.

    ``settings`` is whatever its starter wants to remember about the run (JSON-able: the source,
    the protocol, the configurations), returned unchanged by :attr:`settings`.
    """

    def __init__(self, prepare: Callable[[], Evaluation], steps: Sequence[JobStep], *,
                 settings: dict[str, Any] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        if not steps:
            raise InvalidInputError("nothing to run: choose at least one configuration, baseline or sweep")
        self._prepare, self.steps = prepare, tuple(steps)
        self.settings = dict(settings or {})
        self._clock = clock
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None
        self._state, self._step, self._done, self._total = "pending", None, 0, 0
        self._results: list[StepResult] = []
        self._error: str | None = None
        self._started = self._ended = None
        self.evaluation: Evaluation | None = None

    # control ------------------------------------------------------------------------------------
    def start(self) -> EvaluationJob:
        with self._lock:
            if self._thread is not None:
                raise AlreadyExistsError("this job was started already")
            self._state, self._started = "running", self._clock()
            self._thread = threading.Thread(target=self._main, name="evaluation-job", daemon=True)
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

    def _main(self) -> None:
        try:
            if self._cancelled():
                raise CancelledError("cancelled before it started")
            self.evaluation = self._prepare()
            for n, step in enumerate(self.steps):
                with self._lock:
                    self._step, self._done, self._total = n, 0, 0
                if self._cancelled():
                    raise CancelledError(f"cancelled before step {n + 1} ({step.name})")
                started = time.perf_counter()
                result = step.run(self.evaluation, self._progress, self._cancelled)
                with self._lock:
                    self._results.append(StepResult(step.name, step.kind, result, time.perf_counter() - started))
            self._end("done", None)
        except CancelledError as exc:
            self._end("cancelled", str(exc))
        except PersonalizationError as exc:
            self._end("failed", str(exc))
        except Exception as exc:  # noqa: BLE001 - a job must report, never die silently in its thread
            log.exception("evaluation job failed")
            self._end("failed", f"{type(exc).__name__}: {exc}")

    def _end(self, state: str, error: str | None) -> None:
        with self._lock:
            self._state, self._error, self._ended = state, error, self._clock()
        self._finished.set()


Key = tuple[str, Hashable]
"""A registry key: ``(workspace, collection)``."""


class JobRegistry:
    """The latest job per ``(workspace, collection)``; at most one running job per workspace and
    ``max_running`` in all (each one takes a CPU core)."""

    def __init__(self, max_running: int = 2) -> None:
        self.max_running = max_running
        self._jobs: dict[Key, EvaluationJob] = {}
        self._lock = threading.Lock()

    def get(self, key: Key) -> EvaluationJob | None:
        with self._lock:
            return self._jobs.get(key)

    def running(self, workspace: str) -> tuple[Key, EvaluationJob] | None:
        """The running job of ``workspace`` (in any collection) and its key, if there is one."""
        with self._lock:
            return next(((k, j) for k, j in self._jobs.items() if k[0] == workspace and j.status().running), None)

    def start(self, key: Key, job: EvaluationJob) -> EvaluationJob:
        """Start ``job`` under ``key`` (replacing a finished one), or refuse: another job of the same
        workspace is running (:class:`AlreadyExistsError`), or ``max_running`` are (:class:`NotAvailableError`)."""
        with self._lock:
            busy = [(k, j) for k, j in self._jobs.items() if j.status().running]
            mine = next(((k, j) for k, j in busy if k[0] == key[0]), None)
            if mine is not None:
                status = mine[1].status()
                raise AlreadyExistsError(f"an evaluation is already running in this workspace (on {mine[0][1]}, "
                                         f"{status.describe().lower()}); wait for it to finish or cancel it first")
            if len(busy) >= self.max_running:
                raise NotAvailableError(f"{len(busy)} evaluations are running on this server (at most "
                                        f"{self.max_running} at a time); try again when one has finished")
            self._jobs[key] = job.start()
        return job

    def forget(self, key: Key) -> None:
        """Drop the job under ``key`` (cancelling it if it runs)."""
        with self._lock:
            job = self._jobs.pop(key, None)
        if job is not None:
            job.cancel()
