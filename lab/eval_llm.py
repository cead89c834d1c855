"""The Evaluate page's LLM reranking: a small user sample, its cost estimated and confirmed first.

Without an LLM (the server's ``OPENAI_*`` environment, or a key typed into this session's sidebar)
the section says so and how to configure one, and nothing runs under the LLM's name. With one:
the user picks how many users to rerank and the most calls and tokens to spend, presses
*Estimate the cost* (the split is made and the real prompts are built for a few users; nothing is
sent), reads the estimate and ticks the confirmation; only then does *Run* add the LLM step, which
stops before the budget is passed (its result is marked partial). Changing any setting after the
estimate asks for a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from core import (EngineConfig, LLMBudget, LLMConfig, LLMRanker, PersonalizationError, Store, estimate_llm_run,
                  llm_unavailable)

from .cards import plain
from .eval_plan import Plan, prepare
from .resources import shared_llm
from .state import current_llm

P = "lab.eval.llm."
MAX_USERS = 50


@dataclass(frozen=True)
class LLMPlan:
    """A confirmed LLM step: which configuration, on how many users, within which budget."""

    config: EngineConfig
    users: int
    budget: LLMBudget
    llm: Any  # the shared LLMClient, so the process's call budget and cache cover it
    estimate: Any


def _llm() -> tuple[LLMConfig, Any]:
    """The LLM this session ranks with: its own key's, else the server's (config, client or None)."""
    llm = current_llm() or shared_llm()
    return (llm.config, llm.client) if isinstance(llm, LLMRanker) else (llm, None)


def _fingerprint(plan: Plan, collection: str, users: int, budget: LLMBudget, model: str) -> str:
    text = json.dumps([plan.settings(collection), users, budget.max_calls, budget.max_tokens, model], default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def render(plan: Plan | None, store: Store, collection: str) -> Plan | None:
    """Draw the LLM section; ``plan`` with its confirmed LLM step (or unchanged without one)."""
    with st.expander("LLM reranking on a few users (costs calls; estimated and confirmed first)"):
        config, client = _llm()
        reason = llm_unavailable(config)
        if reason is not None:
            st.info(plain(reason.replace("LLM reranking evaluation skipped: ", "")))
            return plan
        if not st.checkbox(f"Also rerank with the LLM ({config.model} at {config.server})", key=P + "on"):
            return plan
        if plan is None or not plan.configs:
            st.warning("The LLM reranks the first engine configuration: choose one under 3 · What to compare.")
            return plan
        cols = st.columns(3)
        users = cols[0].number_input("Users", 1, MAX_USERS, 5, key=P + "users",
                                     help="The first users of the evaluation's sample are reranked by the LLM.")
        calls = cols[1].number_input("At most calls", 0, 10_000, 0, key=P + "calls", help="0: the estimate's calls")
        tokens = cols[2].number_input("At most tokens", 0, 10_000_000, 0, key=P + "tokens",
                                      help="0: the estimate's upper bound")
        budget = LLMBudget(int(calls) or None, int(tokens) or None)
        engine = replace(plan.configs[0], use_agent_ranking=True)
        mark = _fingerprint(plan, collection, int(users), budget, config.model)
        if st.button("Estimate the cost", key=P + "estimate", help="Makes the split and builds the real prompts for "
                     "a few users; nothing is sent to the LLM."):
            try:
                with st.spinner("Building the prompts..."):
                    evaluation = prepare(plan, store, collection).evaluation
                    chosen = evaluation.users[:int(users)]
                    estimate = estimate_llm_run(evaluation, engine, config, users=chosen,
                                                budget=client.budget if client is not None else None)
                st.session_state[P + "estimated"] = (mark, estimate)
            except PersonalizationError as exc:
                st.error(plain(str(exc)))
        kept = st.session_state.get(P + "estimated")
        if kept is None or kept[0] != mark:
            st.caption("Estimate the cost before running: settings changed since the last estimate."
                       if kept is not None else "Estimate the cost before running.")
            return plan
        estimate = kept[1]
        st.code("\n".join(estimate.lines()), language=None)
        for problem in estimate.problems(budget.max_calls, budget.max_tokens):
            st.warning(plain(problem))
        final = budget if budget.max_calls or budget.max_tokens else LLMBudget.of(estimate)
        limit = f"{final.max_calls or 'no limit of'} calls and {final.max_tokens or 'no limit of'} tokens"
        if not st.checkbox(f"Run it: at most {limit}", key=P + "confirm"):
            return plan
        return replace(plan, llm=LLMPlan(engine, int(users), final, client or config, estimate))
