"""The LLM agent: plan and rerank through one LLM call each (at most two per request).

Each stage is prompt builder → :meth:`LLMClient.complete` → tolerant parser, so everything but the
network call is a pure function with its own tests. The reply can never lose, duplicate or invent
a candidate (see :mod:`core.ranking.llm.parse`); what the parser repaired is listed in
``RankDecision.details["warnings"]``. Per-item explanations are the model's stated reasons,
prefixed with ``"LLM: "`` so nobody mistakes them for computed facts.

A rerank reply that places none of the offered items (no JSON, unknown ids only) did not rank
anything: it raises :class:`~core.ranking.base.LLMUnavailable`, so the pipeline falls back to the
local agent and says why, instead of showing pool order as "LLM ranked". Only sound replies are
cached (a rerank that placed an item, a plan with a ``searches`` list): a failure is never replayed.
"""

from __future__ import annotations

from dataclasses import replace

from core.errors import InvalidInputError
from core.ranking.base import Candidate, LLMUnavailable, PersonaSummary, PlannedSearch, RankContext, RankDecision
from core.ranking.llm.client import LLMClient, LLMConfig
from core.ranking.llm.parse import NO_SEARCHES, parse_plan, parse_rerank
from core.ranking.llm.prompts import plan_messages, prompt_chars, rerank_kind, rerank_messages


REASON_PREFIX = "LLM: "


class LLMRanker:
    """A :class:`~core.ranking.base.Ranker` backed by an OpenAI-compatible chat model.

    Pass ``client`` to share one :class:`LLMClient` (and so one call budget and cache) across
    rankers; otherwise one is built from ``config`` (``LLMUnavailable`` if nothing is configured).
    """

    def __init__(self, config: LLMConfig, client: LLMClient | None = None) -> None:
        self.config = config
        self.client = client if client is not None else LLMClient(config)
        self.name = f"LLM {config.model}"

    def plan(self, persona: PersonaSummary, instruction: str | None, max_searches: int,
             ctx: RankContext) -> list[PlannedSearch]:
        """Up to ``max_searches`` extra searches proposed by the model (one call; none if 0 asked)."""
        if max_searches <= 0:
            return []
        messages = plan_messages(persona, instruction, max_searches)

        def sound(reply: str) -> bool:
            return not any(w.endswith(NO_SEARCHES) for w in parse_plan(reply, max_searches)[1])
        text = self.client.complete(messages, "plan", ctx, "plan", keep=sound)
        searches, warnings = parse_plan(text, max_searches)
        ctx.warnings.extend(f"plan: {w}" for w in warnings)
        return searches

    def rerank(self, persona: PersonaSummary, instruction: str | None, pool: list[Candidate], limit: int,
               explain: bool, ctx: RankContext) -> RankDecision:
        """The model's order of ``pool`` (exactly ``min(limit, len(pool))`` items), in one call."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidInputError(f"limit must be an integer >= 0, got {limit!r}")
        if not pool or limit == 0:
            note = "nothing to rank (empty pool or limit 0): no LLM call"
            return RankDecision(order=[], details={"warnings": [note]})
        messages, aliases = rerank_messages(persona, instruction, pool, limit, explain)
        calls_before, pool_ids = len(ctx.calls), [c.uuid for c in pool]
        text = self.client.complete(messages, rerank_kind(explain), ctx, "rerank",
                                    keep=lambda reply: parse_rerank(reply, aliases, pool_ids, limit).chosen > 0)
        order, reasons, rationale, warnings, chosen = parse_rerank(text, aliases, pool_ids, limit)
        if not chosen:
            reason = f"the LLM's rerank reply placed none of the offered items ({'; '.join(warnings[:2])})"
            if len(ctx.calls) > calls_before:
                ctx.calls[-1] = replace(ctx.calls[-1], error=reason)
            raise LLMUnavailable(reason)
        explanations = {u: REASON_PREFIX + r for u, r in reasons.items()} if explain else {}
        return RankDecision(order=order, rationale=rationale, explanations=explanations,
                            details=self._details(ctx, calls_before, messages, text, len(pool), warnings))

    @staticmethod
    def _details(ctx: RankContext, calls_before: int, messages: list[dict[str, str]], text: str,
                 pool_size: int, warnings: list[str]) -> dict:
        call = ctx.calls[-1] if len(ctx.calls) > calls_before else None
        tokens = call.prompt_tokens if call is not None and not call.cached else None
        return {
            "warnings": warnings,
            "cached": bool(call and call.cached),
            "candidates": pool_size,
            "prompt_chars": prompt_chars(messages),
            "reply_chars": len(text),
            "prompt_tokens_per_candidate": round(tokens / pool_size, 1) if tokens else None,
        }

    def __repr__(self) -> str:
        return f"LLMRanker({self.config!r})"
