"""The lab's uploads of issue 8 (Streamlit AppTest): an interaction log on the Personas page
(``lab.interaction_upload``) and typed columns on the Catalog page (``lab.catalog_upload``)."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import (MIN_TUNE_USERS, LogMapping, Persona, PersonaInteraction, PersonalizationAgent, RatingMapping,
                  WorkspaceRef, build_filter, import_catalog_agent, load_sample_interactions, parse_condition,
                  read_catalog, read_interaction_log, to_uuid)
from lab import interaction_upload as uploads
from lab.behaviour_ui import job_key
from lab.resources import eval_jobs, workspaces

from .conftest import APP, lab_workspace, use_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]  # AppTest runs the real pages

LOG = (b"userId,movieId,rating,timestamp\n"
       b"ann,260,5,1714564800\n"      # Star Wars
       b"ann,1,4,1714564800\n"        # Toy Story
       b"ann,2571,1,1714564800\n"     # The Matrix
       b"bob,1,3.5,\n")
KEY = "lab.interactions.file.0"


def open_page(page: str, community: bool = False) -> tuple[AppTest, str]:
    """A fresh shared workspace with Movies (without its community unless asked: every import retrains the
    model in the background, and over the community's 100,836 ratings that takes seconds) on ``page``."""
    name = f"test-uploads-{uuid.uuid4().hex[:10]}"
    lab_workspace(name).ensure("Movies", community=community)
    at = AppTest.from_file(APP, default_timeout=60)
    use_workspace(at, name, "Movies")
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at, name


def agent_of(name: str) -> PersonalizationAgent:
    return PersonalizationAgent.connect(lab_workspace(name).store, "Movies")


def upload_log(data: bytes = LOG, filename: str = "ratings.csv", community: bool = False) -> tuple[AppTest, str]:
    at, name = open_page("pages/2_personas.py", community)
    at.file_uploader(key=KEY).upload(filename, data, "text/csv").run()
    assert not at.exception, at.exception
    return at, name


def widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def import_button(at: AppTest):
    return next(b for b in at.button if b.label == "Import interactions")


def texts(elements) -> str:
    return " ".join(e.value for e in elements).replace("\\", "")  # the lab escapes text with lab.cards.plain


def errors(at: AppTest) -> str:
    return texts(at.error)


# --- helpers ---------------------------------------------------------------------------------

def test_mapping_from_the_widgets_and_the_preview_rows():
    log = read_interaction_log(LOG, format="csv")
    mapping = uploads.mapping_from(log, "userId", "movieId", "rating", "threshold", None, None, 4.0, "timestamp")
    assert mapping == LogMapping("userId", "movieId", "rating", RatingMapping("threshold", threshold=4.0), "timestamp")
    rows = uploads.preview_rows(log, mapping, limit=2)
    assert rows == [{"persona": "ann", "item": "260", "weight": 1.0, "time (UTC)": "2024-05-01 12:00:00"},
                    {"persona": "ann", "item": "1", "weight": 1.0, "time (UTC)": "2024-05-01 12:00:00"}]
    likes = uploads.mapping_from(log, "userId", "movieId", None, None, None, None, None, None)
    assert likes.rating == RatingMapping("likes") and uploads.preview_rows(log, likes)[-1]["time (UTC)"] == ""


# --- the Personas page: upload interactions ---------------------------------------------------

def test_uploading_a_log_shows_the_mapping_and_preview_and_builds_the_personas():
    at, name = upload_log()
    assert not at.error, errors(at)
    assert widget(at.selectbox, "Persona column").value == "userId"
    assert widget(at.selectbox, "Item column (the catalog's own IDs)").value == "movieId"
    assert widget(at.selectbox, "Rating or weight column").value == "rating"
    assert widget(at.selectbox, "Timestamp column (optional)").value == "timestamp"
    assert widget(at.radio, "Ratings become weights by").value == "scale"
    assert widget(at.number_input, "Scale minimum (→ −1)").value == 1.0
    assert widget(at.number_input, "Scale maximum (→ +1)").value == 5.0
    captions = texts(at.caption)
    assert "rating 1..5 → weight −1..+1 (linear" in captions and "1 → -1.00 · 3.5 → +0.25" in captions
    preview = next(d.value for d in at.dataframe if "weight" in d.value.columns)
    assert preview["weight"].tolist() == [1.0, 0.5, -1.0, 0.25] and preview["persona"].tolist()[-1] == "bob"
    import_button(at).click().run()
    assert not at.exception and not at.error, (at.exception, errors(at))
    assert "Stored 4 interactions of 2 personas (2 new) in 'Movies'" in texts(at.success)
    agent = agent_of(name)
    assert {p.properties["name"] for p in agent.list_personas()} == {"ann", "bob"}
    assert sorted(i.weight for i in agent.get_interactions(to_uuid("ann"), "all")) == [-1.0, 0.5, 1.0]
    overview = next(d.value for d in at.dataframe if "likes" in d.value.columns)
    assert overview.set_index("persona")[["likes", "dislikes"]].to_dict("index") == {
        "ann": {"likes": 2, "dislikes": 1}, "bob": {"likes": 1, "dislikes": 0}}


def test_a_threshold_mapping_and_a_missing_time_column():
    at, name = upload_log()
    widget(at.radio, "Ratings become weights by").set_value("threshold").run()
    widget(at.number_input, "Like threshold (≥ → +1)").set_value(4.0).run()
    widget(at.selectbox, "Timestamp column (optional)").set_value(None).run()
    assert "rating ≥ 4 → like (+1); below 4 → dislike (−1)" in texts(at.caption)
    import_button(at).click().run()
    assert not at.error, errors(at)
    weights = sorted(i.weight for i in agent_of(name).get_interactions(to_uuid("bob"), "all"))
    assert weights == [-1.0]  # 3.5 is below the threshold


def test_a_bad_row_is_reported_by_row_and_column_and_nothing_is_stored():
    at, name = upload_log(LOG.replace(b"ann,1,4,", b"ann,1,four,"))
    assert "row 2, column 'rating': 'four' is not a number" in errors(at)  # the preview converts it already
    assert not [b for b in at.button if b.label == "Import interactions"]
    assert agent_of(name).list_personas() == []


def test_unknown_items_are_rejected_or_skipped():
    at, name = upload_log(LOG + b"bob,99999999,5,\n")
    import_button(at).click().run()
    assert not at.exception
    assert "row 5, column 'movieId': item '99999999' is not in collection 'Movies'" in errors(at)
    assert agent_of(name).list_personas() == []
    at.checkbox(key=next(c.key for c in at.checkbox if c.label.startswith("Skip rows"))).check().run()
    import_button(at).click().run()
    assert not at.error, errors(at)
    assert "Stored 4 interactions of 2 personas (2 new) in 'Movies'" in texts(at.success)
    assert "skipped 1 row naming 1 item not in the catalog (99999999)" in texts(at.success)


def settle(at: AppTest, name: str, timeout: float = 120) -> str:
    """Wait for the tuning job the import started, rerun the page (as its polling does); the job's kind."""
    job = eval_jobs().get(job_key(workspaces().open(WorkspaceRef.shared(name)), "Movies"))
    assert job is not None, "no tuning job was started"
    deadline = time.monotonic() + timeout
    while job.status().running and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.status().state == "done", job.status()
    at.run()
    assert not at.exception, at.exception
    return job.settings["kind"]


def movies_slice(users: int = 12) -> bytes:
    """The first ``users`` users' real ratings from the movies sample's log, as a CSV."""
    frame = load_sample_interactions("movies")
    ids = sorted(frame.user.unique())[:users]
    part = frame[frame.user.isin(ids)].rename(columns={"user": "userId", "original_item_id": "movieId"})
    return part[["userId", "movieId", "rating", "timestamp"]].to_csv(index=False).encode()


def test_an_upload_is_tuned_in_the_background_and_recommend_shows_the_tuned_weights():
    at, name = upload_log(movies_slice())  # the movies catalog without its community
    widget(at.number_input, "validation users to tune on").set_value(MIN_TUNE_USERS).run()
    import_button(at).click().run()
    assert not at.exception and not at.error, (at.exception, errors(at))
    assert "Tuning the blend on a validation split, then retraining in the background" in texts(at.success)
    assert settle(at, name) == "imported"
    status = agent_of(name).behaviour_status()
    tuning = status.meta["tuning"]
    assert tuning["users"] == MIN_TUNE_USERS and tuning["interactions"] == status.trained_on
    success = texts(at.success)
    assert f"After the upload: Tuned on {MIN_TUNE_USERS} validation users over 96 settings" in success
    assert f"validation NDCG {tuning['validation']:.4f}" in success
    at.switch_page("pages/3_recommend.py").run()
    assert not at.exception, at.exception
    assert (f"**Blend weights** · in use: tuned on validation on {status.trained_on:,} interactions"
            in texts(at.markdown))
    assert f"blend weights tuned on {status.trained_on:,} interactions" in texts(at.markdown)
    assert "After the upload: Tuned on" in texts(at.success)  # the behaviour panel shows the same job


def test_a_small_upload_keeps_the_communitys_tuned_weights_and_the_tab_says_why():
    at, name = upload_log(community=True)  # into the movies catalog with its community (tuned weights shipped)
    import_button(at).click().run()
    assert not at.error, errors(at)
    settle(at, name)
    status = agent_of(name).behaviour_status()
    community = status.tuned_on
    assert community and status.trained_on == community + 4 and status.tuned_since == 4
    info = texts(at.info)
    assert (f"After the upload: not tuned: the blend weights were tuned on {community:,} interactions and there are "
            f"{community + 4:,} now, less than 25% more; they are kept") in info
    assert f"blend weights tuned on {community:,} interactions (+4 since)" in info


def test_an_upload_without_tuning_only_retrains():
    at, name = upload_log()
    at.checkbox(key=next(c.key for c in at.checkbox if c.label.startswith("Then tune the blend"))).uncheck().run()
    assert widget(at.number_input, "validation users to tune on").disabled
    import_button(at).click().run()
    assert "Retraining the behaviour model in the background" in texts(at.success)
    settle(at, name)
    assert "After the upload: not tuned: tuning was not asked for; retrained on 4 interactions" in texts(at.info)
    assert "blend weights not tuned" in texts(at.info)


def test_an_unreadable_log_is_an_error_not_a_traceback():
    at, _ = upload_log(b"user,item\nann,1,extra\n")
    assert not at.exception and "row 1" in errors(at) and "fields" in errors(at)


# --- the Catalog page: typed columns ------------------------------------------------------------

SHOP = (b'sku,name,in_stock,released,tags,vector\n'
        b'k1,Red kettle,true,2020-01-31,kitchen|red,"[1,0,0]"\n'
        b'k2,Blue kettle,false,2023-06-01,kitchen|blue,"[0.9,0.1,0]"\n'
        b'm1,Green mug,yes,2022-03-15,mug,"[0,1,0]"\n')


def upload_catalog(data: bytes = SHOP) -> tuple[AppTest, str]:
    at, name = open_page("pages/1_catalog.py")
    at.file_uploader[0].set_value(("shop.csv", data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at, name


def test_the_catalog_upload_detects_column_types_and_filters_use_them():
    at, name = upload_catalog()
    assert not at.error, errors(at)
    assert {s.label: s.value for s in at.selectbox if s.label.startswith("Type of ")} == {
        "Type of name": "text", "Type of in_stock": "boolean", "Type of released": "date", "Type of tags": "list"}
    widget(at.text_input, "Collection name").set_value("Shop")
    at.button(key=next(b.key for b in at.button if b.label == "Import")).click().run()
    assert not at.exception and not at.error, (at.exception, errors(at))
    store = lab_workspace(name).store
    [hits] = store.near_vectors("Shop", np.ones((1, 3), dtype=np.float32), 10,
                                filters=build_filter([parse_condition("in_stock=true"),
                                                      parse_condition("released>=2021-01-01")]))
    assert [store.get_items("Shop", [h.uuid for h in hits])[h.uuid].properties["sku"] for h in hits] == ["m1"]
    kinds = next(d.value for d in at.dataframe if "property" in d.value.columns).set_index("property")["type"]
    assert (kinds["in_stock"], kinds["released"], kinds["tags"]) == ("yes/no", "date", "list")


def test_a_chosen_type_that_does_not_fit_names_the_row_and_column():
    at, name = upload_catalog()
    widget(at.selectbox, "Type of released").set_value("number").run()
    widget(at.text_input, "Collection name").set_value("Shop")
    at.button(key=next(b.key for b in at.button if b.label == "Import")).click().run()
    assert not at.exception
    assert "row 1, column 'released': '2020-01-31' is not a number" in errors(at)
    assert not lab_workspace(name).store.has_collection("Shop")


def test_the_recommend_pages_filter_builder_compares_typed_values():
    name = f"test-uploads-{uuid.uuid4().hex[:10]}"
    ws = lab_workspace(name)
    shop = read_catalog(SHOP, format="csv", id_column="sku", text_columns=["name"], vector_column="vector",
                        detect_types=True)
    agent = import_catalog_agent(ws.store, "Shop", shop)
    agent.add_persona(Persona(persona_id=to_uuid("pat"), properties={"name": "Pat"}))
    agent.add_interactions([PersonaInteraction(persona_id="pat", item_id="k1", weight=1.0)])
    at = AppTest.from_file(APP, default_timeout=60)
    use_workspace(at, name, "Shop")
    for key, value in {"lab.persona": "Pat", "lab.recommend.use_agent": False}.items():
        at.session_state[key] = value
    at.switch_page("pages/3_recommend.py").run()
    assert not at.exception, at.exception
    key = "lab.recommend.filters.Shop"
    for prop, op, value in (("in_stock", "=", "true"), ("released", ">=", "2021-01-01")):
        at.selectbox(key=f"{key}.prop").select(prop)
        at.selectbox(key=f"{key}.op").select(op)
        at.text_input(key=f"{key}.value").input(value)
        at.button(key=f"{key}.add").click().run()
        assert not at.exception and not at.error, (at.exception, errors(at))
    assert any("Filter.by_property('in_stock').equal(True)" in c.value for c in at.code)
    listed = {b.key.split(".")[-2] for b in at.button if b.key and b.key.startswith("lab.recommend.card.vector.")
              and b.key.endswith(".like")}
    assert listed == {str(to_uuid("m1"))}  # in stock and released since 2021 (k2 is out of stock)
