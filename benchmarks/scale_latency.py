"""``get_objects`` of every strategy next to numpy and faiss exact top-k, for ``benchmarks.bench_scale``.

For one cached catalog (:mod:`benchmarks.scale_catalog`): every registered strategy vector-only and
the local agent (no LLM; the agent's default strategy), each without and with the ~30 % filter,
timed interleaved with two bare floors over the same matrix in the same process: numpy (one
matrix-vector product and an argpartition of the pool; filtered: the same scan with the rejected
rows set to -inf; once with the process's BLAS threads, once on one) and faiss ``IndexFlatIP``
(filtered: an ``IDSelectorBitmap`` of the same mask; on one OpenMP thread).
The floors' query is the persona's likes' mean minus its dislikes' mean; the pool is the engine's
(30 for limit 10). The path column is the ``path`` the request's trace records (the vector
search's, or the agent's inner vector search's), "exact" when the trace has none.

:func:`recall_rows`: recall@10 of each row's list against the same request on an exact store
(``AnnConfig(enabled=False)``), over the measured persona and :data:`RECALL_PERSONAS` - 1 community
personas; the approximate store waits for its index (``build="sync"``), so every list it returns came
through the path the table names.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from benchmarks.scale_catalog import (BENCH_PERSONA, COLLECTION, NOW, Catalog, bench_rows, filter_mask, filters,
                                      vectors)
from core import STRATEGIES, AnnConfig, EmbeddedStore, LLMConfig, PersonalizationAgent, generate_uuid5

FLOORS = ("numpy", "numpy 1 thread", "faiss")
RECALL_PERSONAS = 20
POOL = 30
LIMIT = 10


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of ``samples`` (seconds) in milliseconds (nearest rank)."""
    ms = np.sort(np.asarray(samples) * 1000)
    return float(np.median(ms)), float(ms[int(round(0.95 * (len(ms) - 1)))])


def trace_path(trace: Any) -> str:
    """The first ``path`` recorded anywhere in a response's trace details, "exact" when none is."""
    def find(value: Any) -> str | None:
        if isinstance(value, dict):
            if isinstance(value.get("path"), str):
                return value["path"]
            return next((p for p in map(find, value.values()) if p), None)
        if isinstance(value, (list, tuple)):
            return next((p for p in map(find, value) if p), None)
        return None
    return next((p for p in (find(step.details) for step in trace) if p), "exact")


class Floors:
    """The bare exact top-k searches over the catalog's matrix (one copy: numpy reads faiss's storage)."""

    def __init__(self, catalog: Catalog) -> None:
        import faiss

        self.faiss = faiss
        self.index = faiss.IndexFlatIP(384)
        for start in range(0, catalog.n, 50_000):  # in chunks: no second full-size copy in this process
            self.index.add(vectors(catalog.kind, catalog.seed, start, min(catalog.n, start + 50_000)))
        self.matrix = faiss.rev_swig_ptr(self.index.get_xb(), catalog.n * 384).reshape(catalog.n, 384)
        liked, disliked = bench_rows(catalog.kind, catalog.n, catalog.seed)
        q = self.matrix[liked].mean(axis=0) - self.matrix[disliked].mean(axis=0)
        self.query = (q / np.linalg.norm(q)).astype(np.float32)
        self.mask = filter_mask(catalog.n)
        self.reject = ~self.mask
        bitmap = np.packbits(self.mask, bitorder="little")
        self._bitmap = bitmap  # the selector keeps a pointer into it
        self.params = faiss.SearchParameters(sel=faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap)))

    def numpy(self, filtered: bool) -> np.ndarray:
        scores = self.matrix @ self.query
        if filtered:
            scores[self.reject] = -np.inf
        top = np.argpartition(-scores, POOL)[:POOL]
        return top[np.argsort(-scores[top])]

    def faiss_search(self, filtered: bool) -> np.ndarray:
        threads = self.faiss.omp_get_max_threads()
        self.faiss.omp_set_num_threads(1)  # one query runs on one thread anyway; idle OpenMP threads spinning
        try:  # on these 2 cores slowed every other row 2-50x; the engine's own faiss setting is put back
            _, ids = self.index.search(self.query[None, :], POOL, params=self.params if filtered else None)
        finally:
            self.faiss.omp_set_num_threads(threads)
        return ids[0]


def configs() -> dict[str, dict[str, Any]]:
    """Request settings per row: every strategy vector-only, then the local agent."""
    out: dict[str, dict[str, Any]] = {s: dict(strategy=s, use_agent_ranking=False) for s in STRATEGIES}
    out["local agent"] = dict(use_agent_ranking=True)
    return out


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def strategy_rows(catalog: Catalog, runs: int) -> tuple[list[dict], list[dict]]:
    """One row per (strategy, filter) and one per filter for the floors (module docstring)."""
    store = EmbeddedStore(catalog.path)
    agent = _agent(store)
    floors = Floors(catalog)
    cases = [(name, f) for name in configs() for f in (False, True)]
    the_filter = filters()
    calls: dict[tuple[str, bool], Callable[[], Any]] = {
        (name, f): (lambda kw=kw, f=f: agent.get_objects(BENCH_PERSONA, limit=LIMIT, now=NOW,
                                                        filters=the_filter if f else None, **kw))
        for name, kw in configs().items() for f in (False, True)}
    floor_calls = {(lib, f): (lambda f=f: floors.numpy(f)) for lib in FLOORS[:2] for f in (False, True)}
    floor_calls.update({("faiss", f): (lambda f=f: floors.faiss_search(f)) for f in (False, True)})
    times: dict[tuple[str, bool], list[float]] = {key: [] for key in [*calls, *floor_calls]}
    last: dict[tuple[str, bool], Any] = {}
    for key, fn in [*calls.items(), *floor_calls.items()]:
        last[key] = fn()  # warm-up: loads the index, the learned vectors, the text model
    one_thread = ThreadpoolController()
    for _ in range(runs):  # interleaved: a change in the machine's load hits every row alike
        for key, fn in [*calls.items(), *floor_calls.items()]:
            if key[0] == "numpy 1 thread":
                with one_thread.limit(limits=1, user_api="blas"):  # set outside the timed call
                    seconds, last[key] = timed(fn)
            else:
                seconds, last[key] = timed(fn)
            times[key].append(seconds)
    store.close()
    floor_rows = [{"filter": f, "kept": float(floors.mask.mean()) if f else 1.0,
                   **{f"{lib}_{p}": v for lib in FLOORS
                      for p, v in zip(("p50", "p95"), percentiles(times[(lib, f)]))}} for f in (False, True)]
    rows = []
    for name, f in cases:
        p50, p95 = percentiles(times[(name, f)])
        floor = floor_rows[f]
        rows.append({"strategy": name, "filter": f, "p50": p50, "p95": p95, "numpy_p50": floor["numpy_p50"],
                     "faiss_p50": floor["faiss_p50"], "vs_numpy": p50 / floor["numpy_p50"],
                     "vs_numpy1": p50 / floor["numpy 1 thread_p50"],
                     "vs_faiss": p50 / floor["faiss_p50"], "path": trace_path(last[(name, f)].trace),
                     "returned": len(last[(name, f)].objects)})
    return rows, floor_rows


def _agent(store: EmbeddedStore) -> PersonalizationAgent:
    return PersonalizationAgent(store=store, reference_collection=COLLECTION,
                                llm=LLMConfig(api_key=None, base_url=None))  # no LLM: the local agent


def recall_rows(catalog: Catalog, personas: int = RECALL_PERSONAS) -> dict[tuple[str, bool], tuple[float, str]]:
    """(mean recall@10 against exact, the approximate path) per (strategy, filter) (module docstring)."""
    people = [BENCH_PERSONA, *(generate_uuid5(f"community-{p}") for p in range(personas - 1))]
    fast, exact = (EmbeddedStore(catalog.path, ann=AnnConfig(build="sync")),
                   EmbeddedStore(catalog.path, ann=AnnConfig(enabled=False)))
    out: dict[tuple[str, bool], tuple[float, str]] = {}
    try:
        agents = _agent(fast), _agent(exact)
        for name, kw in configs().items():
            for f in (False, True):
                hits, paths = [], set()
                for pid in people:
                    got, want = (a.get_objects(pid, limit=LIMIT, now=NOW, filters=filters() if f else None, **kw)
                                 for a in agents)
                    truth = {o.uuid for o in want.objects}
                    hits.append(len(truth & {o.uuid for o in got.objects}) / max(1, len(truth)))
                    paths.add(trace_path(got.trace))
                out[(name, f)] = float(np.mean(hits)), "/".join(sorted(paths))
    finally:
        fast.close()
        exact.close()
    return out
