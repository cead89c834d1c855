"""ALS and BPR baselines (``implicit``, an optional extra): one contract every model passes, a block-structured
log with a known answer, their parameters checked, and the clear error when ``implicit`` is not installed."""

from __future__ import annotations

import importlib.util
import json
import sys

import numpy as np
import pytest

from core import InvalidInputError, NotAvailableError
from core.eval.baselines import ALS, BASELINES, BPR
from core.eval.factorization import ALS_DEFAULTS, BPR_DEFAULTS
from core.eval.splits import LogRow

HAVE_IMPLICIT = importlib.util.find_spec("implicit") is not None
needs_implicit = pytest.mark.skipif(not HAVE_IMPLICIT, reason="the ALS/BPR baselines need the optional implicit "
                                    "library (requirements-dev.txt)")
MODELS = [ALS, BPR]


def random_log(users: int = 40, items: int = 60, per_user: int = 12, seed: int = 0) -> list[LogRow]:
    """Each user rates ``per_user`` distinct items, a third of them as dislikes."""
    rng = np.random.default_rng(seed)
    return [LogRow(f"u{u}", f"i{i}", float(rng.choice([-1.0, 1.0, 1.0])))
            for u in range(users) for i in rng.choice(items, size=per_user, replace=False)]


LOG = random_log()
CATALOG = [f"i{i}" for i in range(60)]


@needs_implicit
@pytest.mark.parametrize("model", MODELS)
def test_never_recommends_a_training_item_and_returns_k_distinct_items(model):
    fitted = model(LOG, CATALOG)
    for user in {r.user for r in LOG}:
        seen = {r.item for r in LOG if r.user == user}  # dislikes included
        ranked = fitted.recommend(user, 10)
        assert len(ranked) == 10 == len(set(ranked)) and not set(ranked) & seen
    unseen = set(CATALOG) - {r.item for r in LOG if r.user == "u0"}
    everything = fitted.recommend("u0", 100)  # asking for more: every unseen item, once
    assert len(everything) == len(set(everything)) and set(everything) == unseen


@needs_implicit
@pytest.mark.parametrize("model", MODELS)
def test_the_same_seed_gives_the_same_lists(model):
    one, two = model(LOG, CATALOG, seed=3), model(LOG, CATALOG, seed=3)
    assert all(one.recommend(u, 10) == two.recommend(u, 10) for u in ("u0", "u7", "u19"))
    np.testing.assert_array_equal(one.item_factors, two.item_factors)
    assert not np.array_equal(one.item_factors, model(LOG, CATALOG, seed=4).item_factors)  # the seed is used


def block_log(seed: int = 0) -> tuple[list[LogRow], list[str]]:
    """Three blocks of six items; each of 100 users per block likes five of their block's six (a random
    one missing); "probe" likes a0..a4 and nothing else. (With 20 users a block, BPR's default step,
    tuned on 65,000 likes, leaves the probe's factors barely trained and the answer up to the seed.)"""
    rng = np.random.default_rng(seed)
    rows = []
    for block in "abc":
        for u in range(100):
            missing = rng.integers(6)
            rows += [LogRow(f"{block}{u}", f"{block}{i}", 1.0) for i in range(6) if i != missing]
    rows += [LogRow("probe", f"a{i}", 1.0) for i in range(5)]
    return rows, [f"{b}{i}" for b in "abc" for i in range(6)]


@needs_implicit
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_block_s_unseen_item_comes_first(model, seed):
    rows, catalog = block_log()
    fitted = model(rows, catalog, seed=seed)
    assert fitted.recommend("probe", 1) == ["a5"]


@pytest.mark.parametrize("name", [n for n in BASELINES if HAVE_IMPLICIT or n not in ("als", "bpr")])
def test_a_disliked_training_item_is_not_recommended_back(name):
    rows = [LogRow(f"u{n}", "hit", 1.0) for n in range(5)] + [LogRow("grump", "hit", -1.0), LogRow("grump", "b", 1.0)]
    catalog = ["hit", "b", "c"]
    assert BASELINES[name](rows, catalog).recommend("grump", 3) == ["c"]  # hit disliked, b liked: only c is new


@needs_implicit
def test_parameters_are_checked_by_name_and_value():
    with pytest.raises(InvalidInputError, match="ALS has no parameter 'learning_rate'; parameters: alpha, factors"):
        ALS(LOG, CATALOG, learning_rate=0.1)
    with pytest.raises(InvalidInputError, match="BPR factors must be an integer >= 1, got 2.5"):
        BPR(LOG, CATALOG, factors=2.5)
    with pytest.raises(InvalidInputError, match="ALS alpha must be a number > 0, got 0"):
        ALS(LOG, CATALOG, alpha=0)


@needs_implicit
def test_nothing_liked_gives_an_empty_model_not_a_crash():
    dislikes = [LogRow("u1", "i1", -1.0), LogRow("u2", "i2", -1.0)]
    fitted = ALS(dislikes, ["i1", "i2", "i3"])
    assert fitted.recommend("u1", 5) == ["i2", "i3"]  # every score ties at 0: catalog order, i1 excluded


def hide_implicit(monkeypatch) -> None:
    """As if implicit were not installed: ``None`` in ``sys.modules`` is what a missing package's import sees."""
    for name in [m for m in sys.modules if m == "implicit" or m.startswith("implicit.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "implicit", None)


@pytest.mark.parametrize("model", MODELS)
def test_without_implicit_the_error_says_how_to_install_it(model, monkeypatch):
    hide_implicit(monkeypatch)
    with pytest.raises(NotAvailableError, match=r"needs the optional 'implicit' library.*pip install implicit"):
        model(LOG, CATALOG)


@needs_implicit
@pytest.mark.slow
def test_the_cli_runs_als_and_bpr_and_records_implicit_s_version(capsys):
    from importlib import metadata

    from core.cli.commands import main
    assert main(["--json", "evaluate", "movies", "--users", "30", "--relevant-rating", "4",
                 "--baselines", "random", "als", "bpr"]) == 0
    data = json.loads(capsys.readouterr().out)
    engine, random, als, bpr = data["runs"]
    assert (als["name"], bpr["name"]) == ("ALS", "BPR")
    assert als["config"] == {"baseline": "als", **ALS_DEFAULTS, "seed": 0}  # what reproduces the run
    assert bpr["config"] == {"baseline": "bpr", **BPR_DEFAULTS, "seed": 0}
    assert data["versions"]["implicit"] == metadata.version("implicit")
    assert als["ndcg"]["users"] == bpr["ndcg"]["users"] == 30
    assert als["ndcg"]["mean"] > random["ndcg"]["high"] and bpr["ndcg"]["mean"] > random["ndcg"]["high"]


@pytest.mark.slow
def test_the_cli_says_how_to_install_implicit_before_any_slow_work(monkeypatch, capsys):
    from core.cli.commands import main
    hide_implicit(monkeypatch)
    assert main(["evaluate", "movies", "--users", "5", "--baselines", "als"]) == 2
    err = capsys.readouterr().err
    assert "error: the ALS baseline needs the optional 'implicit' library" in err and "pip install implicit" in err
