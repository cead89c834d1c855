"""Evaluate: is personalization any better than the most popular items on this collection, and
which settings win?

Reads the settings (``lab.eval_form``), starts a background job in the process-wide registry
under this workspace and collection (``lab.eval_job_ui``), polls its progress, and renders the
finished runs (``lab.eval_results``): a table with 95 % intervals and seconds, the runs side by
side, a sweep's validation curve, an A/B of two runs, the results as JSON.
"""

from __future__ import annotations

import streamlit as st

from lab import eval_form, eval_job_ui, eval_llm, eval_results, page
from lab.resources import eval_jobs

ws, collection, agent = page.start("Evaluate")
st.title("Evaluate")
st.caption("Each user's interactions are split into a history and held-out ones; every configuration and baseline "
           "ranks the same users from their history, and scores how well it finds what they went on to like. "
           "Intervals are 95 % bootstrap intervals over users.")
registry = eval_jobs()
key = (ws.ref.key, collection)
plan = eval_llm.render(eval_form.render(ws, collection), ws.store, collection)
eval_job_ui.run_button(registry, key, plan, ws.store, collection)
job = registry.get(key)
if job is not None:
    eval_job_ui.progress(job)
    eval_results.render(job, job.status())
