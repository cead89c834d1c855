"""``blend``: content similarity, behaviour similarity and popularity, weighted per request.

``score(x) = c · content(x) + b · ramp(n) · behaviour(x) + p · popularity(x)`` with weights
:class:`~core.configs.BlendWeights` (the request's, else the ones tuned for the collection, else the
defaults). ``content`` is the centroid strategy's score (likes minus ``beta`` times dislikes) on
the catalog's vectors; ``behaviour`` the cosine of the item's learned vector with the persona's
folded-in behaviour query (:mod:`core.learn.model`); ``popularity`` the engine's scaled like count,
added by the vector stage with weight ``p``. ``ramp(n) = n / (n + ramp)`` over the persona's ``n``
likes the model knows. The candidate search is exact: ``c · content`` is the query and the
behaviour part is the search's per-item prior, computed for every item.

Without a trained model the behaviour part is 0 and the blend is content plus popularity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

import numpy as np

from core.configs import BlendWeights
from core.learn.model import BEHAVIOUR, BehaviourModel, BehaviourQuery, LearnedContext
from core.learn.train import behaviour_model
from core.retrieval.profile import Profile
from core.retrieval.strategies.base import ONE, StrategyConfig
from core.retrieval.signals import item_titles
from core.retrieval.strategies.centroid import Centroid
from core.store.base import Store


def learned_context(store: Store, collection: str, requested: BlendWeights | None) -> LearnedContext:
    """The model and the weights a ``blend`` request uses: the request's weights, else those stored with
    the model (tuned on validation, or the defaults it was trained with), else the defaults."""
    model = behaviour_model(store, collection)
    if requested is not None:
        return LearnedContext(model, requested, "request")
    stored = model.meta.get("blend") if model is not None else None
    if stored:
        return LearnedContext(model, BlendWeights.model_validate(stored), "tuned" if model.meta.get("tuning") else "default")
    return LearnedContext(model, BlendWeights(), "default")


def behaviour_query(model: BehaviourModel, history: Sequence, weights: BlendWeights) -> BehaviourQuery:
    """The behaviour query of decayed interactions ``history``: their decayed weights (graded) or each
    like's decay (binary), the decay counted from the newest interaction as the strategies count it
    (:attr:`core.retrieval.profile.Profile.effective`; the query is normalised, so only relative weights matter)."""
    ids = [i.item_id for i in history]
    w = np.array([i.weight for i in history], dtype=np.float64)
    h = np.array([i.halvings for i in history], dtype=np.float64)
    live = w != 0
    decay = np.exp2(-(h - h[live].min())) if live.any() else np.ones(len(w))  # relative to the newest: no underflow
    a = w * decay if weights.query == "graded" else np.where(w > 0, decay, 0.0)
    return model.query(ids, a.tolist())


def blend_popularity(store: Store, collection: str, options: object) -> float:
    """The popularity weight a ``blend`` request uses (the request's blend, else the stored one)."""
    return learned_context(store, collection, getattr(options, "blend", None)).weights.popularity


def known_likes(model: BehaviourModel, history: Sequence) -> int:
    """How many of the decayed interactions ``history`` are likes of items the model knows."""
    return sum(1 for i in history if i.weight > 0 and i.item_id in model.row)


def ramp_factor(likes: int, ramp: float) -> float:
    """``n / (n + ramp)``: how much of the behaviour weight a persona with ``n`` known likes gets."""
    return likes / (likes + ramp) if ramp else float(likes > 0)


@dataclass
class BehaviourPrior:
    """The search prior ``weight · behaviour similarity`` of every item (an :class:`~core.store.base.ItemPrior`)."""

    model: BehaviourModel
    query: BehaviourQuery
    weight: float

    learned = BEHAVIOUR
    """The learned vectors it scores with (their name in the store): the native form's collection."""

    def aligned(self, ids: Sequence[UUID]) -> np.ndarray:
        return self.weight * self.model.similarity_rows(self.query, ids)

    @property
    def vector(self) -> np.ndarray | None:
        """The native form (:class:`~core.store.base.ItemPrior`): the behaviour query whose nearest learned
        vectors score highest, or None when nothing would (an empty query, a weight that is not positive)."""
        return None if self.query.empty or not self.weight > 0 else self.query.vector


@dataclass
class BlendScorer:
    """Content query and exact content score; behaviour by item id (see the module docstring)."""

    like_query: np.ndarray
    dislike_query: np.ndarray
    weights_used: BlendWeights
    behaviour_weight: float
    """``b · ramp(n)`` for this persona (0 without a model or a known like)."""
    model: BehaviourModel | None = None
    query: BehaviourQuery | None = None
    source: str = "default"
    name: str = "blend"
    known_likes: int = 0
    prior: BehaviourPrior | None = field(default=None)

    @property
    def queries(self) -> np.ndarray:
        q = self.weights_used.content * (self.like_query - self.dislike_query)
        return q[None, :]

    @property
    def weights(self) -> np.ndarray:
        return ONE

    @property
    def popularity_weight(self) -> float:
        return self.weights_used.popularity

    def score(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        like, penalty = X @ self.like_query, X @ self.dislike_query
        c = self.weights_used.content
        return c * (like - penalty), {"like_similarity": like, "dislike_penalty": penalty,
                                      "content_similarity": like - penalty, "content_part": c * (like - penalty)}

    def by_id(self, ids: Sequence[UUID]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The behaviour part of the score of each of ``ids`` (``b · ramp(n) · similarity``) and its signals."""
        sim = self.model.similarity(self.query, ids) if self.model is not None and self.query is not None \
            else np.zeros(len(ids), np.float32)
        part = self.behaviour_weight * sim
        return part, {"behaviour_similarity": sim, "behaviour_part": part}


class Blend:
    name = "blend"
    summary = "content + behaviour (learned from everyone's interactions) + popularity, weights per request"

    def scorer(self, profile: Profile, config: StrategyConfig) -> BlendScorer:
        content = Centroid().scorer(profile, config)
        context: LearnedContext | None = profile.learned
        weights = context.weights if context is not None else BlendWeights()
        model = context.model if context is not None else None
        scorer = BlendScorer(content.like_query, content.dislike_query, weights, 0.0,
                             source=context.source if context is not None else "default")
        if model is None or not weights.behaviour:
            return scorer
        history = context.history or profile.interactions
        query = behaviour_query(model, history, weights)
        likes = known_likes(model, history)
        scorer.model, scorer.query, scorer.known_likes = model, query, likes
        scorer.behaviour_weight = weights.behaviour * ramp_factor(likes, weights.ramp) if not query.empty else 0.0
        if scorer.behaviour_weight:
            scorer.prior = BehaviourPrior(model, query, scorer.behaviour_weight)
        return scorer


STRATEGY = Blend()


def scorer_details(scorer: object) -> dict[str, object]:
    """What the trace shows of a blend scorer (nothing for other strategies)."""
    if not isinstance(scorer, BlendScorer):
        return {}
    model = scorer.model
    return {"blend": scorer.weights_used.model_dump(mode="json"), "blend_source": scorer.source,
            "behaviour_model": None if model is None else {k: model.meta.get(k) for k in ("dims", "l2", "trained_at")},
            "behaviour_weight": round(scorer.behaviour_weight, 4), "known_likes": scorer.known_likes}


def behaviour_reasons(store: Store, collection: str, scorer: object, ids: Sequence[UUID]) -> list[dict[str, object]]:
    """For each of ``ids``: the interaction whose part of its behaviour score is largest (``because_of``,
    its title) and that part of the score (``because_of_part``, behaviour weight included)."""
    out: list[dict[str, object]] = [{} for _ in ids]
    if not isinstance(scorer, BlendScorer) or scorer.model is None or scorer.query is None or not scorer.behaviour_weight:
        return out
    tops = scorer.model.top_contributions(scorer.query, ids)
    names = item_titles(store, collection, list({t[0] for t in tops if t}))
    for extra, top in zip(out, tops):
        if top and top[1] > 0:
            extra["because_of"] = names.get(top[0], str(top[0]))
            extra["because_of_part"] = scorer.behaviour_weight * top[1]
    return out
