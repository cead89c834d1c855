"""A sample's community: its log's real users as background personas, installed into a store, shared
by the workspaces that include it, and never part of an evaluation.

Known answers: ratings map linearly onto [-1, 1] over the log's own scale (movies 0.5-5: 4.0 is
(4 - 2.75) / 2.25 = 0.5556), at the log's time or, for an untimed log, at ``UNTIMED_AT``; the
counts are catalog.json's (movies: 610 users, 100,836 ratings; books: 53,424 and 979,478).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from core import (UNTIMED_AT, EmbeddedStore, Evaluation, NotFoundError, PersonaInteraction, SampleLibrary, Workspaces,
                  community_name, community_persona_id, install_sample, install_sample_agent, load_sample_interactions,
                  sample_source, temporal_split, to_uuid)
from core.io.community import community_rows
from core.io.samples import sample_info
from core.retrieval.popularity import popularity


def catalog_counts(sample: str) -> tuple[int, int]:
    meta = json.loads((sample_info(sample).path / "catalog.json").read_text())["interactions"]
    return meta["users"], meta["rows"]


# --- the rows (no store) -------------------------------------------------------------------------

def test_rows_map_ratings_over_the_logs_scale_at_its_times_or_the_fixed_one():
    log = pd.DataFrame({"user": [7, 7, 9], "item_uuid": [to_uuid("a"), to_uuid("b"), to_uuid("a")],
                        "original_item_id": ["a", "b", "a"], "rating": [0.5, 5.0, 2.75],
                        "timestamp": [0.0, 86400.0, np.nan]})
    community = community_rows("movies", log)
    personas, rows = community.personas, community.rows
    assert [(p.persona_id, p.properties) for p in personas] == [
        (to_uuid("movies user 7"), {"name": "movies user 7"}), (to_uuid("movies user 9"), {"name": "movies user 9"})]
    assert community_persona_id("movies", 7) == to_uuid(community_name("movies", 7)) != to_uuid(7)
    assert [(r.persona_id, r.item_id, r.weight) for r in rows] == [
        (personas[0].persona_id, to_uuid("a"), -1.0), (personas[0].persona_id, to_uuid("b"), 1.0),
        (personas[1].persona_id, to_uuid("a"), 0.0)]
    assert [r.created_at for r in rows] == [datetime(1970, 1, 1, tzinfo=timezone.utc),
                                            datetime(1970, 1, 2, tzinfo=timezone.utc), UNTIMED_AT]
    untimed = community_rows("books", log.assign(timestamp=np.nan)).rows
    assert {r.created_at for r in untimed} == {UNTIMED_AT}


def test_a_sample_without_a_log_has_no_community_and_leaves_nothing_behind():
    store = EmbeddedStore(":memory:")
    with pytest.raises(NotFoundError, match="ships no interactions; samples with interactions: .*movies"):
        install_sample(store, "workshop", community=True)
    assert store.list_collections() == []


# --- installed into a store ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def movies():
    store = EmbeddedStore(":memory:")
    install_sample_agent(store, "movies", community=True)
    yield store
    store.close()


@pytest.mark.slow
def test_movies_installs_with_its_community_as_background_personas(movies):
    users, ratings = catalog_counts("movies")
    assert movies.count_personas("Movies") == 0 and movies.list_personas("Movies") == []  # none people made
    assert movies.count_personas("Movies", background=True) == users == 610
    assert len(movies.scan_interactions("Movies")) == ratings == 100_836
    log = load_sample_interactions("movies")
    first = log[log.user == 1].sort_values("timestamp", kind="stable").iloc[-1]  # user 1's latest rating
    stored = movies.recent_interactions("Movies", community_persona_id("movies", 1), 1)[0]
    assert stored.item_id == first.item_uuid
    assert stored.created_at == datetime.fromtimestamp(first.timestamp, tz=timezone.utc)
    assert stored.weight == pytest.approx((first.rating - 2.75) / 2.25)
    community = community_rows("movies", log)  # what the library keeps instead of reading it all back
    scan, again = community.scan(), movies.scan_interactions("Movies")
    assert (scan.personas, scan.items) == (again.personas, again.items)
    for column in ("persona_index", "item_index", "weight", "created_at"):
        np.testing.assert_array_equal(getattr(scan, column), getattr(again, column))
    source = sample_source("movies")  # the evaluation's mapping of the same log: the same weights
    assert sorted(movies.scan_interactions("Movies").weight.round(6).tolist()) == \
        sorted(np.float32([r.value for r in source.rows]).round(6).tolist())
    liked = popularity(movies, "Movies").like_counts([first.item_uuid]).tolist()[0]
    assert liked == log[(log.item_uuid == first.item_uuid) & (log.rating > 2.75)].user.nunique()


@pytest.mark.slow
def test_without_the_community_a_sample_installs_as_before():
    store = EmbeddedStore(":memory:")
    install_sample(store, "movies")
    assert store.count_personas("Movies", background=None) == 0 and len(store.scan_interactions("Movies")) == 0


@pytest.mark.slow
def test_books_untimed_log_is_stored_at_the_fixed_time():
    store = EmbeddedStore(":memory:")
    install_sample(store, "books", community=True)
    users, ratings = catalog_counts("books")
    scan = store.scan_interactions("Books")
    assert store.count_personas("Books", background=True) == users and len(scan) == ratings
    assert set(np.unique(scan.created_at).tolist()) == {UNTIMED_AT.timestamp()}
    assert set(np.unique(scan.weight).tolist()) == {-1.0, -0.5, 0.0, 0.5, 1.0}  # ratings 1-5


# --- in workspaces ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def library():
    return SampleLibrary()


@pytest.mark.slow
def test_workspaces_share_one_community_unless_they_leave_it_out(tmp_path, library):
    spaces = Workspaces(tmp_path, library)
    one, two, three = spaces.create_private(), spaces.create_private(), spaces.create_private()
    agent = one.agent("Movies")  # as the lab attaches a sample: with its community
    two.ensure("Movies")
    three.ensure("Movies", community=False)
    assert list(library.communities()) == ["Movies"]  # installed once, for both
    assert [ws.store.count_personas("Movies", background=True) for ws in (one, two, three)] == [610, 610, 0]
    assert library.store.count_personas("Movies", background=True) == 610
    ann = to_uuid("ann")
    agent.add_interactions([PersonaInteraction(persona_id=ann, item_id=260, weight=1.0)],
                           create_persona_if_not_exists=True)
    assert [p.persona_id for p in one.store.list_personas("Movies")] == [ann]
    assert one.store.own.count_personas("Movies", background=None) == 1  # the file holds ann only
    assert len(one.store.scan_interactions("Movies")) == 100_837 and len(three.store.scan_interactions("Movies")) == 0
    response = agent.get_objects(community_persona_id("movies", 1), limit=5, use_agent_ranking=False)
    assert len(response.objects) == 5  # a community persona is served like any other
    three.set_community("Movies", True)
    assert three.store.count_personas("Movies", background=True) == 610
    spaces.close_all()
    assert Workspaces(tmp_path, library).open(one.ref).store.community("Movies")  # kept in the file


# --- evaluation: its own training split and nothing else -------------------------------------------------

@pytest.mark.slow
def test_an_evaluation_never_sees_the_community(movies, tmp_path, library):
    source = sample_source("movies")
    chosen = {u for u in sorted({r.user for r in source.rows})[:12]}
    split = temporal_split([r for r in source.rows if r.user in chosen], test_fraction=0.2,
                           relevant=source.relevant(4.0))
    workspace = Workspaces(tmp_path, library).create_private()
    workspace.ensure("Movies")
    plain = EmbeddedStore(":memory:")
    install_sample(plain, "movies")
    lists = []
    for store in (movies, workspace.store, plain):  # a store with its community, a workspace with it, neither
        evaluation = Evaluation(split, store, "Movies", users=sorted(chosen)[:4])
        run = evaluation.engine()
        own = evaluation.agent().store
        assert own.count_personas("Movies", background=None) == len(split.train) == 12
        assert len(own.scan_interactions("Movies")) == evaluation.loaded.interactions == len(split.training_rows())
        lists.append(run.lists)
    assert lists[0] == lists[1] == lists[2]  # the same rankings: nothing of the community got in
