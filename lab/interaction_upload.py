"""The Personas page's "Upload interactions" tab: bring your own behaviour log.

Read an interaction file (``core.read_interaction_log``), map its columns (persona, item, rating
or weight, time) with the guessed mapping as the default, choose how ratings become weights (and
see it on the file's own ratings), preview the first rows as they will be stored, then import
every persona and interaction in one atomic step (``core.import_interactions``) with a progress
bar. After the import a background job (``lab.behaviour_ui``'s, in the server's job registry)
tunes the blend on a validation split of the collection's personas and retrains, or retrains
with the stored weights and says why it did not tune (``core.learn_behaviour``); this tab shows
its progress and outcome, as does the Recommend page's behaviour panel. :func:`mapping_from` and
:func:`preview_rows` take plain values and are tested directly.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from core import (TUNE_USERS, AlreadyExistsError, InteractionLog, JobRegistry, LogMapping, PersonalizationAgent,
                  PersonalizationError, RatingMapping, Workspace, convert_log, import_interactions,
                  read_interaction_log)

from .behaviour_ui import IMPORTED, job_key, outcome, training_job
from .cards import plain
from .catalog_ui import preview_frame

UPLOAD_TYPES = ["csv", "tsv", "json", "jsonl", "ndjson", "parquet", "gz"]
P = "lab.interactions"
HOW = {"scale": "a linear scale (min..max → −1..+1)", "threshold": "a like threshold (≥ t → +1, below → −1)",
       "weights": "weights as they are (numbers in [−1, 1])"}
NONE_RATING = "(none: every row is a like)"
PREVIEW_ROWS = 8


@st.cache_data(show_spinner="Reading the log…", max_entries=2)
def peek_log(data: bytes, filename: str) -> InteractionLog:
    """The uploaded log, read once per file (``core.CatalogImportError`` for an unreadable one)."""
    return read_interaction_log(data, format=filename)


def mapping_from(log: InteractionLog, persona: str, item: str, rating: str | None, how: str | None,
                 low: float | None, high: float | None, threshold: float | None, timestamp: str | None,
                 unit: str = "auto") -> LogMapping:
    """The widgets' choices as a ``core.LogMapping`` (``how``: a key of :data:`HOW`)."""
    if rating is None:
        ratings = RatingMapping("likes")
    elif how == "scale":
        ratings = RatingMapping("scale", low=low, high=high)
    elif how == "threshold":
        ratings = RatingMapping("threshold", threshold=threshold)
    else:
        ratings = RatingMapping("weights")
    return LogMapping(persona, item, rating, ratings, timestamp, unit)


def preview_rows(log: InteractionLog, mapping: LogMapping, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
    """The first rows as they will be stored: persona, item, weight, time (empty: when imported)."""
    rows = convert_log(log, mapping, rows=slice(0, limit))
    return [{"persona": rows.names[p], "item": str(i), "weight": round(w, 4),
             "time (UTC)": t.strftime("%Y-%m-%d %H:%M:%S") if t else ""}
            for p, i, w, t in zip(rows.persona_ids, rows.item_ids, rows.weights, rows.created_at)]


def section(agent: PersonalizationAgent, done: Callable[[str], None] | None = None, *, ws: Workspace | None = None,
            registry: JobRegistry | None = None) -> None:
    """The whole tab: upload, mapping, preview, import, and (with ``ws`` and ``registry``) the tuning
    after it. After an import the page reruns and the outcome goes to ``done(message)`` (the page
    shows it next to its persona table, which the new personas join: a rerun selects a tab set's
    first tab again) or, without one, into this tab."""
    st.session_state.setdefault(f"{P}.round", 0)
    if flash := st.session_state.pop(f"{P}.flash", None):
        st.success(plain(flash))
    tuner = (ws, registry) if ws is not None and registry is not None else None
    if tuner is not None:
        _last_tuning(ws, agent.collection, registry)
    st.caption("One row per interaction: a persona ID, the catalog's own item ID (as in the catalog file) and "
               "optionally a rating or weight and a time (ISO-8601 or unix seconds/milliseconds). Personas are "
               "created as needed, named by their ID; a bad row is reported with its row and column, and then "
               "nothing is stored.")
    file = st.file_uploader("Interaction log (CSV, TSV, JSON, JSON Lines, Parquet; .gz too)", type=UPLOAD_TYPES,
                            key=f"{P}.file.{st.session_state[f'{P}.round']}")
    if file is None:
        return
    try:
        log = peek_log(file.getvalue(), file.name)
    except PersonalizationError as exc:
        st.error(plain(str(exc)))
        return
    st.caption(f"{len(log):,} rows · columns: {plain(', '.join(log.columns))}")
    st.dataframe(preview_frame(log.table.rows[:5]), hide_index=True)
    key = f"{P}.{file.file_id}"
    try:
        mapping = mapping_form(log, key)
        st.markdown("**First rows as they will be stored**")
        st.dataframe(pd.DataFrame(preview_rows(log, mapping)), hide_index=True)
    except PersonalizationError as exc:
        st.error(plain(str(exc)))
        return
    skip = st.checkbox("Skip rows whose item is not in the catalog (they are counted) instead of rejecting the file",
                       key=f"{key}.skip")
    after = partial(_start_tuning, *tuner, agent.collection, *_tuning_form(key)) if tuner is not None else None
    if st.button("Import interactions", type="primary", key=f"{key}.import"):
        _run_import(agent, log, mapping, skip, done or (lambda text: st.session_state.update({f"{P}.flash": text})),
                    after)


def _tuning_form(key: str) -> tuple[bool, int]:
    """Whether to tune after the import, and on how many validation users at most."""
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    tune = left.checkbox("Then tune the blend on a validation split of the personas (in the background; "
                         "unchecked: only retrain the behaviour model)", value=True, key=f"{key}.tune")
    users = right.number_input("validation users to tune on", 1, 100_000, TUNE_USERS, step=100, key=f"{key}.users",
                               disabled=not tune)
    return tune, int(users)


def _last_tuning(ws: Workspace, collection: str, registry: JobRegistry) -> None:
    """The progress or outcome of the tuning started after the last upload (none: nothing)."""
    job = registry.get(job_key(ws, collection))
    if job is not None and job.settings.get("kind") == IMPORTED:
        outcome(job)


def _start_tuning(ws: Workspace, registry: JobRegistry, collection: str, tune: bool, users: int) -> str:
    """Start the job that tunes (or only retrains) after an import; what to tell the user."""
    try:
        registry.start(job_key(ws, collection), training_job(ws.store, collection, IMPORTED, users, tune))
    except AlreadyExistsError as exc:
        return (f"The behaviour model was not retrained: {exc}. Recommend's Tune and retrain does it once "
                "that ends.")
    what = "Tuning the blend on a validation split, then retraining" if tune else "Retraining the behaviour model"
    return f"{what} in the background: progress on the Upload interactions tab and Recommend's behaviour panel."


def mapping_form(log: InteractionLog, key: str) -> LogMapping:
    """The column-mapping widgets (keys under ``key``), defaulting to the log's guessed mapping;
    also used by the Evaluate page for an uploaded log."""
    columns, guess = list(log.columns), log.guess
    optional = [None, *columns]
    left, right = st.columns(2)
    persona = left.selectbox("Persona column", columns, index=columns.index(guess.persona_column),
                             key=f"{key}.persona")
    item = left.selectbox("Item column (the catalog's own IDs)", columns, index=columns.index(guess.item_column),
                          key=f"{key}.item")
    rating = right.selectbox("Rating or weight column", optional, index=optional.index(guess.rating_column),
                             format_func=lambda c: NONE_RATING if c is None else c, key=f"{key}.rating")
    timestamp = right.selectbox("Timestamp column (optional)", optional, index=optional.index(guess.timestamp_column),
                                format_func=lambda c: "(none: the time of the import)" if c is None else c,
                                key=f"{key}.time")
    unit = right.selectbox("Numeric times are", ["auto", "s", "ms"], key=f"{key}.unit",
                           format_func={"auto": "unix seconds or milliseconds (auto)", "s": "unix seconds",
                                        "ms": "unix milliseconds"}.get) if timestamp else "auto"
    how = low = high = threshold = None
    if rating is not None:
        how, low, high, threshold = _rating_form(log, rating, f"{key}.{rating}")
    mapping = mapping_from(log, persona, item, rating, how, low, high, threshold, timestamp, unit)
    _show_rating_mapping(log, mapping)
    return mapping


def _rating_form(log: InteractionLog, column: str, key: str) -> tuple[str, float, float, float]:
    """How the chosen column's ratings become weights; the defaults follow that column's values."""
    guess = log.rating_guess(column)
    low = guess.low if guess.low is not None else guess.threshold if guess.threshold is not None else -1.0
    high = guess.high if guess.high is not None else low + 1.0 if guess.threshold is not None else 1.0
    middle = guess.threshold if guess.threshold is not None else (low + high) / 2
    how = st.radio("Ratings become weights by", list(HOW), index=list(HOW).index(
        guess.kind if guess.kind in HOW else "weights"), format_func=HOW.get, key=f"{key}.how", horizontal=True)
    left, right, _ = st.columns([1, 1, 2])
    if how == "scale":
        low = left.number_input("Scale minimum (→ −1)", value=float(low), key=f"{key}.low")
        high = right.number_input("Scale maximum (→ +1)", value=float(high), key=f"{key}.high")
    elif how == "threshold":
        middle = left.number_input("Like threshold (≥ → +1)", value=float(middle), key=f"{key}.threshold")
    return how, low, high, middle


def _show_rating_mapping(log: InteractionLog, mapping: LogMapping) -> None:
    st.caption(f"Weights: {plain(mapping.rating.describe())}")
    if mapping.rating_column is None:
        return
    pairs = mapping.rating.examples(log.values(mapping.rating_column))
    if pairs:
        st.caption("On this file's ratings: " + " · ".join(f"{r:g} → {w:+.2f}" for r, w in pairs))


def _run_import(agent: PersonalizationAgent, log: InteractionLog, mapping: LogMapping, skip: bool,
                done: Callable[[str], None], after: Callable[[], str] | None) -> None:
    bar = st.progress(0.0, text="Checking the rows…")

    def report(done: int, total: int) -> None:
        text = f"Checked {done:,} of {total:,} rows" if done < total else f"Storing {total:,} interactions…"
        bar.progress(0.9 * done / max(total, 1), text=text)

    try:
        result = import_interactions(agent.store, agent.collection, log, mapping, skip_unknown_items=skip,
                                     progress=report)
    except PersonalizationError as exc:
        bar.empty()
        st.error(plain(str(exc)))
        return
    bar.progress(1.0, text="Done")
    st.session_state[f"{P}.round"] += 1
    message = f"{result.summary()[:1].upper()}{result.summary()[1:]} ({result.seconds:.1f} s)."
    done(message if after is None else f"{message} {after()}")
    st.rerun()
