"""The local agent part of ``benchmarks.bench_search`` (its docstring says what is timed): ``get_objects`` with
the agent over vector-only on a store file, after one ``add_items``, and as the first request of a store opened
again on that file."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from datetime import timedelta

import numpy as np

from benchmarks.bench_search import LIMIT, NOW, build, interleaved, row, table, vocabulary
from core import (AnnConfig, EmbeddedStore, Item, Persona, PersonaInteraction, PersonalizationAgent,
                  generate_uuid5)
from core.ranking.llm.client import LLMConfig
from core.store.embedded import fts, fts_warm


def bench_agent(n: int, runs: int) -> None:
    """get_objects with the local agent (a persona with 20 likes, 5 dislikes, favorite_genres: one planned
    keyword search; with an instruction, a hybrid, a keyword and a moved near_text search) over vector-only."""
    folder = tempfile.mkdtemp(prefix="bench-search-")
    path = f"{folder}/agent.db"
    store, _, _ = build(n, ann=AnnConfig(build="sync"), path=path)  # waits for any ANN index its searches want
    agent = PersonalizationAgent.create(store, "Bench", user_properties={"favorite_genres": "text[]"},
                                        llm=LLMConfig(api_key=None, base_url=None))
    agent.add_persona(Persona(persona_id="bench", properties={"favorite_genres": ["Documentary"]}))
    picks = np.random.default_rng(1).choice(n, 25, replace=False)
    agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=generate_uuid5(int(i)),
                                               weight=1.0 if k < 20 else -1.0, created_at=NOW - timedelta(days=k))
                            for k, i in enumerate(picks)])
    agent.get_objects("bench", instruction="warm up the text model", now=NOW)
    instruction = "a calm documentary about nature"

    def cold(kw: dict, postings: bool = False, old: bool = False):
        # the keyword searches as on their first ask (no kept ranking; with ``postings``, no FTS5 postings, row
        # sizes or row count kept either, as on a reopened store; ``old``: ranked by FTS5, the path before
        # fts_memory), the kept ones put back
        def run(r: int):
            kept = [(state, dict(state.seen), dict(state.ranked), state.postings)
                    for state in list(fts._STATE.values())]
            for state, _, _, _ in kept:
                state.seen.clear()
                state.ranked.clear()
                if postings:
                    state.postings = fts.Postings()
            memory = fts._in_memory
            if old:
                fts._in_memory = lambda *a: None
            try:
                return agent.get_objects("bench", limit=LIMIT, now=NOW, **kw)
            finally:
                fts._in_memory = memory
                for state, seen, ranked, kept_postings in kept:
                    state.seen.clear()
                    state.seen.update(seen)
                    state.ranked.clear()
                    state.ranked.update(ranked)
                    state.postings = kept_postings
        return run
    first, reopened = "agent, keyword searches asked first", "agent, asked first, no postings and no warm-up"
    old = "old path (FTS5 ranks), asked first"
    names = ["agent", first, reopened, old]
    table(f"local agent at {n:,} items, limit {LIMIT} (floor: vector-only get_objects)", names + ["floor"])
    for case, kw in {"no instruction": {}, "with an instruction": {"instruction": instruction}}.items():
        got = interleaved({
            "agent": lambda r, kw=kw: agent.get_objects("bench", limit=LIMIT, now=NOW, use_agent_ranking=True, **kw),
            first: cold({"use_agent_ranking": True, **kw}),
            reopened: cold({"use_agent_ranking": True, **kw}, postings=True),
            old: cold({"use_agent_ranking": True, **kw}, old=True),
            "floor": lambda r: agent.get_objects("bench", limit=LIMIT, now=NOW, use_agent_ranking=False)}, runs)
        row(n, case, got)
        added = " | ".join(f"{got[k][0] - got['floor'][0]:+.2f}" for k in names)
        print(f"|  | added p50 ms | {added} |  |  |  |  |  |")
    after_writes(store, agent, n, runs, instruction)
    store.close()
    reopened_first(path, n, runs, instruction)
    shutil.rmtree(folder, ignore_errors=True)


WHEN = ("index read and warmed", "index read, no warm-up (before)", "at once", "at once, no warm-up (before)")
"""When a reopened store's first request comes: after ``count`` read the index (and its keyword warm-up finished),
or as the first call; with the warm-up, or without it as before (``fts_warm.WARM_FROM`` raised), in turn."""


def reopened_first(path: str, n: int, runs: int, instruction: str) -> None:
    """The first get_objects of a store opened again (module docstring), agent and vector-only in turn."""
    samples: dict[str, list[float]] = {}
    warm_from = fts_warm.WARM_FROM
    for r in range(runs):
        for case, kw in {"no instruction": {}, "with an instruction": {"instruction": instruction}}.items():
            for when in WHEN:
                for name, agentic in (("agent", True), ("floor", False))[::1 if r % 2 else -1]:
                    fts_warm.WARM_FROM = 10 ** 12 if "no warm-up" in when else warm_from
                    store = EmbeddedStore(path, ann=AnnConfig(build="sync"))
                    agent = PersonalizationAgent(store=store, reference_collection="Bench",
                                                 llm=LLMConfig(api_key=None, base_url=None))
                    if not when.startswith("at once"):
                        store.count("Bench")
                        for warm in list(store._warmer._warms):
                            warm.join(30)
                    t = time.perf_counter()
                    agent.get_objects("bench", limit=LIMIT, now=NOW, use_agent_ranking=agentic, **kw)
                    samples.setdefault(f"{case}|{when}|{name}", []).append((time.perf_counter() - t) * 1000)
                    store.close()
    fts_warm.WARM_FROM = warm_from
    for case in ("no instruction", "with an instruction"):
        for when in WHEN:
            a, f = (statistics.median(samples[f"{case}|{when}|{k}"]) for k in ("agent", "floor"))
            print(f"| {n:,} | {case}, first get_objects on a reopened store ({when}) | agent {a:.2f} | floor {f:.2f} | "
                  f"added {a - f:+.2f} |  |  |  |  |")


def after_writes(store: EmbeddedStore, agent, n: int, runs: int, instruction: str) -> None:
    """The first get_objects after one add_items (untimed): agent and vector-only in turn, a write before each."""
    words, rng = vocabulary(), np.random.default_rng(11)
    samples: dict[str, list[float]] = {}
    for r in range(2 * (runs // 2)):
        for case, kw in {"no instruction": {}, "with an instruction": {"instruction": instruction}}.items():
            for name, agentic in (("agent", True), ("floor", False)):
                v = rng.normal(size=(1, 384)).astype(np.float32)
                store.add_items("Bench", [Item(uuid=generate_uuid5(f"w{r}-{case}-{name}"), properties={
                    "title": " ".join(words[:3]), "genres": ["Documentary"], "year": 2000, "original_id": -1})],
                    v / np.linalg.norm(v))
                t = time.perf_counter()
                agent.get_objects("bench", limit=LIMIT, now=NOW, use_agent_ranking=agentic, **kw)
                samples.setdefault(f"{case}|{name}", []).append((time.perf_counter() - t) * 1000)
    for case in ("no instruction", "with an instruction"):
        a, f = (statistics.median(samples[f"{case}|{k}"]) for k in ("agent", "floor"))
        print(f"| {n:,} | {case}, first get_objects after one add_items | agent {a:.2f} | floor {f:.2f} | "
              f"added {a - f:+.2f} |  |  |  |  |")
