"""``core.eval.metrics`` against an established implementation: trec_eval (``pytrec-eval-terrier``, test-only).

A real run: the movies sample's log, the README's temporal protocol (each user's latest 20 % held
out, a held-out rating >= 4 relevant), the first 60 test users ranked by the engine's default and
by baselines through :class:`core.eval.runner.Evaluation`. Each user's top-10 list becomes a
trec_eval run (scores falling with rank, so trec_eval's order is ours) and their relevant items
its qrels; every user's value must agree to 1e-9.

Definitions compared like with like:

- NDCG@10 = ``ndcg_cut_10`` (binary gains, log2 discount, the ideal over min(10, #relevant) hits);
- MRR@10 = ``recip_rank`` on the top-10 list (trec_eval only sees those ten);
- HitRate@10 = ``success_10``;
- Recall@10: ours is *capped*, hits / min(10, #relevant), so a perfect list scores 1; trec_eval's
  ``recall_10`` is hits / #relevant. ``recall_at_k(..., capped=False)`` is compared with
  ``recall_10``, and the capped value with ``recall_10 · #relevant / min(10, #relevant)``.
"""

from __future__ import annotations

import importlib.util

import pytest

from core.eval.metrics import recall_at_k

pytrec_eval = pytest.importorskip("pytrec_eval", reason="the cross-check needs pytrec-eval-terrier "
                                  "(requirements-dev.txt)")

K = 10
MEASURES = {"ndcg_cut_10", "recip_rank", "success_10", "recall_10"}
OURS = {"ndcg": "ndcg_cut_10", "mrr": "recip_rank", "hit_rate": "success_10"}


@pytest.fixture(scope="module")
def runs():
    from core import EmbeddedStore, Evaluation, install_sample, sample_source, split_source
    split = split_source(sample_source("movies"), "temporal", test_fraction=0.2, min_rating=4.0)
    store = EmbeddedStore(":memory:")
    spec = install_sample(store, "movies")
    evaluation = Evaluation(split, store, spec.name, k=K, users=sorted(u for u in split.test if split.test[u])[:60])
    baselines = ["item_knn", "most_popular"] + (["als"] if importlib.util.find_spec("implicit") else [])
    return evaluation, [evaluation.engine()] + [evaluation.baseline(name) for name in baselines]


def trec(ranked: dict, relevant: dict) -> dict:
    qrels = {str(u): {str(i): 1 for i in items} for u, items in relevant.items()}
    run = {str(u): {str(i): float(K - pos) for pos, i in enumerate(items)} for u, items in ranked.items()}
    return pytrec_eval.RelevanceEvaluator(qrels, MEASURES).evaluate(run)


@pytest.mark.slow
def test_every_user_s_metrics_match_trec_eval(runs):
    evaluation, results = runs
    checked = 0
    for result in results:
        assert set(result.lists) == set(evaluation.users) and all(len(lst) == K for lst in result.lists.values())
        theirs = trec(result.lists, {u: evaluation.split.test[u] for u in evaluation.users})
        assert set(theirs) == {str(u) for u in evaluation.users}
        for user in evaluation.users:
            truth, mine, ref = evaluation.split.test[user], result.lists[user], theirs[str(user)]
            for metric, measure in OURS.items():
                assert result.per_user[metric][user] == pytest.approx(ref[measure], abs=1e-9), \
                    (result.name, user, metric)
            assert recall_at_k(mine, truth, K, capped=False) == pytest.approx(ref["recall_10"], abs=1e-9)
            capped = ref["recall_10"] * len(truth) / min(K, len(truth))
            assert result.per_user["recall"][user] == pytest.approx(capped, abs=1e-9), (result.name, user)
            checked += 1
    assert checked == len(results) * 60


@pytest.mark.slow
def test_the_cross_check_is_not_vacuous(runs):
    """The run has hits at several ranks and users with more than ten relevant items (the case where the
    two recalls differ), so agreement above is not agreement on zeros."""
    evaluation, results = runs
    ranks = {lst.index(i) for r in results for u, lst in r.lists.items() for i in lst if i in evaluation.split.test[u]}
    assert len(ranks) >= 5
    assert any(len(evaluation.split.test[u]) > K for u in evaluation.users)
    assert any(0 < r.per_user["ndcg"][u] < 1 for r in results for u in evaluation.users)
