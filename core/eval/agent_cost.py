"""What an LLM reranking evaluation will cost, before anything is sent: calls, tokens, and the budget.

:func:`estimate_llm_run` runs the real agent pipeline (``get_objects`` with agent ranking, through
:meth:`Evaluation.respond <core.eval.runner.Evaluation.respond>`) for a few sample users with a
*dry-run* LLM agent: an :class:`~core.ranking.llm.ranker.LLMRanker` whose one network call is
replaced by a recorder. The recorder keeps each call's messages as the real prompt builders made
them for the real candidate pool, and answers what the local agent would decide, written in the
LLM's reply format (a plan of ``max_searches`` searches, filled up with the persona's liked
titles): so the rerank prompt sees the pool the planned searches add to, and the reply has a
realistic length. Nothing goes to the server. Which calls a request makes is therefore the
pipeline's own decision (one ``plan`` call when ``AgentConfig.planning`` is on and
``max_searches > 0``, one ``rerank`` call when the pool is not empty), never a copy of its rules.

Tokens are not counted with the server's tokenizer (this side cannot know it): a message text of
``c`` characters counts ``ceil(c / CHARS_PER_TOKEN)`` tokens, plus ``MESSAGE_TOKENS`` per message
and ``REPLY_TOKENS`` per call for the chat template's framing. Measured against SmolLM2's
tokenizer (llama.cpp) on the same prompts, it was 10 % over on a plan prompt and 1 % under on a
rerank prompt (the README, "LLM reranking evaluation"). A completion is estimated from the stand-in
reply, and bounded by ``LLMConfig.max_tokens`` when that is set: only then is the token total an
upper bound (``tokens_bound``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from core.configs import AgentConfig, LLMConfig
from core.errors import InvalidInputError
from core.eval.runner import EngineConfig, Evaluation
from core.ranking.base import RankContext
from core.ranking.llm.budget import CallBudget
from core.ranking.llm.prompts import rerank_messages
from core.ranking.llm.ranker import LLMRanker
from core.ranking.local.ranker import LocalRanker

CHARS_PER_TOKEN = 3.5
"""Characters of prompt text per token (JSON-heavy English; plain English is nearer 4)."""
MESSAGE_TOKENS = 4
REPLY_TOKENS = 3
SAMPLE_USERS = 5


def message_tokens(messages: list[dict[str, str]]) -> int:
    """The estimated prompt tokens of one call (see the module docstring)."""
    chars = sum(len(m.get("content") or "") for m in messages)
    return math.ceil(chars / CHARS_PER_TOKEN) + MESSAGE_TOKENS * len(messages) + REPLY_TOKENS


def text_tokens(text: str) -> int:
    """The estimated tokens of a reply text."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class CallEstimate:
    """One call a request makes: its stage, estimated prompt and completion tokens, and its bound."""

    stage: str
    prompt_tokens: int
    completion_tokens: int
    completion_bound: int | None

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def bound(self) -> int | None:
        return None if self.completion_bound is None else self.prompt_tokens + self.completion_bound


@dataclass(frozen=True)
class LLMEstimate:
    """The cost of an LLM reranking run on ``users`` users, from dry runs of ``sampled`` of them."""

    model: str
    server: str
    users: int
    sampled: int
    per_user: list[list[CallEstimate]] = field(repr=False)
    max_tokens: int | None
    max_retries: int
    per_minute: int | None = None
    per_day: int | None = None
    used_today: int = 0
    cache: bool = False

    def _mean(self, value) -> float:
        return sum(value(calls) for calls in self.per_user) / max(len(self.per_user), 1)

    @property
    def calls_per_user(self) -> dict[str, float]:
        stages = dict.fromkeys(c.stage for calls in self.per_user for c in calls)  # in call order
        return {s: self._mean(lambda calls: sum(c.stage == s for c in calls)) for s in stages}

    @property
    def calls(self) -> int:
        return math.ceil(self._mean(len) * self.users)

    @property
    def prompt_tokens(self) -> int:
        return math.ceil(self._mean(lambda calls: sum(c.prompt_tokens for c in calls)) * self.users)

    @property
    def completion_tokens(self) -> int:
        return math.ceil(self._mean(lambda calls: sum(c.completion_tokens for c in calls)) * self.users)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def tokens_bound(self) -> int | None:
        """Prompt tokens plus ``max_tokens`` for every completion; None without a ``max_tokens``."""
        if self.max_tokens is None:
            return None
        return math.ceil(self._mean(lambda calls: sum(c.bound for c in calls)) * self.users)

    @property
    def user_calls(self) -> int:
        """The most calls one sampled user needed: what a run keeps in reserve before each user."""
        return max((len(calls) for calls in self.per_user), default=0)

    @property
    def user_tokens(self) -> int:
        """The most tokens one sampled user needs (with completions at their bound when there is one)."""
        return max((sum(c.bound or c.tokens for c in calls) for calls in self.per_user), default=0)

    def problems(self, max_calls: int | None = None, max_tokens: int | None = None) -> list[str]:
        """Why the run will not get through every user: its own limits and the process's call budget."""
        found = []
        if max_calls is not None and self.calls > max_calls:
            found.append(f"{self.calls} calls are estimated but at most {max_calls} are allowed: about "
                         f"{self._users_within(max_calls, self.calls)} of {self.users} users fit")
        total = self.tokens_bound or self.tokens
        if max_tokens is not None and total > max_tokens:
            found.append(f"{total:,} tokens are estimated but at most {max_tokens:,} are allowed: about "
                         f"{self._users_within(max_tokens, total)} of {self.users} users fit")
        if self.per_day is not None and self.calls > self.per_day - self.used_today:
            found.append(f"the LLM client allows {self.per_day} calls a day and {self.used_today} are used: "
                         f"{self.calls} do not fit")
        if self.per_minute is not None and self.user_calls > self.per_minute:
            found.append(f"one user needs {self.user_calls} calls but the LLM client allows {self.per_minute} a minute")
        return found

    def _users_within(self, limit: int, total: int) -> int:
        return min(self.users, int(self.users * limit / total)) if total else self.users

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "server": self.server, "users": self.users, "sampled_users": self.sampled,
                "calls_per_user": self.calls_per_user, "calls": self.calls, "requests_at_most":
                self.calls * (1 + self.max_retries), "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "tokens": self.tokens, "tokens_bound": self.tokens_bound,
                "max_tokens_per_call": self.max_tokens, "per_minute": self.per_minute, "per_day": self.per_day,
                "used_today": self.used_today, "cache": self.cache, "chars_per_token": CHARS_PER_TOKEN,
                "calls_sampled": [[asdict(c) for c in calls] for calls in self.per_user]}

    def lines(self) -> list[str]:
        """The estimate in words, for the CLI and the lab."""
        stages = " + ".join(f"{n:g} {s}" for s, n in self.calls_per_user.items()) or "no"
        bound = (f", at most {self.tokens_bound:,} with every reply at max_tokens {self.max_tokens}"
                 if self.tokens_bound is not None else ", no upper bound: LLMConfig.max_tokens is not set")
        pace = [f"the client allows {self.per_minute} calls a minute: at least "
                f"{self.calls / self.per_minute:.1f} minutes"] if self.per_minute else []
        day = [f"{self.used_today} of its {self.per_day} calls a day are used"] if self.per_day else []
        return [f"LLM reranking with {self.model} at {self.server} on {self.users} users "
                f"(prompts built for {self.sampled} of them, nothing sent):",
                f"  {stages} call(s) per user: {self.calls} calls (up to {self.calls * (1 + self.max_retries)} "
                f"requests with retries){' - fewer with cached replies' if self.cache else ''}",
                f"  about {self.prompt_tokens:,} prompt + {self.completion_tokens:,} completion = {self.tokens:,} "
                f"tokens (~{CHARS_PER_TOKEN:g} characters a token){bound}",
                *(f"  {line}" for line in pace + day)]


def estimate_llm_run(evaluation: Evaluation, config: EngineConfig, llm: LLMConfig, *,
                     users: Sequence[Hashable] | None = None, sample: int = SAMPLE_USERS,
                     budget: CallBudget | None = None, agent_config: AgentConfig | None = None) -> LLMEstimate:
    """The cost of ranking ``users`` (default: the evaluation's) under ``config`` with the LLM ``llm``.

    ``agent_config``: the agent's tunables for the run (pool size, planning, ``max_searches``; default
    the engine's); ``budget``: the LLM client's call budget (default: a fresh one from ``llm``).
    """
    users = list(evaluation.users if users is None else users)
    if not config.use_agent_ranking:
        raise InvalidInputError("an LLM reranking run needs use_agent_ranking=True; this config ranks vector-only")
    if not users or sample < 1:
        raise InvalidInputError(f"an estimate needs at least one user and sample >= 1, got {len(users)} users, "
                                f"sample={sample!r}")
    dry = DryRunRanker(llm)
    agent = evaluation.agent(config, llm=dry, agent_config=agent_config)
    per_user = []
    for user in users[:sample]:
        dry.calls = []
        evaluation.respond(user, config, agent)
        per_user.append(dry.calls)
    budget = budget or CallBudget(llm.per_minute, llm.per_day)
    return LLMEstimate(llm.model, llm.server, len(users), len(per_user), per_user, llm.max_tokens, llm.max_retries,
                       budget.per_minute, budget.per_day, budget.used()["last_day"], llm.cache_dir is not None)


class DryRunRanker(LLMRanker):
    """The LLM agent with a recorder for its network call: real prompts, the local agent's answers."""

    def __init__(self, config: LLMConfig) -> None:  # no LLMClient: this ranker never sends anything
        self.config, self.name = config, f"LLM {config.model} (dry run)"
        self.client = _Recorder(self)
        self.local = LocalRanker()
        self.calls: list[CallEstimate] = []

    def plan(self, persona, instruction, max_searches, ctx):
        # A model asked for "at most n searches" usually proposes n: the local agent's plan, filled
        # up with the titles of the persona's strongest likes, stands in for them.
        searches = [(s.query, s.reason) for s in self.local.plan(persona, instruction, max_searches, RankContext())]
        searches += [(like.title, f"More like {like.title}, which the user liked.")
                     for like in sorted(persona.likes, key=lambda i: -i.weight)][:max_searches - len(searches)]
        self.client.reply = json.dumps({"searches": [{"query": q, "reason": r} for q, r in searches]})
        return super().plan(persona, instruction, max_searches, ctx)

    def rerank(self, persona, instruction, pool, limit, explain, ctx):
        if pool and limit:
            local = self.local.rerank(persona, instruction, pool, limit, explain, RankContext())
            alias = {u: a for a, u in rerank_messages(persona, instruction, pool, limit, explain)[1].items()}
            ranking = [{"id": alias[u], **({"reason": local.explanations.get(u, "")} if explain else {})}
                       for u in local.order]
            self.client.reply = json.dumps({"ranking": ranking, "rationale": local.rationale or ""})
        return super().rerank(persona, instruction, pool, limit, explain, ctx)


class _Recorder:
    """Stands where :class:`~core.ranking.llm.client.LLMClient` would: records the call, sends nothing."""

    def __init__(self, ranker: DryRunRanker) -> None:
        self.ranker, self.reply = ranker, ""

    def complete(self, messages: list[dict[str, str]], schema_kind: str, ctx: RankContext, stage: str,
                 **options: Any) -> str:
        bound = self.ranker.config.max_tokens
        tokens = text_tokens(self.reply)
        self.ranker.calls.append(CallEstimate(stage, message_tokens(messages),
                                              tokens if bound is None else min(tokens, bound), bound))
        return self.reply

