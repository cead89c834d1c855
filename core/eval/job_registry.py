"""The evaluation jobs of a server: found again by workspace and collection, queued beyond a limit.

:class:`JobRegistry` holds the latest :class:`~core.eval.jobs.EvaluationJob` per key (a workspace
and a collection), so whoever asks with the same key later (a reloaded page, a second tab) finds
the same job, running or finished with its results. It refuses a second unfinished job in the
same workspace, and lets at most ``max_running`` jobs run at once: the others wait in a queue
(every job competes for the same interpreter as the sessions being served).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

from core.errors import AlreadyExistsError, InvalidInputError
from core.eval.jobs import EvaluationJob

Key = tuple[str, Hashable]
"""A registry key: ``(workspace, collection)``."""


class JobRegistry:
    """The latest job per ``(workspace, collection)``; at most one unfinished job per workspace, and at
    most ``max_running`` running at once in all (the others queue: every job competes for the same
    interpreter as the sessions being served). Whenever a job starts, of the finished jobs the ``keep``
    started last are kept with their results (a finished job holds its split and throwaway personas: about 100 MB
    for the movies log)."""

    def __init__(self, max_running: int = 1, keep: int = 8) -> None:
        for name, value in (("max_running", max_running), ("keep", keep)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInputError(f"{name} must be an integer of at least 1, got {value!r}")
        self.max_running, self.keep = max_running, keep
        self._jobs: dict[Key, EvaluationJob] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_running)

    def get(self, key: Key) -> EvaluationJob | None:
        with self._lock:
            return self._jobs.get(key)

    def running(self, workspace: str) -> tuple[Key, EvaluationJob] | None:
        """The running job of ``workspace`` (in any collection) and its key, if there is one."""
        with self._lock:
            return next(((k, j) for k, j in self._jobs.items() if k[0] == workspace and j.status().running), None)

    def start(self, key: Key, job: EvaluationJob) -> EvaluationJob:
        """Start ``job`` under ``key`` (replacing a finished one; queued while ``max_running`` others
        run), or refuse with :class:`AlreadyExistsError` while another job of the same workspace is unfinished."""
        with self._lock:
            mine = next(((k, j) for k, j in self._jobs.items() if k[0] == key[0] and j.status().running), None)
            if mine is not None:
                status = mine[1].status()
                raise AlreadyExistsError(f"an evaluation is already running in this workspace (on {mine[0][1]}, "
                                         f"{status.describe().lower().rstrip('…')}); wait for it to finish or "
                                         "cancel it first")
            self._jobs.pop(key, None)  # re-inserted last: the dict is in starting order
            self._jobs[key] = job.start(self._slots)
            # besides the new job, which may have finished already (a fast one, in its own thread)
            finished = [k for k, j in self._jobs.items() if k != key and not j.status().running]
            for old in finished[:max(0, len(finished) - self.keep)]:
                del self._jobs[old]
        return job

    def forget(self, key: Key) -> None:
        """Drop the job under ``key`` (cancelling it if it runs)."""
        with self._lock:
            job = self._jobs.pop(key, None)
        if job is not None:
            job.cancel()
