"""The behaviour model panel: its status, and Retrain / Tune and retrain as background jobs.

The model (``core.train_behaviour``: item vectors learned from every persona's likes) is what the
``blend`` strategy ranks with. Retraining runs in a :class:`core.EvaluationJob` in the server's
job registry (:func:`lab.resources.eval_jobs`, the Evaluate page's): in its own thread, so other
sessions keep being served; one background job per workspace, and the server's limit on running
jobs holds for these too. The job is found again by workspace and collection, so a reload follows
it; :func:`panel` polls its progress in a fragment and shows the outcome (a tuning's validation
numbers: ``BlendTuning.record()``). A read-only workspace says why it cannot retrain.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core import (AlreadyExistsError, BehaviourStatus, EvaluationJob, JobRegistry, JobStep, LearningReport, Prepared,
                  Store, Workspace, behaviour_status, learn_behaviour, train_behaviour, tune_behaviour)

from .cards import plain

P = "lab.behaviour."
KIND = "behaviour model"
POLL_SECONDS = 1.0
TUNE_USERS = 1000
RETRAIN, TUNE, IMPORTED = "retrain", "tune", "imported"
STEP_NAMES = {RETRAIN: "retraining the behaviour model on every persona's interactions",
              TUNE: "tuning the blend on a validation split, then retraining",
              IMPORTED: "tuning the blend on the imported log's validation split, then retraining"}
NOT_TRAINED = ("It learns from every persona's likes (at least two personas' likes on at least two items); "
               "Recommend trains it by itself the first time when that is cheap.")
STALE = ("A persona's new interactions count at once (its behaviour query is folded in at every request); "
         "retraining adds what they teach about the items.")


def job_key(ws: Workspace, collection: str) -> tuple[str, tuple[str, str]]:
    """The registry key of ``collection``'s training job in ``ws`` (the Evaluate page's are ``(ws, collection)``)."""
    return ws.ref.key, (KIND, collection)


def is_training(key: tuple) -> bool:
    """Whether a registry key is a training job's (:func:`job_key`)."""
    return isinstance(key[1], tuple) and key[1][:1] == (KIND,)


def training_job(store: Store, collection: str, kind: str, users: int = TUNE_USERS,
                 tune: bool = True) -> EvaluationJob:
    """A (not yet started) job that retrains ``collection``'s behaviour model, or tunes its blend on
    ``users`` validation users first (``core.tune_behaviour``; cancellable between users), or, after
    an upload (``IMPORTED``), tunes when the personas allow it (and ``tune``) and else retrains
    (``core.learn_behaviour``)."""
    def run(prepared: Prepared, progress, cancel) -> Any:
        if kind == TUNE:
            return tune_behaviour(store, collection, users=users, progress=progress, cancel=cancel)
        if kind == IMPORTED:
            return learn_behaviour(store, collection, tune=tune, users=users, progress=progress, cancel=cancel)
        return train_behaviour(store, collection)
    step = JobStep(STEP_NAMES[kind if tune else RETRAIN], KIND, run, {"kind": kind})
    return EvaluationJob(lambda: Prepared(None, None), [step],
                         settings={"collection": collection, "kind": kind, "users": users, "tune": tune})


def panel(ws: Workspace, collection: str, registry: JobRegistry) -> BehaviourStatus:
    """Status, buttons, progress and the last outcome; the status as it is now."""
    status = behaviour_status(ws.store, collection)
    head, sep, rest = status.summary.partition(": ")
    st.markdown(f"**Behaviour model** · {plain(rest if sep and head == 'behaviour model' else status.summary)}")
    if not status.trained:
        st.caption(NOT_TRAINED)
    elif status.stale:
        st.warning(f"Interactions changed since training. {STALE}", icon=":material/update:")
    key = job_key(ws, collection)
    job = registry.get(key)
    _buttons(ws, collection, registry, key, status)
    if job is not None:
        outcome(job)
    return status


def _buttons(ws: Workspace, collection: str, registry: JobRegistry, key: tuple, status: BehaviourStatus) -> None:
    busy = registry.running(ws.ref.key)
    why = None
    if not ws.writable:
        why = f"Read-only: {ws.store.read_only}. Enter the passcode in the sidebar to retrain."
    elif busy is not None and busy[0] != key:
        what = f"the behaviour model of {busy[0][1][1]}" if is_training(busy[0]) else f"an evaluation of {busy[0][1]}"
        why = f"{what.capitalize()} is running in this workspace; retraining can start once it ends."
    elif not status.interactions:
        why = "There are no interactions to learn from yet: add likes on the Personas page."
    disabled = why is not None or busy is not None
    cols = st.columns([3, 4, 3], vertical_alignment="bottom")
    retrain = cols[0].button("Retrain", key=P + "retrain", icon=":material/model_training:", disabled=disabled,
                             help="Train the model again on every persona's interactions (keeps the blend weights).")
    users = cols[2].number_input("users to tune on", 5, 100_000, TUNE_USERS, step=100, key=P + "users",
                                 disabled=disabled, help="How many personas the tuning scores (a seeded choice).")
    tune = cols[1].button("Tune and retrain", key=P + "tune", icon=":material/tune:", disabled=disabled,
                          help="Hold out part of every persona's interactions, choose the model setting and blend "
                               "weights with the best validation NDCG, then retrain on everything with them.")
    if why:
        st.caption(plain(why))
    if error := st.session_state.pop(P + "error", None):
        st.error(plain(error))
    if retrain or tune:
        try:
            registry.start(key, training_job(ws.store, collection, TUNE if tune else RETRAIN, int(users)))
        except AlreadyExistsError as exc:
            st.session_state[P + "error"] = f"Cannot retrain now: {exc}"
        st.rerun()


def outcome(job: EvaluationJob) -> None:
    """A training job's progress while it runs (polled, with Cancel for a tuning), else how it ended."""
    status = job.status()
    kind = job.settings.get("kind")
    if status.running:
        st.fragment(_poll, run_every=POLL_SECONDS)(job)
    elif status.state == "done":
        result = status.results[0].result
        if kind == IMPORTED:
            _learning(result)
        elif kind == TUNE:
            st.success(plain(tuning_summary(result.record(), result.best.label())))
        else:
            st.success(plain(f"Retrained in {status.elapsed:.1f} s: {result.meta.get('dims')} dims on "
                             f"{result.meta['trained_on']['interactions']:,} interactions."))
    elif status.state == "cancelled":
        kept = "; the imported interactions are kept" if kind == IMPORTED else ""
        st.warning(plain(f"The tuning was cancelled ({status.error}); the model was not changed{kept}."))
    else:
        what = "Retraining" if kind == RETRAIN else "Tuning"
        st.error(plain(f"{what} failed: {status.error}"))


def _learning(report: LearningReport) -> None:
    """What the tuning after an upload did: tuned (the numbers), or retrained or not, and why not tuned."""
    if report.tuning is not None:
        st.success(plain("After the upload: " + tuning_summary(report.tuning.record(), report.tuning.best.label())))
    else:
        (st.info if report.outcome == "trained" else st.warning)(plain(f"After the upload: {report.summary()}."))


def tuning_summary(record: dict[str, Any], weights: str) -> str:
    """What a finished tuning found, from ``BlendTuning.record()`` and the chosen weights' label."""
    default = record.get("default_validation")
    engine = record.get("engine_validation")
    model = record.get("model") or {}
    return (f"Tuned on {record['users']} validation users over {record['points']} settings in "
            f"{record['seconds']:.1f} s: validation {record['metric'].upper()} {record['validation']:.4f}"
            + (f" (the default weights: {default:.4f})" if default is not None else "")
            + (f", {engine:.4f} through get_objects" if engine is not None else "")
            + f" with {weights}, model dims {model.get('dims')} l2 {model.get('l2')}; retrained on every interaction.")


def _poll(job: EvaluationJob) -> None:
    status = job.status()
    if not status.running:
        st.rerun()  # the whole page: the new model's status and the outcome
    st.progress(status.fraction, text=plain(f"{status.describe()} · {status.elapsed:.0f} s"))
    if job.settings.get("kind") == TUNE or (job.settings.get("kind") == IMPORTED and job.settings.get("tune")):
        st.button("Cancel", icon=":material/stop:", key=P + "cancel", on_click=job.cancel,
                  help="Stops before the next validation user; the model stays as it was.")

