"""The Catalog and Explore pages (Streamlit AppTest) and their helpers in ``lab.catalog_ui``."""

from __future__ import annotations

import json
import re
import uuid

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import (WorkspaceRef, AlreadyExistsError, CatalogImportError, CollectionSpec, EmbeddedStore, Item, Persona,
                  PersonaInteraction, PersonalizationAgent)
from lab import catalog_map as maps
from lab import catalog_ui as ui
from lab import catalog_upload as uploads
from lab.cards import JOINER
from lab.map_chart import Projection, project_2d

from .conftest import APP, lab_workspace, use_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]  # AppTest runs the real pages

TINY = (b'id,title,genre,vector\n'
        b'a,Alpha,rock,"[1, 0, 0]"\n'
        b'b,Beta,jazz,"[0, 1, 0]"\n'
        b'c,Gamma,rock,"[0.5, 0.5, 0.7]"\n')
DUPLICATE = b'id,title,vector\nx,One,"[1,0,0]"\ny,Two,"[0,1,0]"\nx,Three,"[0,0,1]"\n'


def app(shared: str | None = None) -> AppTest:
    """The Catalog page, in a fresh shared workspace that the test can open too.

    The sample is pinned in session state: the sidebar's widgets lose their values on a page switch
    (reported; see ``test_sidebar_keeps_the_sample_across_page_switches``)."""
    at = AppTest.from_file(APP, default_timeout=120)
    use_workspace(at, shared or f"test-{uuid.uuid4().hex[:8]}", "Movies")
    at.run()
    return at.switch_page("pages/1_catalog.py").run()


def ws_of(at: AppTest):
    return lab_workspace(WorkspaceRef.parse(at.session_state["lab.ws"]).name)


def sidebar_text(at: AppTest) -> str:
    return " ".join(c.value for c in at.sidebar.caption)


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, "text/csv"))
    return at.run()


def widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def map_traces(at: AppTest) -> dict[str, list[str]]:
    [chart] = at.get("plotly_chart")
    return {t["name"]: t.get("hovertext", []) for t in json.loads(chart.proto.spec)["data"]}


# --- Catalog page ---------------------------------------------------------------------------

def test_catalog_page_shows_the_default_sample():
    at = app()
    assert not at.exception, at.exception
    assert widget(at.metric, "Items").value == "9,742"
    assert widget(at.metric, "Vector dimensions").value == "384"
    assert "collection **Movies**" in sidebar_text(at)
    properties = at.dataframe[0].value
    assert dict(zip(properties["property"], properties["items with it"]))["title"] == 9742
    preview = at.dataframe[-1].value  # after the properties and one table per top-values tab
    assert len(preview) == 25 and preview["title"].tolist()[0] == "Toy Story"
    assert not at.error


def test_uploading_a_csv_with_vectors_imports_it_and_makes_it_active():
    at = upload(app(), "tiny songs.csv", TINY)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert widget(at.selectbox, "ID column").value == "id"
    assert widget(at.selectbox, "Vector column (optional)").value == "vector"
    assert widget(at.selectbox, "Title column (optional)").value == "title"
    assert widget(at.multiselect, "Text columns to embed").value == ["title", "genre"]
    widget(at.text_input, "Collection name").set_value("Songs")
    at.button(key=next(b.key for b in at.button if b.label == "Import")).click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert "collection **Songs** · 3 items" in sidebar_text(at)
    assert "Imported 3 items into Songs" in at.success[0].value
    assert widget(at.metric, "Items").value == "3" and widget(at.metric, "Vector dimensions").value == "3"
    ws = ws_of(at)
    assert ws.store.get_collection("Songs").text_fields == ("title", "genre")
    assert PersonalizationAgent.exists(ws.store, "Songs")
    at.switch_page("pages/5_explore.py").run()  # the imported collection stays active on other pages
    assert not at.exception and "collection **Songs**" in sidebar_text(at)
    assert sorted(map_traces(at)["catalog"]) == ["Alpha", "Beta", "Gamma"]


def test_a_duplicate_id_is_reported_with_row_and_column_and_nothing_is_stored():
    at = upload(app(), "dup.csv", DUPLICATE)
    assert not at.error  # the columns are readable; the full check runs on import
    at.button(key=next(b.key for b in at.button if b.label == "Import")).click().run()
    assert not at.exception
    [error] = at.error
    assert "row 3" in error.value and "column 'id'" in error.value and "duplicate id 'x'" in error.value
    assert ws_of(at).store.list_collections() == ["Movies"]
    assert "collection **Movies**" in sidebar_text(at)


def test_an_unreadable_file_is_reported_before_the_mapping():
    at = upload(app(), "ragged.csv", b"id,title\n1,One\n2,Two,extra\n")
    assert not at.exception
    assert "row 2" in at.error[0].value and "fields" in at.error[0].value
    assert not [b for b in at.button if b.label == "Import"]


# --- Explore page ---------------------------------------------------------------------------

def test_explore_without_a_persona_shows_the_map_and_points_to_personas():
    at = app()
    at.switch_page("pages/5_explore.py").run()
    assert not at.exception, at.exception
    assert "Personas page" in at.info[0].value
    traces = map_traces(at)
    assert list(traces) == ["catalog"] and len(traces["catalog"]) == maps.MAX_MAP_POINTS


def _map_tester(at: AppTest) -> None:
    agent = ws_of(at).agent("Movies")
    agent.add_persona(Persona(persona_id="map-tester", properties={"name": "Map tester"}))
    agent.add_interactions([PersonaInteraction(persona_id="map-tester", item_id=260, weight=1.0),
                            PersonaInteraction(persona_id="map-tester", item_id=1, weight=0.8),
                            PersonaInteraction(persona_id="map-tester", item_id=2571, weight=-1.0)])


def _kept(at: AppTest) -> float:
    """The share of variance the page says its projection keeps."""
    [share] = [m for c in at.caption for m in re.findall(r"keeps? (\d+)% of", c.value)]
    return int(share) / 100


def test_explore_shows_the_personas_neighbourhood_by_default():
    at = app()
    _map_tester(at)
    at.switch_page("pages/5_explore.py").run()
    assert not at.exception, at.exception
    assert not at.info and widget(at.radio, "View").value == "Persona's neighbourhood"
    traces = map_traces(at)
    assert "catalog" not in traces  # only the persona's own points, fitted on their own
    assert sorted(traces["liked"]) == ["Star Wars: Episode IV - A New Hope", "Toy Story"]
    assert traces["disliked"] == ["The Matrix"]
    assert len(traces["recommended"]) == 10 and len(traces["candidate"]) == 10
    # the default (auto) ran blend: its ★ is the content query, and the page says where the behaviour query is
    assert traces["profile"] == ["profile: content query (mean of likes − 0.5 × mean of dislikes, weight 0.2)"]
    [note] = [c.value for c in at.caption if c.value.startswith("Strategy run:")]
    assert note.startswith("Strategy run: **blend**. ★ is the blend's content query (weight 0.2). Its behaviour "
                           "query, folded in from the 2 likes the behaviour model knows, lives in the learned space")
    [chart] = at.get("plotly_chart")
    data = json.loads(chart.proto.spec)["data"]
    liked = next(t for t in data if t["name"] == "liked")
    assert liked["mode"] == "markers+text" and sorted(liked["text"]) == ["Star Wars: Episode IV -…", "Toy Story"]
    links = next(t for t in data if t["name"] == "closest like")  # each recommendation to its closest like
    assert len(links["x"]) == 3 * 20
    near = _kept(at)
    widget(at.radio, "View").set_value("Whole catalog").run()
    assert not at.exception, at.exception
    traces = map_traces(at)
    assert len(traces["catalog"]) == maps.MAX_MAP_POINTS and len(traces["recommended"]) == 10
    whole = _kept(at)
    assert whole < 0.15 and near > 2 * whole  # the movie catalog's 2-D PCA keeps little; the neighbourhood much more
    widget(at.selectbox, "Strategy").set_value("knn").run()
    assert len(map_traces(at)["profile"]) == 2  # knn searches with one query per liked item
    assert [c.value for c in at.caption if c.value.startswith("Strategy run:")] == ["Strategy run: **knn**."]


def test_the_catalog_projection_is_computed_once_per_catalog_not_per_workspace(monkeypatch):
    built = []
    real = maps.build_map
    monkeypatch.setattr(maps, "build_map", lambda *a, **k: built.append(a[0][0].uuid) or real(*a, **k))
    maps._catalog_map.clear()
    for shared in ("one", "two"):  # the same sample in two workspaces: one projection
        at = AppTest.from_file(APP, default_timeout=120)
        use_workspace(at, f"map-cache-{shared}-{uuid.uuid4().hex[:6]}", "Workshop")
        at.run()
        at.switch_page("pages/5_explore.py").run()
        assert not at.exception and widget(at.radio, "View").value == "Whole catalog"
    assert len(built) == 1
    at.run()  # a rerun in the same workspace: still one
    upload(at.switch_page("pages/1_catalog.py").run(), "tiny songs.csv", TINY)
    widget(at.text_input, "Collection name").set_value("Songs")
    at.button(key=next(b.key for b in at.button if b.label == "Import")).click().run()
    at.switch_page("pages/5_explore.py").run()
    assert not at.exception and len(built) == 2  # another catalog: its own projection
    assert sorted(map_traces(at)["catalog"]) == ["Alpha", "Beta", "Gamma"]


def test_catalog_fingerprint_follows_the_content_not_the_workspace():
    stores = [EmbeddedStore(":memory:") for _ in range(3)]
    for store, data in zip(stores, (TINY, TINY, TINY.replace(b"Gamma", b"Delta"))):
        uploads.import_upload(store, "Songs", data, "tiny.csv", uploads.Mapping("id", "title", ("title",), "vector"))
    one, two, other = (maps.catalog_fingerprint(s, "Songs") for s in stores)
    assert one == two != other


def test_sidebar_keeps_its_choices_across_page_switches():
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/5_explore.py").run()
    assert "collection **Movies**" in sidebar_text(at)
    at.sidebar.selectbox(key="lab.collection").set_value("Workshop").run()
    at.sidebar.text_input(key="lab.join.name").set_value("keep-me")
    next(b for b in at.sidebar.button if b.label == "Open shared workspace").click().run()
    for page in ("pages/1_catalog.py", "pages/4_search.py", "pages/5_explore.py"):
        at.switch_page(page).run()
        assert "collection **Workshop**" in sidebar_text(at) and at.session_state["lab.ws"] == "shared:keep-me", page


# --- helpers --------------------------------------------------------------------------------

def test_stats_count_properties_and_top_values_of_lists_and_categories():
    cuisines = ["Thai", "Thai", "Italian", None, "Thai"]
    diets = [["vegan", "vegetarian"], ["vegan"], [], ["vegan"], []]
    items = [Item(uuid=uuid.uuid4(), properties={"name": f"dish {i}", "cuisine": cuisines[i], "diet": diets[i], "spicy": i == 0})
             for i in range(5)]
    stats = ui.compute_stats(items)
    assert stats.count == 5
    assert [(p.name, p.kind, p.items_with) for p in stats.properties] == [
        ("name", "text", 5), ("cuisine", "text", 4), ("diet", "list", 3), ("spicy", "yes/no", 5)]
    # names are all distinct, so they are not categories; cuisines repeat
    assert stats.top_values == {"cuisine": [("Thai", 3), ("Italian", 1)], "diet": [("vegan", 3), ("vegetarian", 1)]}


def test_preview_frame_keeps_numbers_and_turns_lists_and_mixed_columns_into_text():
    frame = ui.preview_frame([{"year": 1995, "genres": ["A", "B"], "mixed": 1}, {"year": None, "mixed": "x"}])
    assert frame["year"].tolist()[0] == 1995 and frame["genres"].tolist() == ["A, B", None]
    assert frame["mixed"].tolist() == ["1", "x"]


def test_guess_mapping_finds_id_title_vector_and_text_columns():
    rows = [{"sku": 1, "name": "Lamp", "about": "a lamp", "price": 3.5, "emb": [0.1, 0.2], "url": "https://x"}]
    assert uploads.guess_mapping(list(rows[0]), rows) == uploads.Mapping("sku", "name", ("name", "about"), "emb")
    assert uploads.default_collection_name("my products-2024.csv") == "MyProducts2024"


def test_import_upload_stores_nothing_on_a_bad_file_and_refuses_taken_names():
    store = EmbeddedStore(":memory:")
    mapping = uploads.Mapping("id", "title", ("title",), "vector")
    with pytest.raises(CatalogImportError, match=r"row 3, column 'id'"):
        uploads.import_upload(store, "Bad", DUPLICATE, "dup.csv", mapping)
    assert store.list_collections() == []
    calls = []
    spec = uploads.import_upload(store, " Songs ", TINY, "tiny.csv", mapping, progress=lambda d, t: calls.append((d, t)))
    assert (spec.name, spec.dims, calls) == ("Songs", 3, [(3, 3)]) and PersonalizationAgent.exists(store, "Songs")
    for taken in ("Songs", "Movies"):
        with pytest.raises(AlreadyExistsError):
            uploads.import_upload(store, taken, TINY, "tiny.csv", mapping)


def test_the_map_projects_extra_vectors_exactly_like_project_2d():
    rng = np.random.default_rng(1)
    vectors, extra = rng.normal(size=(50, 6)), rng.normal(size=(3, 6))
    items = [Item(uuid=uuid.uuid4(), properties={"title": f"t{i}"}) for i in range(50)]
    cmap = maps.build_map(items, vectors)
    points, projected = project_2d(vectors, extra)
    assert np.allclose(cmap.points, points) and np.allclose(cmap.project(extra), projected)
    assert 0 < cmap.explained <= 1


def test_map_layers_subsample_the_catalog_but_keep_every_highlight():
    n = 300
    projection = Projection(np.zeros(2), np.eye(3)[:, :2], 0.5)
    cmap = maps.CatalogMap(tuple(f"id{i}" for i in range(n)), tuple(f"t{i}" for i in range(n)),
                           np.arange(2 * n, dtype=float).reshape(n, 2), projection)
    highlight = {"id7": "liked", "id250": "disliked", "id3": "recommended"}
    points, titles, roles = maps.map_layers(cmap, highlight, np.array([[1.0, 2.0, 3.0]]), ["profile"], max_points=100)
    assert roles.count("catalog") == 100 and len(points) == len(titles) == len(roles) == 104
    assert {t for t, r in zip(titles, roles) if r != "catalog"} == {"t7", "t250", "t3", "profile"}
    assert "t7" not in [t for t, r in zip(titles, roles) if r == "catalog"]
    assert points[-1].tolist() == [1.0, 2.0]
    again = maps.map_layers(cmap, highlight, np.zeros((0, 3)), [], max_points=100)
    assert again[1][:100] == titles[:100]  # seeded: the same sample every run


def test_catalog_stats_on_an_empty_property_set():
    store = EmbeddedStore(":memory:")
    store.create_collection(CollectionSpec("Bare", 2))
    store.add_items("Bare", [Item(uuid=uuid.uuid4(), properties={})], np.array([[1.0, 0.0]], dtype=np.float32))
    stats = ui.compute_stats(store.iter_items("Bare"))
    assert stats.count == 1 and stats.properties == () and stats.top_values == {}


def test_file_text_in_an_error_is_shown_as_text_not_markdown():
    at = upload(app(), "evil.csv", b'id,title,vector\n![x](http://e/x.png),A,"[1,0]"\n![x](http://e/x.png),B,"[0,1]"\n')
    at.button(key=next(b.key for b in at.button if b.label == "Import")).click().run()
    assert r"\!\[x\]\(http" + JOINER + r"\:" in at.error[0].value  # escaped, and no autolink


def test_mapped_title_and_image_columns_become_what_cards_show():
    mapping = uploads.Mapping("sku", "product", ("product",), None, "picture")
    props = uploads.display_properties({"sku": 1, "product": "Red mug", "picture": "https://x.example/mug.png"}, mapping)
    assert props["title"] == "Red mug" and props["image_url"] == "https://x.example/mug.png"
    unsafe = uploads.display_properties({"product": "Mug", "picture": "javascript:alert(1)"}, mapping)
    assert "image_url" not in unsafe
    guess = uploads.guess_mapping(["sku", "product", "picture_url"], [{"sku": 1, "product": "Mug", "picture_url": "https://a"}])
    assert guess.image_column == "picture_url" and "picture_url" not in guess.text_columns
