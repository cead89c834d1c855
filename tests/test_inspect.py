"""What the engine computes for a persona, read back: ``core.profile_vectors``, ``core.weighted_interactions``,
and the one install helper ``core.install_sample_agent``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from core import (AlreadyExistsError, EmbeddedStore, InvalidInputError, NotFoundError, Persona, PersonaInteraction,
                  PersonalizationAgent, install_sample, install_sample_agent, load_sample, profile_vectors,
                  weighted_interactions)

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def pat(agent):
    agent.add_persona(Persona(persona_id="pat", properties={}))
    agent.add_interactions([PersonaInteraction(persona_id="pat", item_id="a", weight=1.0, created_at=NOW - timedelta(days=30)),
                            PersonaInteraction(persona_id="pat", item_id="e", weight=1.0, created_at=NOW),
                            PersonaInteraction(persona_id="pat", item_id="c", weight=-1.0, created_at=NOW)])
    return agent


def test_centroid_profile_is_likes_minus_half_the_dislikes(pat):
    profile = pat.profile_vectors("pat", strategy="centroid", decay_rate=0.0, now=NOW)
    # by hand: mean of the unit vectors of a and e, minus 0.5 × the unit vector of c
    assert profile.vectors.shape == (1, 4) and profile.vectors[0].tolist() == pytest.approx([0.5, -0.5, 0.5, 0.0])
    assert profile.labels == ("profile: mean of likes − 0.5 × mean of dislikes",)


def test_the_decay_weighs_the_centroid(pat):
    # decay_rate 1: a (30 days old) weighs 0.5, e weighs 1 -> like = (0.5 a + e) / 1.5
    profile = profile_vectors(pat, "pat", strategy="centroid", decay_rate=1.0, now=NOW)
    assert profile.vectors[0].tolist() == pytest.approx([1 / 3, -0.5, 2 / 3, 0.0])


def test_knn_profile_has_one_query_per_like(pat):
    profile = pat.profile_vectors("pat", strategy="knn", decay_rate=0.0, now=NOW)
    assert sorted(map(tuple, profile.vectors.tolist())) == [(0.0, 0.0, 1.0, 0.0), (1.0, 0.0, 0.0, 0.0)]
    assert profile.labels == ("profile: liked item 1", "profile: liked item 2")


def test_only_dislikes_and_no_interactions(agent):
    agent.add_persona(Persona(persona_id="grump", properties={}))
    agent.add_interactions([PersonaInteraction(persona_id="grump", item_id="c", weight=-1.0, created_at=NOW)])
    away = agent.profile_vectors("grump", strategy="knn", now=NOW)
    assert away.labels == ("profile: away from the dislikes",) and away.vectors[0][1] < 0
    agent.add_persona(Persona(persona_id="new", properties={}))
    empty = agent.profile_vectors("new", now=NOW)
    assert empty.vectors.shape == (0, 4) and empty.labels == () and empty.strategy == "centroid"
    with pytest.raises(NotFoundError):
        agent.profile_vectors("nobody")
    with pytest.raises(InvalidInputError, match="strategy"):
        agent.profile_vectors("new", strategy="magic")


def test_weighted_interactions_are_the_engines(pat):
    rows = weighted_interactions(pat, "pat", decay_rate=1.0, now=NOW)
    assert [(round(r.age_days, 6), r.decay, r.effective_weight) for r in rows] == [
        (0.0, 1.0, -1.0), (0.0, 1.0, 1.0), (30.0, 0.5, 0.5)]  # newest first; a tie: the later stored first
    assert len(weighted_interactions(pat, "pat", limit=1, now=NOW)) == 1
    with pytest.raises(InvalidInputError, match="decay_rate"):
        weighted_interactions(pat, "pat", decay_rate=2.0)


def test_install_sample_agent_installs_and_attaches_an_agent():
    store = EmbeddedStore(":memory:")
    agent = install_sample_agent(store, "workshop", user_properties={"favorite_cuisines": "text[]"})
    assert agent.collection == "Workshop" and store.count("Workshop") == 109
    assert PersonalizationAgent.exists(store, "Workshop") and agent.user_properties == {"favorite_cuisines": "text[]"}
    with pytest.raises(AlreadyExistsError):
        install_sample_agent(store, load_sample("workshop"))
    assert store.count("Workshop") == 109
    again = install_sample_agent(store, "workshop", "Dishes", strategy="knn")
    assert (again.collection, again.strategy) == ("Dishes", "knn")


def test_install_sample_agent_leaves_nothing_behind_on_a_bad_agent_option():
    store = EmbeddedStore(":memory:")
    with pytest.raises(InvalidInputError):
        install_sample_agent(store, "workshop", strategy="magic")
    assert not store.has_collection("Workshop")
    with pytest.raises(InvalidInputError, match="sample must be a sample name or a SampleCatalog, got int"):
        install_sample_agent(store, 3)


def test_the_blend_profile_is_its_content_query_and_the_note_names_the_behaviour_query(workshop_cooks):
    _, rows = workshop_cooks
    store = EmbeddedStore(":memory:")
    install_sample(store, "workshop")
    agent = PersonalizationAgent.create(store, "Workshop")
    agent.add_interactions([PersonaInteraction(persona_id=r.user, item_id=r.item, weight=1.0,
                                               created_at=datetime.fromtimestamp(r.time, tz=timezone.utc)) for r in rows],
                           create_persona_if_not_exists=True)
    dishes = [r.item for r in rows if r.user == "cook0"]
    agent.add_interactions([PersonaInteraction(persona_id="fan", item_id=d, weight=1.0, created_at=NOW) for d in dishes[:3]]
                           + [PersonaInteraction(persona_id="fan", item_id=rows[-1].item, weight=-1.0, created_at=NOW)],
                           create_persona_if_not_exists=True)
    profile = agent.profile_vectors("fan", now=NOW)  # auto: the first request trains the model, then blend runs
    assert profile.strategy == "blend" == agent.resolve_strategy()
    centroid = agent.profile_vectors("fan", strategy="centroid", now=NOW)
    np.testing.assert_allclose(profile.vectors, centroid.vectors, atol=1e-6)  # the content query, unscaled
    assert profile.labels == ("profile: content query (mean of likes − 0.5 × mean of dislikes, weight 0.2)",)
    assert profile.note.startswith("★ is the blend's content query (weight 0.2). Its behaviour query, folded in "
                                   "from the 3 likes the behaviour model knows, lives in the learned space")
    assert "centroid" not in profile.note + " ".join(profile.labels)
    behaviour_only = agent.profile_vectors("fan", now=NOW, blend={"content": 0.0})  # as get_objects(blend=...)
    assert behaviour_only.vectors.shape == (0, 384) and behaviour_only.labels == ()
    assert behaviour_only.note.startswith("The blend's content weight is 0, so it has no query among the text vectors")
    content_only = agent.profile_vectors("fan", now=NOW, blend={"behaviour": 0.0})
    assert content_only.labels == profile.labels and "no behaviour part here" in content_only.note
