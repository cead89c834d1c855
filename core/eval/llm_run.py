"""An LLM reranking evaluation on a user sample, within a budget of calls and tokens.

:func:`evaluate_llm` ranks each user with ``get_objects(use_agent_ranking=True)`` through an agent
whose ranker is the configured LLM (never the local agent under the LLM's name: with no LLM
configured it raises :class:`~core.errors.NotAvailableError` saying how to configure one, and
:func:`llm_unavailable` gives that message to callers that skip instead).

**The budget.** ``max_calls`` and ``max_tokens`` (:class:`LLMBudget`) are for this run. Before
each user the run checks that the calls and tokens left cover what one user needs (the estimate's
largest sampled user, or the largest user so far if more); if not, it stops there and the result
is **partial**: its notes say ``partial``, how many users were evaluated of how many planned, and
why. A partial result rather than an error, because the users ranked so far were paid for and are
a valid (smaller) sample: their metrics, intervals and paired differences stand on their own.
Every call is also checked before it is sent (:class:`_Metered`): a call that would pass
``max_calls``, or whose estimated tokens (its prompt as :mod:`core.eval.agent_cost` counts it,
scaled by the server's own counts so far, plus ``max_tokens`` of reply or the reply estimate) would
pass ``max_tokens``, is refused; that user is then left out and the run stops. So calls never pass
``max_calls``; tokens pass ``max_tokens`` only by the error of one call's estimate.

A *call* is one plan or rerank step sent to the server; its retries are counted as ``requests``.
Cached replies cost nothing and are counted apart. The process's :class:`CallBudget` (per minute,
per day) is respected too: the run waits for the per-minute window (cancellable) and stops when
the day's calls are spent. A user whose request fell back to the local agent for any other
reason (timeouts, server errors) is left out of the metrics and counted with its reason.

What was used is summed from the responses themselves (``usage`` and the trace's ``llm_calls``)
into ``RunResult.notes["llm"]``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from core.configs import AgentConfig, LLMConfig
from core.errors import CancelledError, InvalidInputError, NotAvailableError
from core.eval.agent_cost import LLMEstimate, estimate_llm_run, message_tokens
from core.eval.runner import Cancel, EngineConfig, Evaluation, Progress, RunResult, StopRun
from core.ranking.base import LLMUnavailable, RankContext
from core.ranking.llm.budget import check_limit
from core.ranking.llm.cache import cache_key
from core.ranking.llm.client import LLMClient
from core.ranking.llm.ranker import LLMRanker


def llm_unavailable(llm: LLMConfig) -> str | None:
    """Why an LLM reranking evaluation cannot run with ``llm`` (None when it can)."""
    if llm.configured:
        return None
    return ("LLM reranking evaluation skipped: no LLM is configured. Set OPENAI_API_KEY (OpenAI), or "
            "OPENAI_BASE_URL for a keyless OpenAI-compatible server (llama.cpp, Ollama, vLLM, LM Studio), "
            "and OPENAI_MODEL for its model. The local agent (no LLM) is evaluated without one.")


@dataclass(frozen=True)
class LLMBudget:
    """The most calls and tokens a run may use (None: no limit of that kind)."""

    max_calls: int | None = None
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        check_limit("max_calls", self.max_calls)
        check_limit("max_tokens", self.max_tokens)

    @classmethod
    def of(cls, estimate: LLMEstimate) -> LLMBudget:
        """The estimate as the budget: its calls and its token bound (or 1.5 times its tokens without one)."""
        return cls(max(estimate.calls, 1), max(estimate.tokens_bound or int(estimate.tokens * 1.5), 1))


class _Metered:
    """The shared :class:`LLMClient` behind this run's limits; counts what each call used."""

    def __init__(self, client: LLMClient, budget: LLMBudget, estimate: LLMEstimate) -> None:
        self.client, self.budget, self.config = client, budget, client.config
        # without max_tokens a reply has no bound: twice the largest estimated reply of its stage stands in
        self.replies = {c.stage: 0 for calls in estimate.per_user for c in calls}
        for c in (c for calls in estimate.per_user for c in calls):
            self.replies[c.stage] = max(self.replies[c.stage], 2 * c.completion_tokens)
        self.calls = self.tokens = 0
        self.estimated = self.reported = 0  # prompt tokens as estimated here and as the server counted them
        self.refused: str | None = None

    def complete(self, messages: list[dict[str, str]], schema_kind: str, ctx: RankContext, stage: str,
                 **options: Any) -> str:
        if self.client.cache.get(cache_key(self.config.model, messages, schema_kind)) is None:
            self._check(messages, stage)
        before = len(ctx.calls)
        try:
            return self.client.complete(messages, schema_kind, ctx, stage, **options)
        finally:
            for call in ctx.calls[before:]:
                if call.attempts and not call.cached:
                    self.calls += 1
                    self.tokens += (call.prompt_tokens or 0) + (call.completion_tokens or 0)
                    if call.prompt_tokens:
                        self.estimated += message_tokens(messages)
                        self.reported += call.prompt_tokens

    @property
    def scale(self) -> float:
        """The server's prompt tokens per estimated prompt token so far (1 before any call)."""
        return self.reported / self.estimated if self.estimated else 1.0

    def _check(self, messages: list[dict[str, str]], stage: str) -> None:
        limit = self.budget
        if limit.max_calls is not None and self.calls + 1 > limit.max_calls:
            self._refuse(f"the run's budget of {limit.max_calls} LLM calls is spent")
        if limit.max_tokens is not None:
            reply = self.config.max_tokens or self.replies.get(stage, 0)
            need = int(message_tokens(messages) * self.scale) + reply
            if self.tokens + need > limit.max_tokens:
                self._refuse(f"the next call needs about {need:,} tokens and {limit.max_tokens - self.tokens:,} "
                             f"of the run's {limit.max_tokens:,} are left")

    def _refuse(self, reason: str) -> None:
        self.refused = reason
        raise LLMUnavailable(reason)


def evaluate_llm(evaluation: Evaluation, config: EngineConfig, llm: LLMConfig | LLMClient, *,
                 budget: LLMBudget = LLMBudget(), users: Sequence[Hashable] | None = None,
                 estimate: LLMEstimate | None = None, agent_config: AgentConfig | None = None,
                 progress: Progress | None = None, cancel: Cancel | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> RunResult:
    """``config`` with the LLM ranking ``users`` (default: the evaluation's) within ``budget``.

    Pass ``llm`` as a shared :class:`LLMClient` so its call budget and cache cover every run; pass
    the ``estimate`` the user confirmed (else one is made here) and the ``agent_config`` it was
    made with (default: the engine's).
    """
    llm_config = llm.config if isinstance(llm, LLMClient) else llm
    reason = llm_unavailable(llm_config)
    if reason is not None:
        raise NotAvailableError(reason)
    if not config.use_agent_ranking:
        raise InvalidInputError("an LLM reranking run needs use_agent_ranking=True; this config ranks vector-only")
    users = list(evaluation.users if users is None else users)
    client = llm if isinstance(llm, LLMClient) else LLMClient(llm)
    estimate = estimate or estimate_llm_run(evaluation, config, llm_config, users=users, budget=client.budget,
                                            agent_config=agent_config)
    metered = _Metered(client, budget, estimate)
    agent = evaluation.agent(config, llm=LLMRanker(llm_config, client=metered), agent_config=agent_config)
    tally = _Tally()

    def rank(user: Hashable) -> list | None:
        _wait_for_room(client, metered, estimate, tally, cancel, sleep)
        response = evaluation.respond(user, config, agent)
        tally.add(response)
        if metered.refused is not None:
            raise StopRun(metered.refused)
        if response.fallback:
            tally.fallbacks[response.fallback_reason or "unknown"] += 1
            return None
        return [o.uuid for o in response.objects]

    name = f"{config.label} · LLM {llm_config.model}"
    result = evaluation.run(name, {**asdict(config), "ranker": f"LLM {llm_config.model}",
                                   "llm": llm_config.model_dump(mode="json"),
                                   "agent": (agent_config or AgentConfig()).model_dump(mode="json")},
                            rank, progress, cancel, users)
    result.notes.update(users_evaluated=len(result.lists), users_planned=len(users),
                        llm=tally.summary(budget, estimate))
    return result


def _wait_for_room(client: LLMClient, metered: _Metered, estimate: LLMEstimate, tally: _Tally,
                   cancel: Cancel | None, sleep: Callable[[float], None]) -> None:
    """Stop the run before a user the budget cannot cover; wait for the client's per-minute window."""
    calls = max(estimate.user_calls, tally.user_calls)
    tokens = max(int(estimate.user_tokens * max(metered.scale, 1.0)), tally.user_tokens)
    limit = metered.budget
    if limit.max_calls is not None and metered.calls + calls > limit.max_calls:
        raise StopRun(f"the run's budget of {limit.max_calls} LLM calls is spent ({metered.calls} used, "
                      f"a user needs {calls})")
    if limit.max_tokens is not None and metered.tokens + tokens > limit.max_tokens:
        raise StopRun(f"the run's budget of {limit.max_tokens:,} LLM tokens is spent ({metered.tokens:,} used, "
                      f"a user needs about {tokens:,})")
    shared = client.budget
    if shared.per_day is not None and shared.used()["last_day"] + calls > shared.per_day:
        raise StopRun(f"the LLM client's {shared.per_day} calls a day are spent")
    if shared.per_minute is not None and calls > shared.per_minute:
        raise StopRun(f"a user needs {calls} LLM calls but the client allows {shared.per_minute} a minute")
    while shared.per_minute is not None and shared.used()["last_minute"] + calls > shared.per_minute:
        if cancel is not None and cancel():
            raise CancelledError("LLM evaluation cancelled while waiting for the per-minute call budget")
        sleep(1.0)


class _Tally:
    """What the responses say they used, summed over every user asked (left-out ones too)."""

    def __init__(self) -> None:
        self.requests = self.prompt_tokens = self.completion_tokens = self.calls = self.cached = 0
        self.user_calls = self.user_tokens = 0
        self.fallbacks: Counter[str] = Counter()
        self.per_call: list[dict[str, Any]] = []

    def add(self, response: Any) -> None:
        usage = response.usage
        self.requests += usage.requests
        self.prompt_tokens += usage.request_tokens or 0
        self.completion_tokens += usage.response_tokens or 0
        records = next((s.details.get("llm_calls", []) for s in response.trace if s.name == "explain"), [])
        sent = [r for r in records if r["attempts"] and not r["cached"]]
        self.calls += len(sent)
        self.per_call += [{k: r[k] for k in ("stage", "prompt_tokens", "completion_tokens", "attempts", "seconds")}
                          for r in sent]
        self.cached += sum(bool(r["cached"]) for r in records)
        self.user_calls = max(self.user_calls, len(sent))
        self.user_tokens = max(self.user_tokens, (usage.request_tokens or 0) + (usage.response_tokens or 0))

    def summary(self, budget: LLMBudget, estimate: LLMEstimate) -> dict[str, Any]:
        return {"calls": self.calls, "requests": self.requests, "cached_calls": self.cached,
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.prompt_tokens + self.completion_tokens,
                "fallback_users": sum(self.fallbacks.values()), "fallback_reasons": dict(self.fallbacks),
                "budget": asdict(budget), "estimate": estimate.as_dict(), "per_call": self.per_call}
