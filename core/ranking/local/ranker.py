"""The local agent (no LLM): rule-based planning, a weighted fusion of signals, then MMR.

Relevance of a candidate ``c`` (signals read from ``c.signals``, a missing key counts as 0)::

    relevance(c) = w_like       * like_similarity
                 - w_dislike    * dislike_penalty          (already carries the engine's beta)
                 + w_instruction * instruction_similarity  (only when an instruction is given)
                 + w_popularity * popularity
                 + w_property   * property_match
                 + w_fit        * instruction_fit          (only when an instruction is given)
                 - w_conflict   * instruction_conflict     (only when an instruction is given)

with the defaults of :class:`LocalRankerConfig` (1.0, 1.0, 3.0, 0.5, 0.1, 1.0, 2.0). An explicit instruction
outweighs long-term taste on purpose: a short query's cosine similarities to items spread over
only ~0.2–0.6, so with weight 1 the persona's likes would drown it (measured on the workshop
catalog: "a sweet dessert" for a pasta lover gave 1 dessert in 8 with weight 1, most with 3).

``instruction_fit`` and ``instruction_conflict`` are this agent's reading of the instruction
(:mod:`core.ranking.local.fit`, :mod:`core.ranking.local.intent`): the share of the concepts it asks
for ("funny" -> comedy, "for kids" -> children, "western") that the candidate's catalog values
carry, and 1 when the candidate has a value it rules out ("not a comedy"; "for kids" rules out
horror). A conflict costs more than a full fit gains, so what the instruction rules out falls
below what merely misses it. When the reading met the candidates' values at all (some candidate
carries an asked-for concept, or has a ruled-out one), the similarity weighs
``instruction_with_values`` (0.5) instead of ``w_instruction``: the values then say what fits, and
the persona's likes, not the words of the instruction, order what fits. Measured on the labelled
set of ``benchmarks/bench_instructions.py`` (validation half): P@10 0.43 -> 1.00 with the mean
similarity to the persona's likes unchanged (0.553 -> 0.551). The list is then
chosen greedily by maximal marginal relevance: each step takes the remaining candidate with the
highest ``lam * relevance - (1 - lam) * max_sim``, ``max_sim`` being its largest cosine
similarity (``c.vector . s.vector``, unit vectors) to an already chosen item (0 for the first
pick; a negative similarity is used as is); ties go to the earlier pool item; ``lam`` defaults to 0.8, and ``lam = 1`` is plain
relevance order. ``(1 - lam) * max_sim`` is the *diversity penalty* reported per item.

Explanations quote only these numbers: the components above whose contribution is at least
``mention_threshold`` in size (strongest first; fit and conflict name the item's values that
decided them), the extra searches that found the item, and,
when MMR took it ahead of a more relevant item or passed it over, the penalties that decided it.
Their text is built in :mod:`core.ranking.local.explain`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

import numpy as np

from core.errors import InvalidInputError
from core.ranking.base import Candidate, PersonaSummary, PlannedSearch, RankContext, RankDecision
from core.ranking.local.explain import Reading, explain_item, rationale
from core.ranking.local.fit import instruction_fit
from core.ranking.local.fusion import COMPONENTS, LocalRankerConfig, components, fuse
from core.ranking.local.mmr import Step, mmr, mmr_steps
from core.ranking.local.plan import plan_searches

__all__ = ["COMPONENTS", "LocalRanker", "LocalRankerConfig", "Step", "components", "fuse", "mmr", "mmr_steps"]


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
        pool, reading = _read(instruction, pool) if given else (pool, None)
        matched = reading is not None and reading.matched
        matrix = components(pool, given, self.config, matched)
        vectors = np.stack([c.vector for c in pool]) if pool else np.zeros((0, 0))
        steps = mmr_steps(matrix.sum(axis=1), vectors, limit, self.config.mmr_lambda)
        parts, relevance = matrix.tolist(), matrix.sum(axis=1).tolist()  # plain floats format faster
        chosen = [pool[s.pick] for s in steps]
        decision = RankDecision(
            order=[c.uuid for c in chosen],
            rationale=rationale(self.config, given, pool, limit, steps, relevance, reading),
            scores={c.uuid: relevance[s.pick] for c, s in zip(chosen, steps)},
            details=self._details(given, matched, pool, steps, parts, relevance),
        )
        if reading is not None:
            decision.details["instruction_reading"] = vars(reading)
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

    def _details(self, given: bool, matched: bool, pool: list[Candidate], steps: list[Step],
                 parts: list[list[float]], relevance: list[float]) -> dict[str, Any]:
        """Weights and, per chosen item, its components and diversity penalty, for the trace."""
        items = {}
        for s in steps:
            entry = {name: round(v, 4) for name, v in zip(COMPONENTS, parts[s.pick])}
            entry.update(relevance=round(relevance[s.pick], 4), diversity_penalty=round(s.penalty, 4),
                         similar_to=pool[s.nearest].title if s.nearest >= 0 else None)
            for key in ("instruction_fit_values", "instruction_conflict_values"):
                if pool[s.pick].signals.get(key):
                    entry[key] = pool[s.pick].signals[key]
            items[str(pool[s.pick].uuid)] = entry
        weights = dict(zip(COMPONENTS, self.config.weights(given, matched).tolist()))
        return {"weights": weights, "mmr_lambda": self.config.mmr_lambda, "instruction_given": given,
                "items": items}


def _read(instruction: str, pool: list[Candidate]) -> tuple[list[Candidate], Reading]:
    """The agent's reading of the instruction over the pool: copies of the candidates with the two
    instruction signals of :mod:`core.ranking.local.fit` added, and the summary for the rationale."""
    intent, asked, extra = instruction_fit(instruction, pool)
    reading = Reading(tuple(c.name for c in asked), tuple(c.name for c in intent.unwanted),
                      sum(x["instruction_fit"] > 0 for x in extra), sum(x["instruction_conflict"] > 0 for x in extra))
    return [replace(c, signals={**c.signals, **x}) for c, x in zip(pool, extra)], reading


def _check_distinct(pool: list[Candidate]) -> None:
    seen = set()
    for c in pool:
        if c.uuid in seen:
            raise InvalidInputError(f"the candidate pool holds {c.uuid} ({c.title!r}) twice; each item must appear once")
        seen.add(c.uuid)
