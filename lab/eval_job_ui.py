"""The Evaluate page's Run / Cancel buttons and the progress of the background job.

A job lives in the process-wide :func:`lab.resources.eval_jobs` registry under ``(workspace,
collection)``, not in the session: a reload (F5) or a second tab of the same workspace finds it
running, or finished with its results. While it runs, :func:`progress` draws a fragment that
reruns itself every :data:`POLL_SECONDS` (only the fragment, not the page) to move the bar, and
reruns the whole page once the job has ended so the results appear. The job runs in its own
thread, so other sessions keep being served meanwhile.
"""

from __future__ import annotations

import streamlit as st

from core import EvaluationJob, JobRegistry, PersonalizationError, Store

from .behaviour_ui import is_training
from .cards import plain
from .eval_plan import Plan, job_for, problems

P = "lab.eval.job."
POLL_SECONDS = 1.0


def run_button(registry: JobRegistry, key: tuple[str, str], plan: Plan | None, store: Store,
               collection: str) -> None:
    """The Run button (disabled while a job of this workspace runs) and what keeps it from running."""
    busy = registry.running(key[0])
    if error := st.session_state.pop(P + "error", None):
        st.error(plain(error))
    if st.button("Run the evaluation", type="primary", icon=":material/play_arrow:", key=P + "run",
                 disabled=busy is not None or plan is None,
                 help="Runs in the background: you can leave this page and come back."):
        found = problems(plan)
        if found:
            for problem in found:
                st.error(plain(problem))
            return
        try:
            registry.start(key, job_for(plan, store, collection))
        except PersonalizationError as exc:
            st.session_state[P + "error"] = str(exc)
        st.rerun()
    if busy is not None and busy[0] != key and is_training(busy[0]):
        st.info(plain(f"The behaviour model of {busy[0][1][1]} is being retrained in this workspace (Recommend page); "
                      "the evaluation can run once that ends."))
    elif busy is not None and busy[0] != key:
        st.info(plain(f"An evaluation of {busy[0][1]} is running in this workspace; choose that collection in the "
                      "sidebar to follow it, or wait until it ends."))


def progress(job: EvaluationJob) -> None:
    """The job's progress while it runs (polled), or how it ended."""
    status = job.status()
    if status.running:
        st.fragment(_poll, run_every=POLL_SECONDS)(job)
    elif status.state == "cancelled":
        st.warning(plain(f"The evaluation was cancelled ({status.error}). The runs that finished before are below."))
    elif status.state == "failed" and status.step is None:
        st.error(plain(f"The evaluation could not start: {status.error}"))
    elif status.state == "failed":
        st.error(plain(f"The evaluation failed at step {status.step + 1} of {status.steps} ({status.step_name}): "
                       f"{status.error}. The runs that finished before are below."))
    else:
        st.success(f"Done: {status.steps} step(s) in {status.elapsed:.1f} s.")


def _poll(job: EvaluationJob) -> None:
    status = job.status()
    if not status.running:
        st.rerun()  # the whole page: the outcome and the results
    st.progress(status.fraction, text=plain(f"{status.describe()} · {status.elapsed:.0f} s"))
    st.button("Cancel", icon=":material/stop:", key=P + "cancel", on_click=job.cancel,
              help="Stops before the next user; the runs already finished are kept.")
