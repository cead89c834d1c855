"""LLM reranking evaluation: the estimate, the budget stop, the skip without an LLM, the CLI's confirmation.

These drive the real ``openai`` client against ``devtools/fake_openai.py`` (a real HTTP server on
127.0.0.1 with scripted replies and usage counted as ``ceil(chars / 4)``): a real model cannot be
made to write a long plan on cue, or be counted precisely. The same run against a real model
(llama.cpp serving SmolLM2) is ``tests/test_eval_llm_server.py``.
"""

from __future__ import annotations

import json
import math

import pytest

from core import AgentConfig, CancelledError, InvalidInputError, LLMConfig, NotAvailableError
from core.cli import main
from core.eval.agent_cost import CHARS_PER_TOKEN, MESSAGE_TOKENS, REPLY_TOKENS, estimate_llm_run
from core.eval.llm_run import LLMBudget, evaluate_llm, llm_unavailable
from core.eval.runner import EngineConfig
from core.ranking.llm.budget import CallBudget
from core.ranking.llm.client import LLMClient

from devtools.fake_openai import Reply
from .test_eval_core import workshop_eval  # noqa: F401  (the module-scoped fixture: 30 cooks, one cuisine each)

AGENT = EngineConfig(use_agent_ranking=True)
PLAN = json.dumps({"searches": [{"query": q, "reason": "The user likes this kind of dish."}
                                for q in ("pasta with cheese", "spicy curry", "chocolate dessert")]})
RERANK = json.dumps({"ranking": [{"id": f"c{i}"} for i in (3, 1, 2, 5, 4, 6, 7, 8, 9, 10)],
                     "rationale": "Closest to what the cook liked first."})

pytestmark = [pytest.mark.slow, pytest.mark.integration]  # the real text model, a real server


@pytest.fixture(scope="module", autouse=True)
def text_model():
    """The agent's searches embed their queries: load the model first, so no test sees its threads start."""
    from core.io.embedding import default_embedder
    default_embedder().embed_one("warm up")


def llm(fake_llm, **overrides) -> LLMConfig:
    return LLMConfig(**{"api_key": "test-key", "base_url": fake_llm.url, "model": "fake-model", "max_retries": 0,
                        "max_tokens": 300, **overrides})


def sent_tokens(request) -> int:
    return math.ceil(sum(len(m["content"]) for m in request.messages) / CHARS_PER_TOKEN) + \
        MESSAGE_TOKENS * len(request.messages) + REPLY_TOKENS


def test_the_estimate_counts_the_calls_and_prompts_the_run_sends(workshop_eval, fake_llm):
    users = workshop_eval.users[:3]
    config = llm(fake_llm)
    estimate = estimate_llm_run(workshop_eval, AGENT, config, users=users)
    assert fake_llm.requests == []  # estimating sends nothing
    assert estimate.calls_per_user == {"plan": 1.0, "rerank": 1.0} and estimate.calls == 6
    assert estimate.problems(max_calls=3) == ["6 calls are estimated but at most 3 are allowed: about 1 of 3 users fit"]
    assert estimate.problems(max_calls=6, max_tokens=estimate.tokens_bound) == []
    fake_llm.script(Reply(PLAN), Reply(RERANK))
    result = evaluate_llm(workshop_eval, AGENT, config, users=users, estimate=estimate, budget=LLMBudget.of(estimate))
    used = result.notes["llm"]
    assert len(fake_llm.requests) == used["calls"] == used["requests"] == estimate.calls
    assert used["prompt_tokens"] == sum(r.prompt_tokens for r in fake_llm.requests)  # the responses' own usage
    plans = [r for r in fake_llm.requests if "search-planning" in r.messages[0]["content"]]
    # the plan prompt depends on the persona alone: the dry run built exactly the prompt that was sent
    assert [sent_tokens(r) for r in plans] == [calls[0].prompt_tokens for calls in estimate.per_user]
    assert all(r.body["max_tokens"] == 300 for r in fake_llm.requests)
    # the rerank pools differ (the fake planned other searches than the stand-in): within 35 %
    assert 0.65 < sum(sent_tokens(r) for r in fake_llm.requests) / estimate.prompt_tokens < 1.35
    assert result.notes["users_evaluated"] == 3 and "partial" not in result.notes
    assert result.config["ranker"] == "LLM fake-model" and "api_key" not in result.config["llm"]


def test_the_calls_per_user_follow_the_agents_config(workshop_eval, fake_llm):
    no_planning = AgentConfig(planning=False)
    users = workshop_eval.users[:2]
    estimate = estimate_llm_run(workshop_eval, AGENT, llm(fake_llm), users=users, agent_config=no_planning)
    assert estimate.calls_per_user == {"rerank": 1.0} and estimate.calls == 2
    fake_llm.script(Reply(RERANK))
    result = evaluate_llm(workshop_eval, AGENT, llm(fake_llm), users=users, estimate=estimate,
                          agent_config=no_planning)
    assert [r.body["response_format"]["json_schema"]["name"] for r in fake_llm.requests] == ["rerank_ids_reply"] * 2
    assert result.config["agent"]["planning"] is False and result.notes["llm"]["calls"] == 2


def test_a_spent_call_budget_stops_before_the_next_user_with_a_partial_result(workshop_eval, fake_llm):
    users = workshop_eval.users[:4]
    fake_llm.script(Reply(PLAN), Reply(RERANK))
    result = evaluate_llm(workshop_eval, AGENT, llm(fake_llm), users=users, budget=LLMBudget(max_calls=5))
    assert len(fake_llm.requests) == 4 and result.notes["llm"]["calls"] == 4  # a third user would need calls 5 and 6
    assert result.notes["partial"] is True and result.notes["users_evaluated"] == 2
    assert result.notes["users_planned"] == 4 and "budget of 5 LLM calls" in result.notes["stopped"]
    assert set(result.per_user["ndcg"]) == set(users[:2])
    assert result.summary()["notes"]["partial"] is True


def test_a_call_that_would_pass_the_token_budget_is_never_sent(workshop_eval, fake_llm):
    users = workshop_eval.users[:2]
    config = llm(fake_llm, max_tokens=None)  # no cap on replies: one can be far longer than estimated
    estimate = estimate_llm_run(workshop_eval, AGENT, config, users=users)
    budget = LLMBudget(max_tokens=estimate.user_tokens + 200)  # one user fits, as estimated
    long_plan = json.dumps({"searches": [{"query": "pasta", "reason": "so " * 3000}]})  # ~2,250 tokens of reply
    fake_llm.script(Reply(long_plan), Reply(RERANK))
    result = evaluate_llm(workshop_eval, AGENT, config, users=users, estimate=estimate, budget=budget)
    # the plan went out, its long reply left too little for the rerank prompt: the rerank was refused,
    # that user (ranked by the local agent after the refusal) left out, and the run stopped there
    assert len(fake_llm.requests) == 1 and result.notes["users_evaluated"] == 0 and result.notes["partial"]
    assert "the next call needs about" in result.notes["stopped"]
    assert result.notes["llm"]["total_tokens"] <= budget.max_tokens


def test_the_clients_per_minute_limit_is_waited_for_and_the_wait_can_be_cancelled(workshop_eval, fake_llm):
    config = llm(fake_llm, per_minute=3)
    fake_llm.script(Reply(PLAN), Reply(RERANK))
    waits = []
    with pytest.raises(CancelledError, match="waiting for the per-minute call budget"):
        evaluate_llm(workshop_eval, AGENT, LLMClient(config), users=workshop_eval.users[:2],
                     sleep=waits.append, cancel=lambda: bool(waits))
    assert len(fake_llm.requests) == 2  # the first user's two calls; the second user waits for the window
    budget = CallBudget(per_day=5)
    for _ in range(4):
        budget.try_acquire()
    estimate = estimate_llm_run(workshop_eval, AGENT, llm(fake_llm), users=workshop_eval.users[:2], budget=budget)
    assert estimate.problems() == ["the LLM client allows 5 calls a day and 4 are used: 4 do not fit"]
    fake_llm.script(Reply(PLAN), Reply(RERANK))
    result = evaluate_llm(workshop_eval, AGENT, LLMClient(llm(fake_llm), budget=budget), users=workshop_eval.users[:2],
                          estimate=estimate)
    assert result.notes["users_evaluated"] == 0 and "5 calls a day are spent" in result.notes["stopped"]


def test_without_an_llm_the_run_is_refused_naming_how_to_configure_one(workshop_eval, fake_llm):
    message = llm_unavailable(LLMConfig())
    assert "OPENAI_API_KEY" in message and "OPENAI_BASE_URL" in message and "skipped" in message
    assert llm_unavailable(llm(fake_llm)) is None
    with pytest.raises(NotAvailableError, match="no LLM is configured. Set OPENAI_API_KEY"):
        evaluate_llm(workshop_eval, AGENT, LLMConfig(), users=workshop_eval.users[:2])
    with pytest.raises(InvalidInputError, match="needs use_agent_ranking=True"):
        evaluate_llm(workshop_eval, EngineConfig(), llm(fake_llm), users=workshop_eval.users[:2])
    assert fake_llm.requests == []


def test_a_server_failure_leaves_that_user_out_instead_of_scoring_the_local_agent(workshop_eval, fake_llm):
    fake_llm.script(Reply(PLAN), Reply(RERANK), Reply(status=500, error="overloaded"))
    result = evaluate_llm(workshop_eval, AGENT, llm(fake_llm), users=workshop_eval.users[:2])
    used = result.notes["llm"]
    assert result.notes["users_evaluated"] == 1 and used["fallback_users"] == 1
    assert any("HTTP 500" in reason for reason in used["fallback_reasons"])


# --- the CLI --------------------------------------------------------------------------------------

@pytest.fixture
def llm_env(fake_llm, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.url)
    monkeypatch.setenv("OPENAI_MODEL", "fake-model")
    monkeypatch.setenv("PERSONALIZATION_LLM_CACHE", str(tmp_path / "llm-cache"))
    return fake_llm


EVALUATE = ["evaluate", "movies", "--users", "3", "--baselines", "most_popular"]


def test_the_cli_prints_the_estimate_and_runs_only_when_confirmed(llm_env, capsys, monkeypatch):
    assert main(["--json", *EVALUATE, "--agent", "llm", "--agent-users", "2"]) == 1
    data = json.loads(capsys.readouterr().out)["llm"]
    assert data["confirmed"] is False and data["estimate"]["calls"] == 4 and llm_env.requests == []
    assert data["budget"] == {"max_calls": 4, "max_tokens": data["estimate"]["tokens_bound"]}

    class Terminal:
        def isatty(self):
            return True

        def readline(self):
            return "n\n"
    monkeypatch.setattr("sys.stdin", Terminal())
    assert main([*EVALUATE, "--agent", "llm", "--agent-users", "2"]) == 1  # asked, answered no
    out, err = capsys.readouterr()
    assert "Run it? [y/N]" in out + err and "4 calls" in err and llm_env.requests == []

    llm_env.script(Reply(PLAN), Reply(RERANK))
    assert main(["--json", *EVALUATE, "--agent", "llm", "--agent-users", "2", "--max-llm-calls", "3", "--yes"]) == 0
    data = json.loads(capsys.readouterr().out)
    # one user: a second needs calls 3 and 4; the local agent's runs (on all users and the sample) called nothing
    assert len(llm_env.requests) == 2 and data["llm"]["used"]["calls"] == 2
    *_, local, llm_run = data["runs"]
    assert local["name"].endswith("local agent") and local["ndcg"]["users"] == 2
    assert llm_run["notes"]["partial"] and llm_run["notes"]["users_evaluated"] == 1


def test_the_cli_skips_the_llm_run_with_a_message_naming_how_to_configure_one(llm_env, capsys, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL")
    assert main(["--json", *EVALUATE, "--agent", "llm", "--yes"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "OPENAI_API_KEY" in data["llm"]["skipped"] and len(data["runs"]) == 2  # the engine and the baseline
