"""The Recommend page's blend: which strategy runs, the blend weights in use and the user's overrides.

The weights in use are the ones stored with the collection's behaviour model (tuned on a
validation split when ``meta["tuning"]`` is set, else the defaults it was trained with), else the
engine's defaults. The content / behaviour / popularity sliders and the query kind start at them;
what the user moves is passed to ``get_objects(..., blend=)`` as the fields that differ (nothing
moved: ``blend=None``, so the response's trace says the stored weights ranked). When the stored
weights change (a retrain with tuning), the controls move to the new ones.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from core import STRATEGIES, BehaviourStatus, BlendWeights

from .cards import plain

P = "lab.recommend.blend."
PERSIST = {"persist_state": "session"}
AUTO = "auto"
"""The engine's default strategy (``get_objects(strategy=None)``): ``blend`` once the collection has a
behaviour model, else ``centroid``."""
LABELS = {AUTO: "auto (blend once trained)"}
QUERIES = ("graded", "binary")
SLIDERS = {
    "content": ("content", 2.0, "× content similarity: closeness to the persona's likes (minus its dislikes) "
                                       "in the catalog's text vectors"),
    "behaviour": ("behaviour", 3.0, "× behaviour similarity: what people who liked the same items also liked "
                                           "(the learned behaviour vectors)"),
    "popularity": ("popularity", 1.0, "× popularity: log(1 + personas who liked it), scaled to 0..1"),
}
EDITABLE = (*SLIDERS, "query")
QUERY_HELP = ("graded: each interaction counts with its decayed weight, dislikes subtract; binary: each like counts "
              "its decay, dislikes nothing")
METRICS = {"ndcg": "NDCG", "recall": "Recall", "hit_rate": "HitRate", "mrr": "MRR"}


def strategy_choices() -> tuple[str, ...]:
    """``auto`` first (the engine's default), then every registered strategy."""
    return (AUTO, *STRATEGIES)


def strategy_label(name: str) -> str:
    return LABELS.get(name, name)


def stored(status: BehaviourStatus) -> tuple[BlendWeights, str]:
    """The weights a ``blend`` request without overrides uses, and where they come from, in words."""
    blend = status.meta.get("blend") if status.trained else None
    if not blend:
        return BlendWeights(), "the engine's defaults"
    if status.meta.get("tuning"):
        return BlendWeights.model_validate(blend), "tuned on validation" + _tuned_on(status)
    return BlendWeights.model_validate(blend), "the defaults stored with the model (not tuned yet)"


def _tuned_on(status: BehaviourStatus) -> str:
    """On how many interactions the stored weights were tuned, and how many came since (a retrain keeps them)."""
    if status.tuned_on is None:
        return ""
    since = status.tuned_since
    later = f", {since:+,} since (a retrain keeps these weights; Tune and retrain chooses again)" if since else ""
    return f" on {status.tuned_on:,} interactions{later}"


def tuning_line(status: BehaviourStatus) -> str | None:
    """The tuning's validation score against the default weights', in one line (None: not tuned)."""
    tuning = status.meta.get("tuning") if status.trained else None
    if not tuning:
        return None
    metric = METRICS.get(tuning.get("metric"), tuning.get("metric"))
    default = tuning.get("default_validation")
    versus = f" against {default:.4f} with the default weights" if default is not None else ""
    return (f"Validation {metric} {tuning.get('validation', float('nan')):.4f}{versus} "
            f"({tuning.get('users')} users, {tuning.get('points')} weight settings tried).")


def key(name: str, collection: str) -> str:
    return f"{P}{name}.{collection}"


def keys(collection: str) -> list[str]:
    """The blend controls' session keys (a reset drops them, and they start again at the stored weights)."""
    return [key(name, collection) for name in EDITABLE]


def defaults(collection: str, weights: BlendWeights) -> dict[str, Any]:
    """The blend controls' session keys and the stored values they start at (the link's defaults)."""
    return {key(name, collection): getattr(weights, name) for name in EDITABLE}


def sync(collection: str, weights: BlendWeights) -> None:
    """Before the controls are drawn: start them at ``weights``, or move them there when the stored
    weights changed since they were last drawn (kept values otherwise, e.g. from a link)."""
    base = f"{P}base.{collection}"
    wanted = defaults(collection, weights)
    changed = base in st.session_state and st.session_state[base] != wanted
    st.session_state[base] = wanted
    for name, value in wanted.items():
        if changed:
            st.session_state[name] = value
        else:
            st.session_state.setdefault(name, value)


def _reset(collection: str) -> None:
    st.session_state.update(st.session_state.get(f"{P}base.{collection}", {}))


def overrides(collection: str, weights: BlendWeights) -> dict[str, Any]:
    """The controls' values that differ from ``weights`` (``get_objects``'s ``blend=`` fields)."""
    out = {}
    for name in EDITABLE:
        value, base = st.session_state.get(key(name, collection)), getattr(weights, name)
        if value is None:
            continue
        same = value == base if name == "query" else math.isclose(float(value), float(base), abs_tol=1e-9)
        if not same:
            out[name] = value if name == "query" else float(value)
    return out


def controls(collection: str, status: BehaviourStatus) -> dict[str, Any] | None:
    """The weights in use, the override controls and "Reset to tuned"; the request's ``blend=`` (None:
    nothing overridden, the stored weights apply)."""
    weights, source = stored(status)
    sync(collection, weights)
    st.markdown(f"**Blend weights** · in use: {plain(source)}")
    st.caption(plain(f"{weights.label()} (ramp {weights.ramp:g}: a persona with n known likes gets n / (n + ramp) "
                     "of the behaviour weight)" if weights.ramp else weights.label()))
    if line := tuning_line(status):
        st.caption(plain(line))
    if not status.trained:
        st.caption("No behaviour model yet: the behaviour part is 0 until one is trained.")
    cols = st.columns(4)
    for col, (name, (label, top, help_text)) in zip(cols, SLIDERS.items()):
        col.slider(label, 0.0, max(top, float(getattr(weights, name))), step=0.01, key=key(name, collection),
                   help=help_text, **PERSIST)
    cols[3].radio("query", QUERIES, key=key("query", collection), horizontal=True, help=QUERY_HELP,
                  **PERSIST)
    changed = overrides(collection, weights)
    if changed:
        st.caption(plain("Overridden for these requests: " + ", ".join(
            f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}" for name, value in changed.items())))
    st.button("Reset to tuned" if status.meta.get("tuning") else "Reset to the stored weights", key=P + "reset",
              icon=":material/undo:", disabled=not changed, on_click=_reset, args=(collection,))
    return changed or None
