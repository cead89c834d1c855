"""The behaviour model (core.learn): spectral EASE against full EASE, fold-in, storage, staleness."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import numpy as np
import pytest
from scipy import sparse

from core import (BEHAVIOUR, CollectionSpec, EmbeddedStore, InvalidInputError, LearnedVectors, OverlayStore,
                  ReadOnlyError, behaviour_status, train_behaviour)
from core.learn import BehaviourModel, ensure_behaviour
from core.learn.spectral import fit_spectral
from core.learn.train import AUTO_RETRAIN_GROWTH
from core.store.base import StoredInteraction

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def ease_scores(x: np.ndarray, l2: float) -> np.ndarray:
    g = x.T @ x + l2 * np.eye(x.shape[1])
    p = np.linalg.inv(g)
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return x @ b


def test_spectral_ease_ranks_like_full_ease_when_every_component_is_kept():
    rng = np.random.default_rng(3)
    x = (rng.random((60, 12)) < 0.3).astype(np.float64)
    x[:, 11] = x[:, 10]  # a repeated column: rank 11 = items - 1, so dims 11 keeps every component
    vectors, fold = fit_spectral(sparse.csr_matrix(x), 11, 5.0)
    assert vectors.shape == (12, 12) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    rows = fold[:, None] * vectors[:, :-1]  # the fold-in rows f_i
    ease = ease_scores(x, 5.0)
    ratios = []
    for u in range(len(x)):
        unseen = np.flatnonzero((x[u] == 0) & (np.abs(ease[u]) > 1e-6))
        ours = (x[u] @ rows) @ vectors[:, :-1].T
        ratios += (ours[unseen] / ease[u, unseen]).tolist()  # on items the user has not liked: EASE up to one scale
    assert len(ratios) > 100 and np.ptp(ratios) < 1e-3 * np.mean(ratios) and np.mean(ratios) > 0


def test_items_nobody_liked_score_zero_and_too_few_likes_is_a_clear_error():
    x = sparse.csr_matrix(np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 0]], dtype=np.float64))
    vectors, fold = fit_spectral(x, 8, 1.0)
    assert np.allclose(vectors[3], [0] * (vectors.shape[1] - 1) + [1])  # never liked: only the extra axis
    with pytest.raises(InvalidInputError, match="at least two personas"):
        fit_spectral(sparse.csr_matrix((1, 3)), 8, 1.0)
    with pytest.raises(InvalidInputError, match="l2"):
        fit_spectral(x, 8, 0.0)


def _store_with_likes(groups: int = 2, personas: int = 6, items: int = 8):
    """Personas in ``groups``; each group likes its own block of ``items`` items."""
    store = EmbeddedStore(":memory:")
    store.create_collection(CollectionSpec("C", 4))
    ids = [uuid.UUID(int=i + 1) for i in range(groups * items)]
    from core import Item
    rng = np.random.default_rng(0)
    store.add_items("C", [Item(uuid=u, properties={"title": f"t{k}"}) for k, u in enumerate(ids)],
                    rng.normal(size=(len(ids), 4)))
    rows, people = [], []
    for g in range(groups):
        for p in range(personas):
            pid = uuid.UUID(int=1000 + g * 100 + p)
            people.append(pid)
            rows += [StoredInteraction(pid, ids[g * items + k], 1.0, NOW) for k in rng.permutation(items)[:5]]
    store.add_interactions("C", rows, create_personas=people)
    return store, ids


def test_fold_in_parts_sum_to_the_similarity_and_groups_stay_apart():
    store, ids = _store_with_likes()
    learned = train_behaviour(store, "C", dims=8, l2=1.0)
    model = BehaviourModel(learned)
    query = model.query(ids[:2], [1.0, 1.0])  # two likes of group 0
    sims = model.similarity(query, ids)
    assert set(np.argsort(-sims)[:4]) <= set(range(8)) and sims[8:].max() < 1e-5  # group 1 gets nothing
    for item in ids[2:5]:
        parts = model.contributions(query, item)
        assert {u for u, _ in parts} == set(ids[:2])
        assert sum(v for _, v in parts) == pytest.approx(float(model.similarity(query, [item])[0]), abs=1e-5)
    assert model.similarity(model.query([uuid.uuid4()], [1.0]), ids).tolist() == [0.0] * len(ids)  # unknown item
    stranger = uuid.uuid4()
    tops = model.top_contributions(query, [*ids[2:5], stranger])
    assert tops[-1] is None  # an item the model never saw
    for item, top in zip(ids[2:5], tops):
        assert top == pytest.approx(model.contributions(query, item)[0])  # the largest part, batched


def test_similarity_over_a_row_list_equals_similarity_by_id_in_any_order():
    store, ids = _store_with_likes()
    model = BehaviourModel(train_behaviour(store, "C", dims=8, l2=1.0))
    query = model.query(ids[:3], [1.0, 0.5, -0.5])
    own = list(model.learned.ids)  # the model's own row order: read without a gather
    assert np.allclose(model.similarity_rows(query, own), model.similarity(query, own), atol=1e-6)
    shuffled = [own[i] for i in np.random.default_rng(1).permutation(len(own))]
    assert np.allclose(model.similarity_rows(query, shuffled), model.similarity(query, shuffled), atol=1e-6)
    grown = [*own, uuid.uuid4()]  # an item added after training scores 0
    got = model.similarity_rows(query, grown)
    assert got[-1] == 0.0 and np.allclose(got[:-1], model.similarity(query, own), atol=1e-6)
    own.append(uuid.uuid4())  # the same list grown in place: its row map is rebuilt
    assert np.allclose(model.similarity_rows(query, own), got, atol=1e-6)
    assert not model.similarity_rows(model.query([uuid.uuid4()], [1.0]), own).any()  # an empty query


def test_learned_vectors_are_stored_replaced_reopened_and_deleted_with_the_collection(tmp_path):
    path = tmp_path / "s.db"
    store, _ = _store_with_likes()
    file_store = EmbeddedStore(path)
    file_store.create_collection(CollectionSpec("C", 4))
    one = LearnedVectors((uuid.UUID(int=1),), np.array([[0.6, 0.8]], np.float32), np.ones(1, np.float32), {"a": 1})
    file_store.put_learned("C", BEHAVIOUR, one)
    file_store.put_learned("C", BEHAVIOUR, LearnedVectors(one.ids, one.vectors, one.fold * 2, {"a": 2}))
    file_store.close()
    again = EmbeddedStore(path)
    got = again.get_learned("C", BEHAVIOUR)
    assert got.meta["a"] == 2 and got.fold.tolist() == [2.0] and not got.vectors.flags.writeable
    again.delete_collection("C")
    again.create_collection(CollectionSpec("C", 4))
    assert again.get_learned("C", BEHAVIOUR) is None
    with pytest.raises(InvalidInputError, match="one row and one fold weight"):
        LearnedVectors((uuid.UUID(int=1),), np.zeros((2, 2), np.float32), np.ones(1, np.float32), {})


def test_an_overlay_keeps_learned_vectors_in_its_own_file_and_a_protected_one_refuses():
    own = EmbeddedStore(":memory:")
    own.create_collection(CollectionSpec("C", 4))
    one = LearnedVectors((uuid.UUID(int=1),), np.array([[1.0]], np.float32), np.ones(1, np.float32), {})
    OverlayStore(own).put_learned("C", BEHAVIOUR, one)
    assert own.get_learned("C", BEHAVIOUR) is not None
    with pytest.raises(ReadOnlyError, match="passcode"):
        OverlayStore(own, read_only="protected by a passcode").put_learned("C", BEHAVIOUR, one)


def test_status_says_stale_after_new_interactions_and_auto_training_is_cheap_only():
    store, ids = _store_with_likes()
    assert not behaviour_status(store, "C").trained
    assert ensure_behaviour(store, "C") is not None  # no model and likes: trained at once
    status = behaviour_status(store, "C")
    assert status.trained and not status.stale and status.trained_on == 60 and "up to date" in status.summary
    trained_at = store.get_learned("C", BEHAVIOUR).meta["trained_at"]
    pid = uuid.UUID(int=1000)
    store.add_interactions("C", [StoredInteraction(pid, ids[9], 1.0, NOW)])
    status = behaviour_status(store, "C")
    assert status.stale and "+1 interactions since training" in status.summary
    ensure_behaviour(store, "C")  # +1 is far below a quarter more: not retrained
    assert store.get_learned("C", BEHAVIOUR).meta["trained_on"]["interactions"] == 60
    more = int(60 * AUTO_RETRAIN_GROWTH)
    store.add_interactions("C", [StoredInteraction(uuid.UUID(int=5000 + k), ids[k % 16], 1.0, NOW) for k in range(more)],
                           create_personas=[uuid.UUID(int=5000 + k) for k in range(more)])
    ensure_behaviour(store, "C")
    assert store.get_learned("C", BEHAVIOUR).meta["trained_on"]["interactions"] == 61 + more
    assert trained_at  # an ISO time


def test_a_retrain_keeps_the_tuned_blend_and_settings():
    from core import BlendWeights
    store, _ = _store_with_likes()
    train_behaviour(store, "C", dims=4, l2=3.0, blend=BlendWeights(content=0.4, popularity=0.05),
                    tuning={"validation": 0.5})
    meta = train_behaviour(store, "C").meta
    assert meta["dims_requested"] == 4 and meta["l2"] == 3.0 and meta["blend"]["content"] == 0.4
    assert meta["tuning"] == {"validation": 0.5}


def test_a_read_only_workspace_learns_in_memory_and_ranks_with_it():
    store, ids = _store_with_likes()
    protected = OverlayStore(store, read_only="this shared workspace is protected by a passcode")
    model = ensure_behaviour(protected, "C")
    assert model is not None and store.get_learned("C", BEHAVIOUR) is None  # nothing written
    from core.learn import behaviour_model
    assert behaviour_model(protected, "C") is model  # what the blend strategy reads
