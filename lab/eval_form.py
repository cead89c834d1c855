"""The Evaluate page's settings: which interactions, which protocol, what to compare.

:func:`render` draws three bordered sections and returns a :class:`lab.eval_plan.Plan` (or None
when the chosen source is not ready: no file uploaded yet, an unreadable file). The interaction
source is the sample's shipped log (when the collection is a sample with one), the workspace's
personas' interactions (including logs imported on the Personas page), or a log file uploaded
here and mapped with the Personas page's own column-mapping widgets. Every control keeps its
value when the user visits another page and comes back.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core import BASELINES, PersonalizationError, Workspace, convert_log, log_source, sample_source, store_source

from . import interaction_upload as upload
from .blend_ui import AUTO, strategy_choices, strategy_label
from .cards import plain
from .eval_plan import (BEHAVIOUR_CHOICES, CONTENT_CHOICES, DECAY_CHOICES, POPULARITY_CHOICES, PROTOCOL_HELP, PROTOCOLS, SWEEP_PARAMETERS, Plan,
                        Protocol, Sweep, engine_configs, parse_values)
from .resources import library

P = "lab.eval."
PERSIST = {"persist_state": "session"}
SOURCES = {"sample": "the sample's own interaction log", "personas": "this workspace's personas",
           "upload": "an interaction log file I upload"}
METRIC_LABELS = {"ndcg": "NDCG", "recall": "Recall", "hit_rate": "HitRate", "mrr": "MRR"}
BASELINE_LABELS = {"random": "random", "most_popular": "most popular", "item_knn": "item-kNN (co-occurrence)",
                   "ease": "EASE", "als": "ALS (implicit)", "bpr": "BPR (implicit)"}
NO_PROPERTIES = "Its users have no persona properties, so turning them on or off changes nothing."
DEFAULT_SWEEP = {"decay_rate": "0, 0.05, 0.1, 0.2, 0.5", "popularity_weight": "0, 0.25, 0.5, 1, 2",
                 "property_weight": "0, 0.25, 0.5, 1", "negative_weight": "0, 0.5, 1",
                 "recent_interactions_count": "10, 25, 50, 100", "content_weight": "0, 0.1, 0.2, 0.4",
                 "behaviour_weight": "0, 0.5, 1, 2", "ramp": "0, 3, 10", "behaviour_query": "graded, binary"}
STRATEGY_HELP = ("auto is the engine's default: blend once a behaviour model is trained (on each run's training "
                 "part), else centroid.")
BLEND_HELP = ("A weight of the blend (auto and blend strategies only); stored: the weight stored with the behaviour "
              "model each run trains on its training part.")


def render(ws: Workspace, collection: str) -> Plan | None:
    """Draw the settings; the plan they describe, or None while the source is not ready."""
    with st.container(border=True):
        st.markdown("**1 · Interactions to evaluate on**")
        source = _source(ws, collection)
    with st.container(border=True):
        st.markdown("**2 · Protocol**")
        protocol, k, users = _protocol()
    with st.container(border=True):
        st.markdown("**3 · What to compare**")
        configs, baselines, sweep = _compare()
    if source is None:
        return None
    name, make, timed = source
    errors = (sweep,) if isinstance(sweep, str) else ()
    return Plan(name, make, protocol, k, users, tuple(configs), tuple(baselines),
                None if isinstance(sweep, str) else sweep, timed, errors)


def _sample_with_log(collection: str) -> str | None:
    """The sample behind ``collection`` when it ships an interaction log."""
    if collection not in library().names():
        return None
    info = library().info(collection)
    return info.name if info.interactions else None


def _source(ws: Workspace, collection: str):
    sample = _sample_with_log(collection)
    choices = [c for c in SOURCES if c != "sample" or sample]
    st.session_state.setdefault(P + "source", choices[0])
    if st.session_state[P + "source"] not in choices:
        st.session_state[P + "source"] = choices[0]
    choice = st.radio("Interaction source", choices, format_func=SOURCES.get, key=P + "source", horizontal=True,
                      help="Each user's interactions are split into training (their history) and held-out ones "
                           "that a good ranking should find.")
    if choice == "sample":
        rows = library().info(collection).interactions
        st.caption(f"The ratings shipped with the {plain(sample)} sample: {rows:,} rows, with times. {NO_PROPERTIES}")
        return f"{sample} sample log", lambda: sample_source(sample), True
    if choice == "personas":
        count = ws.store.count_personas(collection)
        if not count:
            st.error(f"This workspace has no personas of {plain(collection)} yet, so there are no interactions to "
                     "evaluate on: add personas and their likes on the Personas page (or import a log there), or "
                     "upload a log file here.")
            return None
        st.caption(f"Every interaction of this workspace's {count:,} persona(s) of {plain(collection)}, including "
                   "logs imported on the Personas page (not the sample's community: its log is a source of its "
                   "own). Persona properties go into the ranking when they are on.")
        return f"personas of {collection}", lambda: store_source(ws.store, collection), True
    return _upload()


def _upload():
    file = st.file_uploader("Interaction log (CSV, TSV, JSON, JSON Lines, Parquet; .gz too)",
                            type=upload.UPLOAD_TYPES, key=P + "file")
    if file is None:
        st.caption("One row per interaction: a user ID, the catalog's own item ID, optionally a rating and a time.")
        return None
    try:
        log = upload.peek_log(file.getvalue(), file.name)
        st.caption(f"{len(log):,} rows · columns: {plain(', '.join(log.columns))}")
        mapping = upload.mapping_form(log, f"{P}map.{file.file_id}")
    except PersonalizationError as exc:
        st.error(plain(str(exc)))
        return None
    st.caption(NO_PROPERTIES)
    name = file.name
    return name, lambda: log_source(convert_log(log, mapping), name), mapping.timestamp_column is not None


def _protocol() -> tuple[Protocol, int, int | None]:
    cols = st.columns([3, 2, 2, 2])
    name = cols[0].selectbox("Split", list(PROTOCOLS), format_func=PROTOCOLS.get, key=P + "protocol",
                             help=PROTOCOL_HELP, **PERSIST)
    if name == "leave_last_k":
        last = cols[1].number_input("k held out per user", 1, 50, 1, key=P + "last", **PERSIST)
        validation_last = cols[2].number_input("k for validation", 0, 50, 0, key=P + "validation_last", **PERSIST,
                                               help="Held out before the test ones; a sweep tunes on them.")
        test_fraction, validation_fraction = 0.2, 0.0
    else:
        test_fraction = cols[1].slider("test fraction", 0.05, 0.5, 0.2, 0.05, key=P + "test_fraction", **PERSIST)
        validation_fraction = cols[2].slider("validation fraction", 0.0, 0.4, 0.0, 0.05, key=P + "validation_fraction",
                                             help="Of the training part; a sweep tunes on it.", **PERSIST)
        last, validation_last = 1, 0
    seed = cols[3].number_input("seed", 0, 2**31 - 1, 0, key=P + "seed", **PERSIST,
                                help="The random split, the user sample and the bootstrap intervals use it.")
    cols = st.columns([3, 2, 2, 2])
    min_rating = cols[0].number_input("relevant held-out rating: at least", value=None, step=0.5,
                                      placeholder="any positive weight", key=P + "min_rating", **PERSIST,
                                      help="On the log's own rating scale (e.g. 4 of 5 stars); empty: a held-out "
                                           "interaction is relevant when its weight is positive.")
    k = cols[1].number_input("k (list length)", 1, 100, 10, key=P + "k", **PERSIST)
    users = cols[2].number_input("users (0 = all)", 0, 100_000, 100, step=50, key=P + "users", **PERSIST,
                                 help="A seeded random sample of the test users, for a quick first look.")
    protocol = Protocol(name, float(test_fraction), float(validation_fraction), int(last), int(validation_last),
                        int(seed), None if min_rating is None else float(min_rating))
    return protocol, int(k), int(users) or None


def _compare():
    cols = st.columns(5)
    strategies = cols[0].multiselect("strategies", strategy_choices(), default=[AUTO], key=P + "strategies",
                                     format_func=strategy_label, help=STRATEGY_HELP, **PERSIST)
    decays = cols[1].multiselect("decay rates", DECAY_CHOICES, default=[0.1], key=P + "decays", **PERSIST)
    popularity = cols[2].multiselect("popularity weights", POPULARITY_CHOICES, default=[None], key=P + "popularity",
                                     format_func=lambda v: "engine default" if v is None else f"{v:g}",
                                     help="For auto and blend: the blend's popularity weight.", **PERSIST)
    properties = cols[3].multiselect("persona properties", [True, False], default=[True], key=P + "properties",
                                     format_func=lambda v: "on" if v else "off", **PERSIST)
    agent = cols[4].multiselect("local-agent ranking", [False, True], default=[False], key=P + "agent",
                                format_func=lambda v: "on" if v else "off", **PERSIST)
    cols = st.columns([1, 1, 1, 2])
    content = cols[0].multiselect("content weights", CONTENT_CHOICES, default=[None], key=P + "content",
                                  format_func=_stored, help=BLEND_HELP, **PERSIST)
    behaviour = cols[1].multiselect("behaviour weights", BEHAVIOUR_CHOICES, default=[None], key=P + "behaviour",
                                    format_func=_stored, help=BLEND_HELP, **PERSIST)
    recent = cols[2].number_input("recent_interactions_count", 1, 100_000, 100, step=10, key=P + "recent", **PERSIST)
    baselines = cols[3].multiselect("baselines", list(BASELINES), default=["random", "most_popular"],
                                    format_func=lambda b: BASELINE_LABELS.get(b, b), key=P + "baselines", **PERSIST)
    configs = engine_configs(strategies, decays, popularity, properties, agent, int(recent), content, behaviour)
    st.caption(f"{len(configs)} engine configuration(s) (every combination of the values chosen) and "
               f"{len(baselines)} baseline(s); each ranks the same test users.")
    return configs, baselines, _sweep()


def _stored(value: float | None) -> str:
    return "stored" if value is None else f"{value:g}"


def _sweep() -> Sweep | str | None:
    """The sweep asked for, None, or (shown here too) what is wrong with its values."""
    on = st.toggle("Sweep one parameter: tune it on the validation split, report the best on test",
                   key=P + "sweep", **PERSIST)
    if not on:
        return None
    cols = st.columns([2, 4, 2])
    parameter = cols[0].selectbox("parameter", list(SWEEP_PARAMETERS), key=P + "sweep.parameter", **PERSIST)
    text = cols[1].text_input("values (comma-separated)", DEFAULT_SWEEP[parameter], key=f"{P}sweep.values.{parameter}",
                              **PERSIST)
    metric = cols[2].selectbox("tuned on", list(METRIC_LABELS), format_func=METRIC_LABELS.get,
                               key=P + "sweep.metric", **PERSIST)
    st.caption("The first engine configuration above is the base; the sweep changes only this parameter.")
    try:
        return Sweep(parameter, parse_values(parameter, text), metric)
    except PersonalizationError as exc:
        st.error(plain(str(exc)))
        return f"Sweep: {exc}"


def describe(settings: dict[str, Any]) -> str:
    """A job's settings in one line, for the results."""
    p = settings["protocol"]
    if p["name"] == "leave_last_k":
        split = f"leave-last-{p['last']}" + (f" (+{p['validation_last']} validation)" if p["validation_last"] else "")
    else:
        split = f"{p['name']} {p['test_fraction']:g}" + (f" (+{p['validation_fraction']:g} validation)"
                                                         if p["validation_fraction"] else "")
    users = "all users" if settings["users"] is None else f"a sample of {settings['users']} users"
    return (f"{settings['source']} · {split} split, seed {p['seed']} · k={settings['k']} · {users} · collection "
            f"{settings['collection']}")
