"""The embedded store's approximate candidate stage against its exact path (core/store/embedded/ann.py).

Two stores hold the same items: one with the ANN stage forced on for a small catalog (thresholds low,
the faiss index built on first need), one with it disabled. Recall is measured on a fixed seed; every
returned score must be the exact one, computed here by hand from the vectors.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from core import CollectionSpec, EmbeddedStore, Item, PersonaInteraction, PersonalizationAgent, generate_uuid5
from core.configs import AnnConfig
from core.store.embedded import threads

pytest.importorskip("faiss", reason="faiss-cpu (requirements.txt) is not installed: the approximate stage "
                    "cannot run")

N, D = 4000, 32
ON = AnnConfig(min_rows=1000, min_rows_multi=1000, few_rows=200, build="sync", kind="hnsw")
OFF = AnnConfig(enabled=False)


def clustered(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, D))
    x = centres[rng.integers(0, 40, n)] + rng.normal(scale=0.5, size=(n, D))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def items(start: int, stop: int) -> list[Item]:
    return [Item(uuid=generate_uuid5(i), properties={"title": f"Item {i}", "year": 1950 + i % 70, "n": i})
            for i in range(start, stop)]


def make(config: AnnConfig, vectors: np.ndarray) -> EmbeddedStore:
    store = EmbeddedStore(":memory:", ann=config)
    store.create_collection(CollectionSpec("C", D, text_fields=("title",)))
    store.add_items("C", items(0, len(vectors)), vectors)
    return store


@pytest.fixture(scope="module")
def data():
    vectors = clustered(N, 0)
    return vectors, make(ON, vectors), make(OFF, vectors)


def exact_scores(vectors: np.ndarray, ids, q: np.ndarray, w: np.ndarray, prior: np.ndarray | None = None):
    rows = [int(next(i for i in range(len(vectors)) if generate_uuid5(i) == u)) for u in ids] if ids else []
    s = (vectors[rows] @ (q * w[:, None]).T).max(axis=1)
    return s + prior[rows] if prior is not None else s


class Prior:
    def __init__(self, values: dict):
        self.values = values

    def aligned(self, ids):
        return np.array([self.values.get(u, 0.0) for u in ids], dtype=np.float32)


def test_ann_recall_on_a_fixed_seed_and_scores_are_exact(data):
    vectors, ann, exact = data
    rng = np.random.default_rng(7)
    recalls = []
    for _ in range(20):
        q = vectors[rng.choice(N, 8, replace=False)]
        w = rng.uniform(0.5, 1.0, 8).astype(np.float32)
        got = ann.search_max("C", q, w, 10)
        want = exact.search_max("C", q, w, 10)
        assert got.path["path"] == "ann-hnsw" and want.path["path"] == "exact"
        assert got.path["candidates"] < N // 4  # the index, not a scan, found them
        recalls.append(len({h.uuid for h in got} & {h.uuid for h in want}) / 10)
        hand = exact_scores(vectors, [h.uuid for h in got], q, w)
        np.testing.assert_allclose([h.score for h in got], hand, rtol=0, atol=1e-5)
        assert [h.score for h in got] == sorted((h.score for h in got), reverse=True)
    assert np.mean(recalls) >= 0.95


def test_prior_is_added_exactly_and_its_favourites_are_candidates(data):
    vectors, ann, exact = data
    q = vectors[[3]]
    w = np.ones(1, np.float32)
    favourite = generate_uuid5(2500)  # far from q, but the prior lifts it to the top
    prior = Prior({favourite: 5.0, generate_uuid5(11): 0.3})
    got = ann.search_max("C", q, w, 10, prior=prior)
    assert got[0].uuid == favourite
    assert [h.uuid for h in got] == [h.uuid for h in exact.search_max("C", q, w, 10, prior=prior)]
    values = np.zeros(N, np.float32)
    values[2500], values[11] = 5.0, 0.3
    np.testing.assert_allclose([h.score for h in got], exact_scores(vectors, [h.uuid for h in got], q, w, values),
                               atol=1e-5)


def test_filters_and_exclusions_are_respected(data):
    from weaviate.classes.query import Filter
    vectors, ann, exact = data
    recent = Filter.by_property("year").greater_or_equal(2000)  # 20 of 70 years: ~1140 rows, above few_rows
    q, w = vectors[[5, 900, 1700]], np.ones(3, np.float32)
    banned = [h.uuid for h in exact.search_max("C", q, w, 5, filters=recent)]
    got = ann.search_max("C", q, w, 10, filters=recent, exclude=banned)
    assert got.path["path"] == "ann-hnsw" and got.path["filtered"]
    props = ann.item_properties("C", [h.uuid for h in got])
    assert len(got) == 10 and all(props[h.uuid]["year"] >= 2000 for h in got)
    assert not set(banned) & {h.uuid for h in got}
    want = exact.search_max("C", q, w, 10, filters=recent, exclude=banned)
    assert len({h.uuid for h in got} & {h.uuid for h in want}) >= 9


def test_a_filter_leaving_few_rows_is_answered_exactly_over_those_rows(data):
    from weaviate.classes.query import Filter
    vectors, ann, exact = data
    rare = Filter.by_property("n").less_than(150)
    q, w = vectors[[10, 20]], np.ones(2, np.float32)
    got = ann.search_max("C", q, w, 10, filters=rare)
    assert got.path == {"path": "exact-subset", "candidates": 150}
    assert [(h.uuid, round(h.score, 5)) for h in got] == \
        [(h.uuid, round(h.score, 5)) for h in exact.search_max("C", q, w, 10, filters=rare)]


def test_appended_items_are_found_at_once_and_a_rewrite_rebuilds():
    vectors = clustered(N, 1)
    store = make(ON, vectors)
    q, w = vectors[[0, 1]], np.ones(2, np.float32)
    store.search_max("C", q, w, 10)  # builds over N rows
    new = clustered(50, 2)
    new[7] = q[1]
    store.add_items("C", items(N, N + 50), new)
    got = store.search_max("C", q, w, 10)
    assert got.path["tail_rows"] == 50 and got.path["indexed_rows"] == N
    assert got[0].uuid in {generate_uuid5(0), generate_uuid5(N + 7)} and generate_uuid5(N + 7) in {h.uuid for h in got}
    store.put_vectors("C", [generate_uuid5(3000)], q[:1])  # rewritten: the old build no longer describes row 3000
    got = store.search_max("C", q[:1], w[:1], 3)
    assert got.path["tail_rows"] == 0 and got.path["indexed_rows"] == N + 50
    assert generate_uuid5(3000) in {h.uuid for h in got[:3]}


def test_without_faiss_the_store_is_exact_and_says_why(data, monkeypatch):
    vectors, _, exact = data
    monkeypatch.setitem(sys.modules, "faiss", None)  # `import faiss` now raises ImportError
    store = make(ON, vectors)
    q, w = vectors[[1, 2, 3]], np.ones(3, np.float32)
    got = store.search_max("C", q, w, 10)
    assert got.path == {"path": "exact", "candidates": N, "reason": "faiss is not installed"}
    assert [h.uuid for h in got] == [h.uuid for h in exact.search_max("C", q, w, 10)]
    assert store.near_vectors("C", q[:1], 5)[0].path["reason"] == "faiss is not installed"


def test_near_vectors_uses_the_index_for_a_large_catalog(data):
    vectors, ann, exact = data
    q = vectors[[42, 43]]
    got, want = ann.near_vectors("C", q, 10), exact.near_vectors("C", q, 10)
    assert [g.path["path"] for g in got] == ["ann-hnsw", "ann-hnsw"]
    for g, e in zip(got, want):
        assert len({h.uuid for h in g} & {h.uuid for h in e}) >= 9
        np.testing.assert_allclose([h.score for h in g], exact_scores(vectors, [h.uuid for h in g], q[:1] * 0 +
                                   vectors[[42 if g is got[0] else 43]], np.ones(1, np.float32)), atol=1e-5)


def test_ivf_kind_and_a_background_build():
    vectors = clustered(N, 3)
    store = make(ON.validated_copy(kind="ivf", build="background"), vectors)
    q, w = vectors[[0, 9]], np.ones(2, np.float32)
    first = store.search_max("C", q, w, 10)
    assert first.path["path"] in ("exact", "ann-ivf")  # the build may finish before the first answer
    if first.path["path"] == "exact":
        assert first.path["reason"] == "ann index building"
    deadline = time.monotonic() + 60
    while store.search_max("C", q, w, 10).path["path"] == "exact" and time.monotonic() < deadline:
        time.sleep(0.05)
    got = store.search_max("C", q, w, 10)
    assert got.path["path"] == "ann-ivf" and got.path["nprobe"] == 63  # two queries: twice 32, at most the 63 lists
    want = make(OFF, vectors).search_max("C", q, w, 10)
    assert len({h.uuid for h in got} & {h.uuid for h in want}) >= 9


def test_small_catalogs_stay_exact_by_default(data):
    vectors, _, _ = data
    store = make(AnnConfig(), vectors)
    got = store.search_max("C", vectors[[1, 2]], np.ones(2, np.float32), 5)
    assert got.path == {"path": "exact", "candidates": N, "reason": "small catalog"}
    assert store._index("C").ann is None  # nothing was built


def test_the_trace_says_which_path_answered(data):
    vectors, _, _ = data
    now = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for config, path in ((ON, "ann-hnsw"), (OFF, "exact")):
        store = make(config, vectors)
        agent = PersonalizationAgent.create(store, "C", strategy="knn")
        agent.add_interactions([PersonaInteraction(persona_id="p", item_id=generate_uuid5(i), weight=1.0,
                                                   created_at=now - timedelta(days=i)) for i in range(8)])
        step = next(s.details for s in agent.get_objects("p", limit=5, use_agent_ranking=False, now=now).trace
                    if s.name == "vector_search")
        assert step["path"] == path and step["search"]["path"] == path and step["search"]["candidates"] > 0


def test_blas_threads_limits_small_scans_and_restores():
    from core.learn.blas import blas_threads, one_blas_thread
    controller = threads._numpy_blas()
    if controller is None:
        pytest.skip("threadpoolctl finds no BLAS library here")
    counts = lambda: [lib.num_threads for lib in controller.lib_controllers]  # noqa: E731
    before = counts()
    with threads.blas_threads(10):
        with threads.blas_threads(10):  # a second scan meanwhile leaves the hold to the first
            assert counts() == [1] * len(before)
        assert counts() == [1] * len(before)
    assert counts() == before
    with threads.blas_threads(threads.ONE_THREAD_BELOW):
        assert counts() == before
    import scipy.linalg  # noqa: F401  loaded first, as one_blas_thread does
    everything = blas_threads()
    with one_blas_thread():  # a training holds: a scan runs at its one thread and restores nothing
        with threads.blas_threads(10):
            pass
        assert set(blas_threads().values()) == {1}
    assert blas_threads() == everything


def test_a_small_catalog_never_imports_faiss():
    import subprocess
    code = ("import sys, numpy as np\n"
            "from core import CollectionSpec, EmbeddedStore, Item, generate_uuid5\n"
            "s = EmbeddedStore(':memory:')\n"
            "s.create_collection(CollectionSpec('C', 4, text_fields=('t',)))\n"
            "s.add_items('C', [Item(uuid=generate_uuid5(i), properties={'t': 'x'}) for i in range(3)], np.eye(3, 4))\n"
            "hits = s.search_max('C', np.eye(2, 4), np.ones(2), 2)\n"
            "print(hits.path['path'], 'faiss' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["exact", "False"]


def test_a_deciding_prior_takes_the_pruned_exact_search(data):
    vectors, ann, exact = data
    q, w = vectors[[8, 9]], np.ones(2, np.float32)
    prior = Prior({generate_uuid5(i): 3.0 for i in range(100, 140)})  # 40 rows above anything the queries add
    got = ann.search_max("C", q, w, 10, prior=prior)
    assert got.path == {"path": "exact-pruned", "candidates": 40}  # only the rows the prior lifts were scored
    assert [(h.uuid, round(h.score, 5)) for h in got] == \
        [(h.uuid, round(h.score, 5)) for h in exact.search_max("C", q, w, 10, prior=prior)]
    assert {h.uuid for h in got} <= {generate_uuid5(i) for i in range(100, 140)}


def test_a_prior_that_lifts_many_rows_equally_keeps_the_exact_top(data):
    vectors, ann, exact = data
    rng = np.random.default_rng(11)
    q = vectors[rng.choice(N, 20, replace=False)].mean(axis=0, keepdims=True)  # a centroid: low similarities
    w = np.ones(1, np.float32)
    prior = Prior({generate_uuid5(int(i)): 0.15 for i in rng.choice(N, 500, replace=False)})  # 500 ties
    got = ann.search_max("C", q, w, 30, prior=prior)
    want = exact.search_max("C", q, w, 30, prior=prior)
    assert got.path["path"] == "ann-hnsw" and got.path["prior_rows"] > 0
    assert [h.uuid for h in got[:10]] == [h.uuid for h in want[:10]]  # a fixed top-90 of the ties missed most


def test_a_prior_over_many_rows_is_searched_in_the_ivf_index_first(data, monkeypatch):
    from core.store.embedded import ann as ann_stage
    vectors, _, exact = data
    monkeypatch.setattr(ann_stage, "LIFT_SEARCH_ROWS", 100)
    store = make(ON.validated_copy(kind="ivf"), vectors)
    rng = np.random.default_rng(12)
    liked = rng.choice(N, 1500, replace=False)  # a big community's liked items: one tied prior
    values = np.zeros(N, np.float32)
    values[liked] = 0.15
    values[liked[:40]] = 0.3  # a few liked twice
    prior = Prior({generate_uuid5(int(i)): float(values[i]) for i in liked})
    recalls = []
    for _ in range(10):
        q = vectors[rng.choice(N, 8, replace=False)]
        w = rng.uniform(0.5, 1.0, 8).astype(np.float32)
        got = store.search_max("C", q, w, 10, prior=prior)
        want = exact.search_max("C", q, w, 10, prior=prior)
        assert got.path["path"] == "ann-ivf" and got.path["prior_reach"] > 100
        assert got.path["prior_rows"] < got.path["prior_reach"]  # the index search spared most of the exact scoring
        recalls.append(len({h.uuid for h in got} & {h.uuid for h in want}) / 10)
        np.testing.assert_allclose([h.score for h in got], exact_scores(vectors, [h.uuid for h in got], q, w, values),
                                   atol=1e-5)
    assert np.mean(recalls) >= 0.95


def test_a_filter_or_many_queries_set_how_hard_the_index_searches():
    from types import SimpleNamespace
    from core.store.embedded.ann_index import Built, effort
    ivf = Built(SimpleNamespace(nlist=100), "ivf", 1000, 0.0, 0)
    hnsw = Built(None, "hnsw", 1000, 0.0, 0)
    config = AnnConfig(nprobe=32, ef_search=128)
    assert effort(ivf, 30, config, 1, 1.0) == {"nprobe": 32}
    assert effort(ivf, 30, config, 20, 1.0) == {"nprobe": 16}  # knn's 20 likes: half the lists each
    assert effort(ivf, 30, config, 3, 0.3) == {"nprobe": 100}  # 32 / 0.3 = 107, capped at the list count
    assert effort(ivf, 30, config, 20, 0.5) == {"nprobe": 16}  # many queries: their union, not a boost
    assert effort(ivf, 30, config, 3, 1.0) == {"nprobe": 64}  # a few queries (multi_interest's interests): twice
    assert effort(ivf, 30, config, 7, 1.0) == {"nprobe": 64}
    assert effort(ivf, 30, config, 8, 1.0) == {"nprobe": 16}
    assert effort(ivf, 30, config, 3, 1.0, boost=False) == {"nprobe": 32}  # the prior's own search: as configured
    assert effort(ivf, 30, config, 20, 1.0, boost=False) == {"nprobe": 16}
    assert effort(hnsw, 30, config, 2, 1.0) == {"ef_search": 256}
    assert effort(hnsw, 30, config, 3, 0.5) == {"ef_search": 512}  # few and filtered: 4x, no more
    assert effort(hnsw, 30, config, 3, 0.0) == {"ef_search": 512}
    assert effort(hnsw, 30, config, 20, 0.3) == {"ef_search": 128}
    assert effort(hnsw, 30, config, 1, 0.5) == {"ef_search": 256}
    assert effort(hnsw, 30, config, 1, 0.01) == {"ef_search": 512}  # at most 4x
    assert effort(hnsw, 600, config, 20, 1.0) == {"ef_search": 600}  # at least k
    assert effort(hnsw, 30, config, 1, 0.99999) == {"ef_search": 128}  # an exclusion alone changes nothing


def test_a_filtered_search_reports_its_raised_effort(data):
    from weaviate.classes.query import Filter
    vectors, ann, exact = data
    recent = Filter.by_property("year").greater_or_equal(2000)
    q, w = vectors[[5, 900]], np.ones(2, np.float32)
    got = ann.search_max("C", q, w, 10, filters=recent)
    passing = sum(1 for i in range(N) if 1950 + i % 70 >= 2000)
    assert got.path["ef_search"] == round(128 * min(2 * N / passing, 4))  # two queries, a filter
    assert ann.search_max("C", q[:1], w[:1], 10, filters=recent).path["ef_search"] == round(128 * N / passing)
    assert [h.uuid for h in got] == [h.uuid for h in exact.search_max("C", q, w, 10, filters=recent)]


def test_a_few_interest_centroids_probe_twice_the_lists_and_find_what_exact_finds(monkeypatch):
    from core.store.embedded import ann_index
    vectors = clustered(N, 4)
    store = make(ON.validated_copy(kind="ivf", nprobe=2), vectors)  # 2 of 63 lists: the rule's doubling shows
    exact = make(OFF, vectors)
    rng = np.random.default_rng(7)

    def recall(queries):
        got = [store.search_max("C", q, np.ones(3, np.float32), 30) for q in queries]
        want = [exact.search_max("C", q, np.ones(3, np.float32), 30) for q in queries]
        return got, np.mean([len({h.uuid for h in g} & {h.uuid for h in e}) / 30 for g, e in zip(got, want)])
    # three interests, each the normalised mean of six random items: queries far from any item
    means = [vectors[rng.choice(N, (3, 6))].sum(axis=1) for _ in range(20)]
    queries = [(m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32) for m in means]
    got, doubled = recall(queries)
    assert {g.path["nprobe"] for g in got} == {4}
    monkeypatch.setattr(ann_index, "FEW_BOOST", 1.0)
    got, plain = recall(queries)
    assert {g.path["nprobe"] for g in got} == {2}
    assert doubled >= 0.95 and doubled > plain + 0.02, (doubled, plain)  # measured: 0.988 against 0.925


def test_small_faiss_searches_run_on_one_openmp_thread_and_restore_it(data, monkeypatch):
    import faiss
    from core.store.embedded import ann as ann_stage
    vectors, ann, exact = data
    seen = []
    real = ann_stage.omp_threads

    def spy(module, count):
        seen.append((count, module.omp_get_max_threads()))
        return real(module, count)
    monkeypatch.setattr(ann_stage, "omp_threads", spy)
    before = faiss.omp_get_max_threads()
    q = vectors[[1, 2, 3]]
    ann.search_max("C", q, np.ones(3, np.float32), 10)  # three queries, no selector: as configured
    ann.search_max("C", q[:1], np.ones(1, np.float32), 10)  # one query: one thread
    assert [c for c, _ in seen] == [None, 1]
    assert faiss.omp_get_max_threads() == before


def test_a_prior_narrower_than_the_queries_reach_skips_the_pruning_probe(data, monkeypatch):
    from core.store.embedded import ann as ann_stage
    vectors, ann, exact = data
    calls = []
    real = ann_stage.pruned_scores
    monkeypatch.setattr(ann_stage, "pruned_scores", lambda *a, **k: calls.append(1) or real(*a, **k))
    q, w = vectors[[8, 9]], np.ones(2, np.float32)
    narrow = Prior({generate_uuid5(i): 0.07 for i in range(0, N, 3)})  # a popularity prior of weight 0.5: 0.07
    got = ann.search_max("C", q, w, 10, prior=narrow)
    assert not calls and got.path["path"] == "ann-hnsw"
    assert [h.uuid for h in got] == [h.uuid for h in exact.search_max("C", q, w, 10, prior=narrow)]
    wide = Prior({generate_uuid5(i): 3.0 for i in range(100, 140)})
    assert ann.search_max("C", q, w, 10, prior=wide).path["path"] == "exact-pruned" and calls == [1]


def test_several_near_vectors_queries_take_the_multi_query_threshold(data):
    """The local agent's batched searches are several queries: the index from ``min_rows_multi`` rows, one
    query still from ``min_rows`` (the thresholds here sit between: N rows)."""
    vectors = data[0]
    store = make(AnnConfig(min_rows=N + 1, min_rows_multi=N, build="sync"), vectors)
    try:
        one = store.near_vectors("C", vectors[[7]], 10)
        two = store.near_vectors("C", vectors[[7, 8]], 10)
    finally:
        store.close()
    assert one[0].path == dict(path="exact", candidates=N, reason="small catalog")
    assert [h.path["path"] for h in two] == ["ann-hnsw", "ann-hnsw"]
    assert [h.uuid for h in two[0]][0] == generate_uuid5(7)  # its own vector first, exactly scored
    assert two[0][0].score == pytest.approx(1.0, abs=1e-5)
