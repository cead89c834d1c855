"""``evaluate --agent local|llm``: agent ranking in an evaluation; an LLM's cost shown and confirmed first.

    python -m core evaluate movies --users 200 --agent local
    OPENAI_BASE_URL=http://127.0.0.1:8080/v1 python -m core evaluate movies --agent llm --agent-users 5 \\
        --max-llm-calls 10 --max-llm-tokens 60000 --yes

``--agent local`` (the same as ``--agent-ranking``) also runs every engine configuration reranked
by the local agent (rules, no LLM): nothing to confirm. ``--agent llm`` adds, on the first ``--agent-users`` test users, the first
configuration reranked by the configured LLM, and the local agent on the same users (the paired
difference between them is printed). Before anything runs, the LLM's calls and tokens are
estimated from the real prompts (:mod:`core.eval.agent_cost`) and compared with the run's budget
and the client's per-minute / per-day limits; without ``--yes`` the estimate is printed and the
command exits with status 1 (on a terminal it asks instead). ``--max-llm-calls`` and
``--max-llm-tokens`` are the run's budget (default: the estimate itself, its token bound); a run
that reaches them stops before the next user and is reported as partial
(:mod:`core.eval.llm_run`). ``--reply-tokens`` caps every reply (``max_tokens``), which makes the
estimate an upper bound. With no LLM configured the LLM run is skipped with a message saying how
to configure one.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field, replace
from typing import Any

from core import (EngineConfig, Evaluation, LLMBudget, LLMConfig, LLMEstimate, RunResult, estimate_llm_run, evaluate_llm,
                  llm_unavailable)
from core.cli.context import finite_float
from core.cli.format import Output

REPLY_TOKENS = 512


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--agent", choices=("local", "llm"), help="local: also run each configuration reranked by the local "
                   "agent (no LLM); llm: the configured LLM's reranking on a user sample (estimated, then confirmed)")
    p.add_argument("--agent-users", type=int, default=10, metavar="N", help="--agent llm: the first N test users")
    p.add_argument("--max-llm-calls", type=int, metavar="C", help="--agent llm: the run's most calls (default: the estimate)")
    p.add_argument("--max-llm-tokens", type=int, metavar="T", help="--agent llm: the run's most tokens "
                   "(default: the estimate's bound)")
    p.add_argument("--reply-tokens", type=int, default=REPLY_TOKENS, metavar="M",
                   help=f"--agent llm: max_tokens of every reply (default {REPLY_TOKENS})")
    p.add_argument("--llm-timeout", type=finite_float, metavar="S", help="--agent llm: seconds to wait for each reply "
                   "(default 20; a local model on a CPU may need minutes)")
    p.add_argument("--yes", action="store_true", help="--agent llm: run without asking")


@dataclass
class LLMPlan:
    """What ``--agent llm`` will do: skip (and why), or rank ``users`` within ``budget``."""

    skipped: str | None = None
    llm: LLMConfig | None = None
    users: list = field(default_factory=list)
    estimate: LLMEstimate | None = None
    budget: LLMBudget = LLMBudget()

    def data(self) -> dict[str, Any]:
        if self.skipped:
            return {"skipped": self.skipped}
        return {"estimate": self.estimate.as_dict(), "budget": vars(self.budget), "fits": self.problems() == []}

    def problems(self) -> list[str]:
        return self.estimate.problems(self.budget.max_calls, self.budget.max_tokens) if self.estimate else []

    def lines(self) -> list[str]:
        if self.skipped:
            return [self.skipped]
        limits = f"budget: {_limit(self.budget.max_calls, 'calls')}, {_limit(self.budget.max_tokens, 'tokens')}"
        return [*self.estimate.lines(), f"  {limits}", *(f"  will stop early: {p}" for p in self.problems())]


def plan(args: argparse.Namespace, evaluation: Evaluation, config: EngineConfig) -> LLMPlan | Output:
    """The LLM run's plan, or an :class:`Output` with status 1 when it was not confirmed."""
    if args.agent != "llm":
        return LLMPlan()
    llm = LLMConfig.from_env(max_tokens=args.reply_tokens, **({"timeout_s": args.llm_timeout} if args.llm_timeout else {}))
    reason = llm_unavailable(llm)
    if reason is not None:
        return LLMPlan(skipped=reason)
    users = evaluation.users[:args.agent_users]
    estimate = estimate_llm_run(evaluation, replace(config, use_agent_ranking=True), llm, users=users)
    default = LLMBudget.of(estimate)
    budget = LLMBudget(args.max_llm_calls or (None if args.max_llm_tokens else default.max_calls),
                       args.max_llm_tokens or (None if args.max_llm_calls else default.max_tokens))
    llm_plan = LLMPlan(llm=llm, users=users, estimate=estimate, budget=budget)
    if args.yes or _confirmed(llm_plan):
        return llm_plan
    return Output({"llm": {**llm_plan.data(), "confirmed": False}},
                  "\n".join([*llm_plan.lines(), "Nothing was run: pass --yes to run it (a terminal asks instead)."]),
                  status=1)


def _confirmed(llm_plan: LLMPlan) -> bool:
    if not sys.stdin.isatty():
        return False
    print("\n".join(llm_plan.lines()), "Run it? [y/N] ", sep="\n", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def run(llm_plan: LLMPlan, evaluation: Evaluation, config: EngineConfig) -> list[RunResult]:
    """The local agent and the LLM on the plan's users (nothing when skipped or not asked for)."""
    if llm_plan.llm is None:
        return []
    agent_config = replace(config, use_agent_ranking=True)
    local = evaluation.engine(agent_config, users=llm_plan.users)
    local.name = f"{agent_config.label} · local agent"
    llm = evaluate_llm(evaluation, agent_config, llm_plan.llm, budget=llm_plan.budget, users=llm_plan.users,
                       estimate=llm_plan.estimate)
    return [local, llm]


def report(llm_plan: LLMPlan, runs: list[RunResult], k: int) -> tuple[dict[str, Any], list[str]]:
    """The LLM run's JSON and lines: used against estimated, partial or not, LLM minus local agent."""
    if llm_plan.skipped:
        return llm_plan.data(), llm_plan.lines()
    if not runs:
        return {}, []
    local, llm = runs
    used, est = llm.notes["llm"], llm_plan.estimate
    diff = local.versus(llm)
    lines = [f"LLM reranking ({est.model} at {est.server}): {used['calls']} calls (estimated {est.calls}), "
             f"{used['total_tokens']:,} tokens (estimated {est.tokens:,}"
             + (f", bound {est.tokens_bound:,}" if est.tokens_bound else "") + f"), {used['cached_calls']} cached; "
             f"{llm.notes['users_evaluated']} of {llm.notes['users_planned']} users",
             f"LLM - local agent, NDCG@{k} on the same {diff.users} users: {diff.mean:+.4f} "
             f"[{diff.low:+.4f}, {diff.high:+.4f}]"]
    if llm.notes.get("partial"):
        lines.append(f"PARTIAL: stopped after {llm.notes['users_evaluated']} of {llm.notes['users_planned']} "
                     f"users: {llm.notes['stopped']}")
    if used["fallback_users"]:
        lines.append(f"{used['fallback_users']} users fell back to the local agent and are left out: "
                     + "; ".join(used["fallback_reasons"]))
    return {**llm_plan.data(), "confirmed": True, "used": used, "llm_vs_local": vars(diff)}, lines


def _limit(value: int | None, what: str) -> str:
    return f"no limit on {what}" if value is None else f"{value:,} {what}"
