"""Tuning after an import (issue 10: "tuned per catalog ... when a catalog with an interaction log is
installed or retrained"): ``core.import_and_tune`` and ``core.learn_behaviour``.

Each test installs the movies sample without its community in a fresh in-memory store and imports
a slice of the sample's real ratings (the first ``n`` users by id) as a CSV, as a script would.
"""

from __future__ import annotations

import pytest

from core import (BEHAVIOUR, MIN_TUNE_USERS, BlendWeights, CatalogImportError, EmbeddedStore, InvalidInputError,
                  LogRow, PersonaInteraction, import_and_tune, install_sample_agent, learn_behaviour,
                  load_sample_interactions, read_interaction_log, tune_behaviour)
from core.eval.blend_tuning import spans_time

pytestmark = pytest.mark.slow  # the movies catalog (9,742 items) and real tunings: a few seconds each


@pytest.fixture(scope="module")
def ratings():
    frame = load_sample_interactions("movies")
    return frame.rename(columns={"user": "userId", "original_item_id": "movieId"})[
        ["userId", "movieId", "rating", "timestamp"]]


@pytest.fixture
def movies():
    store = EmbeddedStore(":memory:")
    agent = install_sample_agent(store, "movies")  # community=False: no personas, no interactions
    yield store, agent
    store.close()


def log_of(ratings, users: int, skip: int = 0, corrupt: bool = False, timed: bool = True):
    """The ratings of users ``skip + 1 .. skip + users`` (by id) as a CSV interaction log."""
    ids = sorted(ratings.userId.unique())[skip:skip + users]
    part = ratings[ratings.userId.isin(ids)]
    text = (part if timed else part.drop(columns="timestamp")).to_csv(index=False)
    if corrupt:
        head, first, rest = text.split("\n", 2)
        text = "\n".join([head, first.replace(first.split(",")[2], "lots", 1), rest])
    return read_interaction_log(text.encode(), format="csv")


def test_an_imported_log_is_tuned_on_validation_and_get_objects_uses_the_choice(movies, ratings):
    store, agent = movies
    result = import_and_tune(store, "Movies", log_of(ratings, 12), tune_users=MIN_TUNE_USERS)
    report, learning = result.report, result.learning
    assert (report.personas, report.new_personas) == (12, 12) and report.stored == len(store.scan_interactions("Movies"))
    assert learning.outcome == "tuned" and learning.reason is None
    record = learning.tuning.record()
    assert record["users"] == MIN_TUNE_USERS and record["points"] == 96 and record["interactions"] == report.stored
    assert record["split"] == "temporal"  # the log's times
    meta = store.get_learned("Movies", BEHAVIOUR).meta
    assert BlendWeights.model_validate(meta["blend"]) == learning.tuning.best and meta["tuning"] == record
    assert meta["trained_on"]["interactions"] == report.stored  # retrained on everything, not the split
    status = agent.behaviour_status()
    assert status.tuned_on == report.stored and status.tuned_since == 0 and not status.stale
    assert status.summary.endswith(f"blend weights tuned on {report.stored:,} interactions")
    assert f"tuned the blend on {MIN_TUNE_USERS} validation users" in result.summary()
    assert f"validation NDCG {record['validation']:.4f}" in result.summary()
    persona = next(iter(store.list_personas("Movies"))).persona_id
    response = agent.get_objects(persona, limit=5, use_agent_ranking=False)
    step = next(s for s in response.trace if s.name == "vector_search")
    assert step.details["blend_source"] == "tuned" and step.details["blend"] == meta["blend"]


def test_too_few_personas_to_tune_on_trains_with_the_defaults_and_says_why(movies, ratings):
    store, _ = movies
    result = import_and_tune(store, "Movies", log_of(ratings, 6))
    learning = result.learning
    assert learning.outcome == "trained" and learning.tuning is None
    assert learning.reason == ("too few personas to tune on: 6 of the 6 personas have a validation part (at least "
                               f"5 interactions and a liked one held out); tuning needs {MIN_TUNE_USERS}")
    meta = store.get_learned("Movies", BEHAVIOUR).meta
    assert meta["blend"] == BlendWeights().model_dump(mode="json") and meta["tuning"] is None
    assert meta["trained_on"]["interactions"] == result.report.stored == len(store.scan_interactions("Movies"))
    assert "not tuned: too few personas to tune on" in result.summary()
    assert "blend weights not tuned" in result.summary()


def test_a_log_too_small_to_learn_from_is_kept_without_a_model(movies, ratings):
    store, agent = movies
    result = import_and_tune(store, "Movies", log_of(ratings, 1))  # one persona: no item vectors to learn
    assert result.learning.outcome == "unchanged" and not agent.behaviour_status().trained
    assert "learning item vectors needs likes from at least two personas" in result.learning.reason
    assert "(not tuned: too few personas to tune on: 1 of the 1 personas" in result.learning.reason
    assert result.learning.summary().startswith("no behaviour model yet: ")
    assert len(store.scan_interactions("Movies")) == result.report.stored > 0  # the import stays


def test_a_failed_tuning_keeps_the_imported_rows_and_the_model_as_it_was(movies, ratings):
    store, agent = movies
    result = import_and_tune(store, "Movies", log_of(ratings, 12), cancel=lambda: True)
    assert result.learning.outcome == "unchanged" and not agent.behaviour_status().trained
    assert result.learning.reason.startswith("learning failed after the import: tuning cancelled after 0 of ")
    assert len(store.scan_interactions("Movies")) == result.report.stored > 0
    assert len(store.list_personas("Movies")) == 12


def test_a_bad_row_or_a_bad_user_count_stores_nothing_and_trains_nothing(movies, ratings):
    store, agent = movies
    with pytest.raises(CatalogImportError, match="'lots' is not a number"):
        import_and_tune(store, "Movies", log_of(ratings, 12, corrupt=True))
    with pytest.raises(InvalidInputError, match="validation users to tune on must be an integer of at least 1"):
        import_and_tune(store, "Movies", log_of(ratings, 12), tune_users=0)
    assert store.list_personas("Movies") == [] and not agent.behaviour_status().trained


def test_retraining_keeps_the_tuned_weights_and_says_how_old_they_are(movies, ratings):
    store, agent = movies
    tuned = import_and_tune(store, "Movies", log_of(ratings, 10)).learning
    assert tuned.outcome == "tuned"
    first = tuned.status.trained_on
    more = import_and_tune(store, "Movies", log_of(ratings, 3, skip=10), tune=False)  # --no-tune: retrain only
    assert more.learning.outcome == "trained" and more.learning.reason == "tuning was not asked for"
    status = agent.behaviour_status()
    added = more.report.stored
    assert status.trained_on == first + added and status.tuned_on == first and status.tuned_since == added
    assert status.meta["tuning"] == tuned.tuning.record()
    assert BlendWeights.model_validate(status.meta["blend"]) == tuned.tuning.best
    assert f"blend weights tuned on {first:,} interactions (+{added:,} since)" in more.learning.summary()
    # the automatic retrain inside get_objects (the log grew by a quarter) keeps them too
    persona = next(iter(store.list_personas("Movies"))).persona_id
    items = [i.uuid for i in store.iter_items("Movies", limit=status.interactions // 3)]
    agent.add_interactions([PersonaInteraction(persona_id=persona, item_id=i, weight=1.0) for i in items])
    agent.get_objects(persona, limit=3, use_agent_ranking=False)
    status = agent.behaviour_status()
    assert status.trained_on == first + added + len(items) and not status.stale
    assert status.meta["tuning"] == tuned.tuning.record() and status.tuned_since == added + len(items)


def test_learn_behaviour_without_a_write_retunes_a_collection(movies, ratings):
    store, agent = movies
    import_and_tune(store, "Movies", log_of(ratings, 4), tune=False)
    assert learn_behaviour(store, "Movies", min_users=3, users=3).outcome == "tuned"  # the library's threshold
    assert agent.behaviour_status().meta["tuning"]["users"] == 3


def test_spans_time_tells_real_times_from_one_placeholder_time_per_user():
    real = [LogRow("a", 1, 1.0, 10.0), LogRow("a", 2, 1.0, 20.0), LogRow("b", 1, 1.0, 5.0), LogRow("b", 3, 1.0, 6.0)]
    stamped = [LogRow(u, i, 1.0, 99.0) for u in "cde" for i in (1, 2, 3)]  # all stored at the import's time
    assert spans_time(real) and not spans_time(stamped) and not spans_time([])
    assert spans_time(real + stamped[:6]) and not spans_time(real[:2] + stamped)  # at least half the users decide


def test_a_log_without_times_is_tuned_on_a_random_split(movies, ratings):
    store, _ = movies
    result = import_and_tune(store, "Movies", log_of(ratings, 12, timed=False), tune_users=MIN_TUNE_USERS)
    assert result.learning.outcome == "tuned"
    assert result.learning.tuning.record()["split"] == "random"  # every row is at the import's time


def test_the_tuning_learns_from_a_samples_community_as_the_stored_model_does():
    store = EmbeddedStore(":memory:")
    install_sample_agent(store, "movies", community=True)  # 610 background personas, no own ones
    tuning = tune_behaviour(store, "Movies", users=MIN_TUNE_USERS, models=[{"dims": 32, "l2": 250.0}],
                            grid={"content": (0.2, 0.4)})  # one model, two points: what is tested is who takes part
    record = tuning.record()
    assert record["users"] == MIN_TUNE_USERS and record["interactions"] == len(store.scan_interactions("Movies"))
    assert record["split"] == "temporal" and record["points"] == 2
    assert store.get_learned("Movies", BEHAVIOUR).meta["tuning"] == record
    store.close()
