"""What agent ranking costs: local-agent latency over vector-only, LLM calls, tokens, cache hits.

    python -m benchmarks.bench_agent [--items 10000] [--runs 100]

1. Local agent (no LLM) on a synthetic catalog (seeded 384-d vectors, titles and genres for BM25):
   p50/p95 of ``get_objects`` vector-only vs agent-ranked, for a persona with 20 likes, 5
   dislikes and a ``favorite_genres`` property (one keyword search planned), without and with an
   instruction (a hybrid search plus instruction similarity: the text model is loaded once first).
2. LLM agent against a local server speaking the OpenAI API (``devtools/fake_openai.py``; it reports
   ``prompt_tokens = chars / 4``): LLM calls per request, prompt tokens per candidate, and the
   latency of a repeated request answered from the response cache.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from core import Persona, PersonaInteraction, PersonalizationAgent, generate_uuid5
from core.ranking.llm.client import LLMConfig
from devtools.fake_openai import FakeOpenAI, Reply

from .bench_latency import NOW, build, percentiles, time_runs


def local_agent(n: int, runs: int) -> None:
    store, _ = build(n)
    agent = PersonalizationAgent.create(store, "Bench", user_properties={"favorite_genres": "text[]"},
                                        llm=LLMConfig(api_key=None, base_url=None))
    agent.add_persona(Persona(persona_id="bench", properties={"favorite_genres": ["Documentary"]}))
    picks = np.random.default_rng(1).choice(n, 25, replace=False)
    agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=generate_uuid5(int(i)),
                                               weight=1.0 if k < 20 else -1.0,
                                               created_at=NOW - timedelta(days=k)) for k, i in enumerate(picks)])
    agent.get_objects("bench", instruction="warm up the text model", now=NOW)
    rows = {"vector-only": dict(use_agent_ranking=False),
            "local agent": dict(use_agent_ranking=True),
            "local agent + instruction": dict(use_agent_ranking=True, instruction="a calm documentary about nature")}
    base = None
    print(f"\n### Local agent at {n:,} items ({runs} runs, limit 10)\n")
    print("| ranking | p50 ms | p95 ms | added p50 ms |\n|---|---:|---:|---:|")
    for name, kw in rows.items():
        p50, p95 = percentiles(time_runs(lambda kw=kw: agent.get_objects("bench", limit=10, now=NOW, **kw), runs))
        base = p50 if base is None else base
        print(f"| {name} | {p50:.2f} | {p95:.2f} | {p50 - base:+.2f} |")


def llm_agent(n: int, runs: int) -> None:
    store, _ = build(n)
    with FakeOpenAI() as server, tempfile.TemporaryDirectory() as cache:
        llm = LLMConfig(api_key="bench-key", base_url=server.url, model="bench-model", cache_dir=Path(cache))
        agent = PersonalizationAgent.create(store, "Bench", llm=llm)
        picks = np.random.default_rng(1).choice(n, 25, replace=False)
        agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=generate_uuid5(int(i)), weight=1.0,
                                                   created_at=NOW)
                                for i in picks])
        plan = json.dumps({"searches": [{"query": "documentary", "reason": "bench"}]})
        rerank = json.dumps({"ranking": [{"id": f"c{k}", "reason": "bench"} for k in range(1, 11)],
                             "rationale": "bench"})
        server.script(Reply(plan), Reply(rerank))
        t = time.perf_counter()
        first = agent.get_objects("bench", limit=10, instruction="documentaries", now=NOW)
        cold = (time.perf_counter() - t) * 1000
        candidates = next(s for s in first.trace if s.name == "rerank").details["pool"]
        rerank_request = server.requests[-1]
        hit = percentiles(time_runs(lambda: agent.get_objects("bench", limit=10, instruction="documentaries",
                                                              now=NOW), runs))
        print(f"\n### LLM agent against the local OpenAI-compatible server ({n:,} items)\n")
        print(f"- LLM calls for a new request: {first.usage.requests} (plan + rerank); "
              f"prompt tokens {first.usage.request_tokens}, completion tokens {first.usage.response_tokens}")
        print(f"- rerank prompt: {rerank_request.prompt_tokens} tokens for {candidates} candidates = "
              f"{rerank_request.prompt_tokens / candidates:.0f} tokens per candidate (chars / 4)")
        print(f"- first request (2 calls to the local server): {cold:.1f} ms; repeated request answered "
              f"from the cache: p50 {hit[0]:.2f} ms, p95 {hit[1]:.2f} ms, requests sent {len(server.requests) - 2}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    local_agent(args.items, args.runs)
    llm_agent(args.items, args.runs)


if __name__ == "__main__":
    main()
