"""The local agent (no LLM): rule-based planning, a weighted fusion of signals, then MMR.

Relevance of a candidate ``c`` (signals read from ``c.signals``, a missing key counts as 0)::

    relevance(c) = w_like       * like_similarity
                 - w_dislike    * dislike_penalty          (already carries the engine's beta)
                 + w_instruction * instruction_similarity  (only when an instruction is given)
                 + w_popularity * popularity
                 + w_property   * property_match

with the defaults of :class:`LocalRankerConfig` (1.0, 1.0, 3.0, 0.5, 0.1). An explicit instruction
outweighs long-term taste on purpose: a short query's cosine similarities to items spread over
only ~0.2–0.6, so with weight 1 the persona's likes would drown it (measured on the workshop
catalog: "a sweet dessert" for a pasta lover gave 1 dessert in 8 with weight 1, most with 3). The list is then
chosen greedily by maximal marginal relevance: each step takes the remaining candidate with the
highest ``lam * relevance - (1 - lam) * max_sim``, ``max_sim`` being its largest cosine
similarity (``c.vector . s.vector``, unit vectors) to an already chosen item (0 for the first
pick; a negative similarity is used as is); ties go to the earlier pool item; ``lam`` defaults to 0.8, and ``lam = 1`` is plain
relevance order. ``(1 - lam) * max_sim`` is the *diversity penalty* reported per item.

Explanations quote only these numbers: the components above whose contribution is at least
``mention_threshold`` in size (strongest first), the extra searches that found the item, and,
when MMR took it ahead of a more relevant item or passed it over, the penalties that decided it.
Their text is built in :mod:`core.ranking.local.explain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import numpy as np

from core.configs import LOCAL_COMPONENTS, LOCAL_SIGNS, LocalRankerConfig
from core.errors import InvalidInputError
from core.ranking.base import Candidate, PersonaSummary, PlannedSearch, RankContext, RankDecision
from core.ranking.local.explain import explain_item, number, rationale
from core.ranking.local.plan import plan_searches

COMPONENTS = LOCAL_COMPONENTS
"""Fusion components, in the column order of :func:`components`."""

_SIGNALS = ("like_similarity", "dislike_penalty", "instruction_similarity", "popularity", "property_match")


@dataclass(frozen=True)
class Step:
    """One MMR pick and what decided it.

    ``pick`` was chosen with diversity penalty ``penalty`` (``(1 - lam) * similarity``, its
    similarity to ``nearest``, the closest item chosen before it; -1 and 0 for the first pick);
    ``best`` was the most relevant candidate left at that step and ``best_penalty`` its penalty.
    """

    pick: int
    penalty: float
    nearest: int
    similarity: float
    best: int
    best_penalty: float

    def promoted(self, relevance: Sequence[float]) -> bool:
        """True when ``pick`` beat a more relevant item only because that one's penalty was larger."""
        return relevance[self.best] > relevance[self.pick] and self.best_penalty > self.penalty


def components(pool: list[Candidate], instruction_given: bool, config: LocalRankerConfig) -> np.ndarray:
    """The signed contribution of each component to each candidate's relevance, shape (n, 5)."""
    raw = np.array([[number(c.signals.get(key)) for key in _SIGNALS] for c in pool], dtype=np.float64)
    return raw.reshape(len(pool), len(_SIGNALS)) * (LOCAL_SIGNS * config.weights(instruction_given))


def fuse(pool: list[Candidate], instruction_given: bool, config: LocalRankerConfig) -> np.ndarray:
    """The relevance of each candidate (the formula in the module docstring)."""
    return components(pool, instruction_given, config).sum(axis=1)


def mmr(relevance: np.ndarray, vectors: np.ndarray, k: int, lam: float) -> list[int]:
    """Greedy maximal-marginal-relevance selection of ``min(k, n)`` distinct row indices."""
    return [s.pick for s in mmr_steps(relevance, vectors, k, lam)]


def mmr_steps(relevance: np.ndarray, vectors: np.ndarray, k: int, lam: float) -> list[Step]:
    """:func:`mmr` with what decided each step (penalties, nearest chosen item, the most relevant left)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise InvalidInputError(f"k must be an integer >= 0, got {k!r}")
    if not 0 <= lam <= 1:
        raise InvalidInputError(f"lam must be between 0 and 1, got {lam!r}")
    n, keep = len(relevance), 1.0 - lam
    V = np.asarray(vectors, dtype=np.float64)
    rel_left = np.array(relevance, dtype=np.float64)  # chosen items are set to -inf
    score_left = lam * rel_left
    max_sim, nearest = np.zeros(n), np.full(n, -1)
    steps = []
    for step in range(min(k, n)):
        pick = int((score_left - keep * max_sim).argmax())
        best = int(rel_left.argmax())
        steps.append(Step(pick, keep * max_sim[pick].item(), int(nearest[pick]), max_sim[pick].item(),
                          best, keep * max_sim[best].item()))
        rel_left[pick] = score_left[pick] = -np.inf
        sims = V @ V[pick]
        if step == 0:  # the first pick defines max_sim, negative similarities included
            max_sim, nearest = sims, np.full(n, pick)
        else:
            nearest[sims > max_sim] = pick
            np.maximum(max_sim, sims, out=max_sim)
    return steps


class LocalRanker:
    """The :class:`~core.ranking.base.Ranker` that needs no LLM: rules, fusion and MMR."""

    name = "local agent (no LLM)"

    def __init__(self, config: LocalRankerConfig | None = None) -> None:
        self.config = config or LocalRankerConfig()

    def plan(self, persona: PersonaSummary, instruction: str | None, max_searches: int,
             ctx: RankContext) -> list[PlannedSearch]:
        """Extra searches by the rules of :func:`core.ranking.local.plan.plan_searches`."""
        return plan_searches(persona, instruction, max_searches)

    def rerank(self, persona: PersonaSummary, instruction: str | None, pool: list[Candidate], limit: int,
               explain: bool, ctx: RankContext) -> RankDecision:
        """Fuse the signals, pick ``min(limit, len(pool))`` items by MMR, and say why.

        The rationale is always given (it is cheap); per-item explanations only when ``explain``.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidInputError(f"limit must be an integer >= 0, got {limit!r}")
        _check_distinct(pool)
        given = bool(instruction and instruction.strip())
        matrix = components(pool, given, self.config)
        vectors = np.stack([c.vector for c in pool]) if pool else np.zeros((0, 0))
        steps = mmr_steps(matrix.sum(axis=1), vectors, limit, self.config.mmr_lambda)
        parts, relevance = matrix.tolist(), matrix.sum(axis=1).tolist()  # plain floats format faster
        chosen = [pool[s.pick] for s in steps]
        decision = RankDecision(
            order=[c.uuid for c in chosen],
            rationale=rationale(self.config, given, pool, limit, steps, relevance),
            scores={c.uuid: relevance[s.pick] for c, s in zip(chosen, steps)},
            details=self._details(given, pool, steps, parts, relevance),
        )
        if explain:
            decision.explanations = self._explanations(pool, steps, parts, relevance)
        return decision

    def _explanations(self, pool: list[Candidate], steps: list[Step], parts: list[list[float]],
                      relevance: list[float]) -> dict[UUID, str]:
        """Each chosen item's explanation (see :func:`core.ranking.local.explain.explain_item`)."""
        passed_over = {s.best for s in steps if s.promoted(relevance)}
        return {pool[s.pick].uuid: explain_item(pool, s, dict(zip(COMPONENTS, parts[s.pick])), relevance,
                                                s.pick in passed_over, self.config.mention_threshold)
                for s in steps}

    def _details(self, given: bool, pool: list[Candidate], steps: list[Step], parts: list[list[float]],
                 relevance: list[float]) -> dict[str, Any]:
        """Weights and, per chosen item, its components and diversity penalty, for the trace."""
        items = {}
        for s in steps:
            entry = {name: round(v, 4) for name, v in zip(COMPONENTS, parts[s.pick])}
            entry.update(relevance=round(relevance[s.pick], 4), diversity_penalty=round(s.penalty, 4),
                         similar_to=pool[s.nearest].title if s.nearest >= 0 else None)
            items[str(pool[s.pick].uuid)] = entry
        weights = dict(zip(COMPONENTS, self.config.weights(given).tolist()))
        return {"weights": weights, "mmr_lambda": self.config.mmr_lambda, "instruction_given": given,
                "items": items}


def _check_distinct(pool: list[Candidate]) -> None:
    seen = set()
    for c in pool:
        if c.uuid in seen:
            raise InvalidInputError(f"the candidate pool holds {c.uuid} ({c.title!r}) twice; each item must appear once")
        seen.add(c.uuid)
