"""The Personas page (Streamlit AppTest over app.py) and its helpers in lab/persona_ui.py.

Each page test uses its own shared workspace ``test-personas-<random>``, reached from the test
through ``tests.conftest.lab_workspace`` (the lab's own process-wide workspaces), so it can check what the page stored.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta, timezone

import pytest
from streamlit.testing.v1 import AppTest

from core import (InvalidInputError, NotFoundError, PersonalizationAgent, decay_factor, load_sample, to_datetime,
                  to_uuid)
from lab import demos as demo_personas
from lab import persona_files as files
from lab import persona_props as props
from lab import persona_ui as ui

from .conftest import APP, lab_workspace, use_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]  # AppTest runs the real pages

PAGE = "pages/2_personas.py"


def open_page(catalog: str = "movies") -> tuple[AppTest, PersonalizationAgent]:
    """The Personas page on a fresh shared workspace, and an agent on that workspace's store."""
    name = f"test-personas-{uuid.uuid4().hex[:10]}"
    at = AppTest.from_file(APP, default_timeout=60)
    use_workspace(at, name, load_sample(catalog).info.collection)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    collection = load_sample(catalog).info.collection
    return at, PersonalizationAgent.connect(lab_workspace(name).store, collection)


def messages(elements) -> str:
    return " ".join(e.value for e in elements).replace("\\", "")  # the page escapes text with lab.cards.plain


def table(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def add_demo(at: AppTest, name: str) -> None:
    at.button(key=f"lab.personas.demo.{name}").click().run()
    assert not at.exception, at.exception


# --- the page ------------------------------------------------------------------------------------

def test_page_renders_without_personas():
    at, agent = open_page()
    assert [t.value for t in at.title] == ["Personas"]
    assert "No personas" in messages(at.info)
    assert agent.list_personas() == []


def test_creating_a_persona_from_key_value_rows_stores_it_and_makes_it_active():
    at, agent = open_page()
    at.text_input(key="lab.personas.new.name").input("Ada")
    at.session_state["lab.personas.new.0.rows"] = {
        "edited_rows": {}, "deleted_rows": [],
        "added_rows": [{"key": "favorite_genres", "value": "Sci-Fi|Drama"}, {"key": "age", "value": "36"},
                       {"key": "mood", "value": "thoughtful"}]}
    at.button(key="lab.personas.create").click().run()
    assert not at.exception, at.exception
    assert not at.error, messages(at.error)
    persona = agent.get_persona(to_uuid("Ada"))
    assert persona.properties == {"name": "Ada", "favorite_genres": ["Sci-Fi", "Drama"], "age": 36,
                                  "mood": "thoughtful"}
    assert at.session_state["lab.persona"] == "Ada"
    assert at.sidebar.selectbox(key="lab.persona").value == "Ada"
    assert "Persona: Ada" in messages(at.subheader)


def test_creating_a_persona_from_json_and_a_taken_name_is_an_error():
    at, agent = open_page()
    at.text_input(key="lab.personas.new.name").input("Bo")
    at.radio(key="lab.personas.new.0.mode").set_value("JSON object").run()
    at.text_area(key="lab.personas.new.0.json").input('{"diet": ["vegan"], "budget": 12.5}')
    at.button(key="lab.personas.create").click().run()
    assert agent.get_persona(to_uuid("Bo")).properties == {"name": "Bo", "diet": ["vegan"], "budget": 12.5}
    at.text_input(key="lab.personas.new.name").input("Bo")
    at.button(key="lab.personas.create").click().run()
    assert not at.exception, at.exception
    assert "already exists" in messages(at.error)
    assert len(agent.list_personas()) == 1


def test_a_demo_persona_is_added_with_its_interactions():
    at, agent = open_page()
    add_demo(at, "Sci-fi fan")
    demo = next(d for d in demo_personas.DEMOS["movies"] if d.name == "Sci-fi fan")
    stored = agent.get_interactions(to_uuid("Sci-fi fan"), "all")
    assert sorted((s.item_id, s.weight) for s in stored) == sorted((to_uuid(i), w) for i, w, _ in demo.ratings)
    assert to_uuid(260) in {s.item_id for s in stored}  # Star Wars, by its MovieLens movieId
    assert at.session_state["lab.persona"] == "Sci-fi fan"
    assert at.button(key="lab.personas.demo.Sci-fi fan").disabled


def test_liking_a_search_result_stores_the_chosen_weight():
    at, agent = open_page()
    add_demo(at, "Family movie night")
    at.text_input(key="lab.personas.query").input("matrix").run()
    at.slider(key="lab.personas.weight").set_value(-0.4).run()
    matrix = to_uuid(2571)
    before = datetime.now(timezone.utc)
    at.button(key=f"lab.personas.rate.{matrix.hex}").click().run()
    assert not at.exception and not at.error, messages(at.error)
    saved = [s for s in agent.get_interactions(to_uuid("Family movie night"), "all") if s.item_id == matrix]
    assert len(saved) == 1 and saved[0].weight == pytest.approx(-0.4)
    assert before - timedelta(seconds=1) <= saved[0].created_at <= datetime.now(timezone.utc)


def test_liking_with_a_chosen_time_stores_that_time_and_replaces_the_earlier_rating():
    at, agent = open_page()
    add_demo(at, "Sci-fi fan")
    at.text_input(key="lab.personas.query").input("Star Wars").run()
    at.checkbox(key="lab.personas.backdate").check().run()
    at.date_input(key="lab.personas.when_date").set_value(date(2024, 3, 1))
    at.time_input(key="lab.personas.when_time").set_value(time(18, 30))
    at.slider(key="lab.personas.weight").set_value(0.25).run()
    at.button(key=f"lab.personas.rate.{to_uuid(260).hex}").click().run()
    assert not at.exception and not at.error, messages(at.error)
    saved = [s for s in agent.get_interactions(to_uuid("Sci-fi fan"), "all") if s.item_id == to_uuid(260)]
    assert [(s.weight, s.created_at) for s in saved] == [(0.25, datetime(2024, 3, 1, 18, 30, tzinfo=timezone.utc))]


def test_history_shows_effective_weights_after_decay():
    at, agent = open_page()
    add_demo(at, "Sci-fi fan")
    at.slider(key="lab.personas.decay").set_value(0.5).run()
    assert at.session_state["lab.decay_rate"] == 0.5
    now = datetime.now(timezone.utc)
    history = table(at, "effective weight")
    assert len(history) == len(agent.get_interactions(to_uuid("Sci-fi fan"), "all")) == 10
    for _, row in history.iterrows():
        age = (now - to_datetime(row["when (UTC)"].to_pydatetime())).total_seconds() / 86400
        assert row["effective weight"] == pytest.approx(row["weight"] * decay_factor(age, 0.5), abs=1e-3)
        assert row["effective weight"] == pytest.approx(row["weight"] * decay_factor(row["age (days)"], 0.5), abs=1e-3)
    star_wars = history[history["item id"] == "260"].iloc[0]  # liked 2 days ago: 0.5 ** (0.5 * 2 / 30)
    assert star_wars["effective weight"] == pytest.approx(0.5 ** (1 / 30), abs=1e-3)


def test_importing_invalid_json_shows_an_error_and_stores_nothing():
    at, agent = open_page()
    at.text_area(key="lab.personas.import_text").input("{not json")
    at.button(key="lab.personas.import").click().run()
    assert not at.exception, at.exception
    assert "not valid JSON" in messages(at.error)
    unknown = {"name": "Ghost", "interactions": [{"item_id": 260, "weight": 1}, {"item_id": 999999999, "weight": 1}]}
    at.text_area(key="lab.personas.import_text").input(json.dumps(unknown))
    at.button(key="lab.personas.import").click().run()
    assert "999999999" in messages(at.error)
    assert agent.list_personas() == []


def test_export_json_round_trips_through_import():
    at, agent = open_page()
    add_demo(at, "Sci-fi fan")
    exported = at.code[0].value
    assert exported == files.export_json(agent, agent.get_persona(to_uuid("Sci-fi fan")))  # what the download holds
    assert at.get("download_button")[0].label == "Download persona JSON"
    at.text_area(key="lab.personas.import_text").input(exported)
    at.text_input(key="lab.personas.import_name").input("Sci-fi twin")
    at.button(key="lab.personas.import").click().run()
    assert not at.exception and not at.error, messages(at.error)
    assert at.session_state["lab.persona"] == "Sci-fi twin"
    original, twin = (agent.get_persona(to_uuid(n)) for n in ("Sci-fi fan", "Sci-fi twin"))
    assert {**original.properties, "name": "Sci-fi twin"} == twin.properties
    assert_same_interactions(agent, original.persona_id, twin.persona_id)


def test_import_from_an_uploaded_file():
    at, agent = open_page("workshop")
    add_demo(at, "Pasta lover")
    exported = json.loads(at.code[0].value)
    exported["name"] = "Pasta lover 2"
    at.file_uploader(key="lab.personas.import_file").upload("p.json", json.dumps(exported).encode(), "application/json")
    at.button(key="lab.personas.import").click().run()
    assert not at.exception and not at.error, messages(at.error)
    assert_same_interactions(agent, to_uuid("Pasta lover"), to_uuid("Pasta lover 2"))


def assert_same_interactions(agent, a, b):
    left, right = agent.get_interactions(a, "all"), agent.get_interactions(b, "all")
    assert [(s.item_id, s.weight) for s in left] == [(s.item_id, s.weight) for s in right]
    assert all(abs((x.created_at - y.created_at).total_seconds()) < 1e-3 for x, y in zip(left, right))


def test_editing_properties_and_deleting_with_confirmation():
    at, agent = open_page("workshop")
    add_demo(at, "Vegetarian who loves spice")
    pid = to_uuid("Vegetarian who loves spice")
    at.session_state[f"lab.personas.edit.{pid.hex}.0.rows"] = {
        "edited_rows": {"1": {"value": "very hot"}}, "deleted_rows": [],
        "added_rows": [{"key": "budget", "value": "15"}]}
    at.button(key="lab.personas.save").click().run()
    assert not at.exception and not at.error, messages(at.error)
    assert agent.get_persona(pid).properties == {"name": "Vegetarian who loves spice", "diet": ["vegetarian"],
                                                 "spice": "very hot", "budget": 15}
    assert at.button(key="lab.personas.delete").disabled
    at.checkbox(key=f"lab.personas.confirm.{pid.hex}").check().run()
    at.button(key="lab.personas.delete").click().run()
    assert not at.exception, at.exception
    assert not agent.has_persona(pid) and at.session_state["lab.persona"] is None
    assert "Deleted" in messages(at.success)


def test_selecting_a_persona_on_the_page_makes_it_active():
    at, _ = open_page("books")
    add_demo(at, "Fantasy reader")
    add_demo(at, "Thriller reader")
    assert at.session_state["lab.persona"] == "Thriller reader"
    at.selectbox(key="lab.personas.pick").select("Fantasy reader").run()
    assert at.session_state["lab.persona"] == "Fantasy reader"
    assert "Persona: Fantasy reader" in messages(at.subheader)


# --- lab/persona_props.py, persona_ui.py, persona_files.py ----------------------------------------------------------------------------

def test_property_rows_use_the_cli_grammar():
    rows = [{"key": "code", "value": "007"}, {"key": "ids", "value": "1|2"}, {"key": "age", "value": "42"}]
    assert props.rows_to_properties(rows) == {"code": "007", "ids": [1, 2], "age": 42}
    assert props.properties_to_rows({"code": "007", "n": "12"}) == [{"key": "code", "value": "007"},
                                                                      {"key": "n", "value": '"12"'}]
    with pytest.raises(InvalidInputError, match=r"property 'x': '\[1, 2' starts like JSON"):
        props.rows_to_properties([{"key": "x", "value": "[1, 2"}])


def test_rows_to_properties_rejects_bad_rows():
    assert props.rows_to_properties([{"key": "", "value": ""}, {"key": " a ", "value": " 1 "}]) == {"a": 1}
    for rows, message in [([{"key": "", "value": "x"}], "no name"), ([{"key": "a", "value": None}], "no value"),
                          ([{"key": "a", "value": "1"}, {"key": "a", "value": "2"}], "twice"),
                          ([{"key": "name", "value": "x"}], "display name")]:
        with pytest.raises(InvalidInputError, match=message):
            props.rows_to_properties(rows)
    with pytest.raises(InvalidInputError, match="JSON object"):
        props.json_to_properties("[1, 2]")


def test_apply_editor_state_follows_streamlits_order():
    base = [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}, {"key": "c", "value": "3"}]
    state = {"edited_rows": {"0": {"value": "10"}}, "deleted_rows": [1], "added_rows": [{"key": "d", "value": "4"}]}
    assert props.apply_editor_state(base, state) == [{"key": "a", "value": "10"}, {"key": "c", "value": "3"},
                                                 {"key": "d", "value": "4"}]
    assert props.apply_editor_state(base, None) == base


@pytest.mark.parametrize("sample", sorted(demo_personas.DEMOS))
def test_every_demo_item_is_in_its_sample_catalog(sample):
    catalog = load_sample(sample)
    known = {str(item.properties["original_id"]) for item in catalog.items}
    for demo in demo_personas.DEMOS[sample]:
        assert {str(i) for i, _, _ in demo.ratings} <= known, demo.name
        assert any(w > 0 for _, w, _ in demo.ratings) and any(w < 0 for _, w, _ in demo.ratings)


@pytest.fixture
def agent(store):
    """An agent on the six-item ``Things`` catalog without a property schema (as the lab creates them)."""
    return PersonalizationAgent.create(store, "Things")


def test_store_draft_stores_nothing_when_an_item_is_unknown(agent):
    draft = ui.PersonaDraft("Zed", {}, (ui.DraftInteraction("a", 1.0), ui.DraftInteraction("nope", 1.0)))
    with pytest.raises(NotFoundError, match="nope"):
        ui.store_draft(agent, draft)
    assert agent.list_personas() == []
    with pytest.raises(InvalidInputError, match=r"interactions\[0\]"):
        ui.store_draft(agent, files.parse_import('{"name": "Zed", "interactions": [{"item_id": "a", "weight": 2}]}'))
    assert agent.list_personas() == []


def test_export_then_import_with_a_fixed_clock(agent):
    now = datetime(2025, 6, 1, 12, tzinfo=timezone.utc)
    ui.store_draft(agent, ui.PersonaDraft("Yan", {"age": 30}, (ui.DraftInteraction("a", 0.5, now - timedelta(days=30)),
                                                               ui.DraftInteraction("b", -1.0, now))))
    exported = json.loads(files.export_json(agent, agent.get_persona(to_uuid("Yan"))))
    assert exported["name"] == "Yan" and exported["properties"] == {"age": 30}
    assert [(i["weight"], i["created_at"]) for i in exported["interactions"]] == [
        (0.5, "2025-05-02T12:00:00Z"), (-1.0, "2025-06-01T12:00:00Z")]
    rows = files.history(agent, to_uuid("Yan"), 1.0, now)
    assert [(r.weight, round(r.age_days, 6), r.effective) for r in rows] == [(-1.0, 0.0, -1.0), (0.5, 30.0, 0.25)]
