"""AppTest checks of the Recommend and Search pages against the engine's own answers.

Each test uses a fresh shared workspace with the small ``workshop`` catalog and a persona made
through the public API; no LLM is configured, so the local agent ranks (deterministically).
"""

from __future__ import annotations

import html
import json
import uuid

import pytest
from streamlit.testing.v1 import AppTest

from core import Persona, PersonaInteraction, build_filter, display_title, parse_condition, to_uuid
from devtools.fake_openai import FakeOpenAI, Reply
from lab import resources
from lab.state import LLM_SESSION

from .conftest import APP, lab_workspace, use_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]  # AppTest runs the real pages

LIMIT = 6
QUERY = "pasta"


@pytest.fixture
def lab():
    """A shared workshop workspace with persona "Pat": two likes and a dislike."""
    name = f"test-rec-{uuid.uuid4().hex[:10]}"
    ws = lab_workspace(name)
    collection = ws.ensure("Workshop")
    agent = ws.agent(collection)
    by_id = {i.properties["original_id"]: i.uuid for i in ws.store.iter_items(collection)}
    pid = to_uuid(f"{name}-pat")
    agent.add_persona(Persona(persona_id=pid, properties={"name": "Pat"}))
    agent.add_interactions([PersonaInteraction(persona_id=pid, item_id=by_id["spaghetti-carbonara"], weight=1.0),
                            PersonaInteraction(persona_id=pid, item_id=by_id["cacio-e-pepe"], weight=1.0),
                            PersonaInteraction(persona_id=pid, item_id=by_id["pasta-alla-norma"], weight=-1.0)])
    return name, ws, collection, agent, pid


def _open(name: str, page: str, persona: str | None = "Pat", **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    use_workspace(at, name, "Workshop")
    if persona:
        at.session_state["lab.persona"] = persona
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def _listed(at: AppTest, prefix: str) -> list[str]:
    """Item UUIDs of one card list, in page order (read from the cards' Like button keys)."""
    return [b.key[len(prefix):-len(".like")] for b in at.button if b.key and b.key.startswith(prefix)
            and b.key.endswith(".like")]


def _cards(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("\\#")]


def _chart(at: AppTest) -> list[tuple[str, int | None, int | None]]:
    """(title, rank before, rank after) per line of the page's rank-change chart (None: not in that list)."""
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    return [(html.unescape(trace["customdata"][0][0]), *trace["customdata"][0][1:]) for trace in spec["data"]]


def _expected_chart(before: list, after: list) -> list[tuple[str, int | None, int | None]]:
    """Known rows: items of ``after`` in order (before = original_rank), then ``before``'s dropped items."""
    kept = {o.uuid for o in after}
    rows = [(display_title(o.properties), o.original_rank, rank) for rank, o in enumerate(after, 1)]
    return rows + [(display_title(o.properties), rank, None) for rank, o in enumerate(before, 1) if o.uuid not in kept]


SETTINGS = {"lab.recommend.limit": LIMIT, "lab.decay_rate": 0.0}


def _engine(agent, pid, **extra):
    common = {"limit": LIMIT, "decay_rate": 0.0, **extra}
    return (agent.get_objects(pid, use_agent_ranking=False, **common),
            agent.get_objects(pid, use_agent_ranking=True, **common))


def test_recommend_shows_both_lists_and_a_chart_matching_the_engine(lab):
    name, _, _, agent, pid = lab
    at = _open(name, "pages/3_recommend.py", **SETTINGS)
    vector, ranked = _engine(agent, pid)
    assert ranked.ranker == "local agent (no LLM)"
    assert _listed(at, "lab.recommend.card.vector.") == [str(o.uuid) for o in vector.objects]
    assert _listed(at, "lab.recommend.card.agent.") == [str(o.uuid) for o in ranked.objects]
    assert len(_cards(at)) == 2 * LIMIT
    assert _chart(at) == _expected_chart(vector.objects, ranked.objects)
    # the ranking rationale and each card's explanation: plain words first, the numbers one click away
    assert any(i.value.startswith("The local agent \\(no LLM\\) picked these") for i in at.info)
    top = ranked.objects[0].explanation.split("\n")
    captions = [c.value for c in at.caption]
    assert any(c.replace("\\", "") == top[0] for c in captions)
    numbers = [e for e in at.expander if e.label == "The numbers"]
    assert len(numbers) == 2 * LIMIT
    assert any(c.value.replace("\\", "") == top[1] for e in numbers for c in e.caption)
    assert [e.label for e in at.expander].count("What do these numbers mean?") == 2
    assert any("similarity" in m.value and "diversity penalty" in m.value for m in at.markdown)
    assert any(m.value.startswith("rerank · ") for m in at.markdown)  # the trace lists every step
    # which path found the candidates, from the trace (the workshop catalog is small: an exact scan)
    assert any("Vector search:" in m.value and "an exact scan of" in m.value and "small catalog" in m.value
               for m in at.markdown)


def test_the_rank_chart_labels_its_lines_and_gives_the_rankers_reasons(lab):
    name, _, _, agent, pid = lab
    at = _open(name, "pages/3_recommend.py", **SETTINGS)
    vector, ranked = _engine(agent, pid)
    [chart] = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    assert all(any(t["text"]) for t in spec["data"])  # every line carries its title
    ticks = dict(zip(spec["layout"]["yaxis"]["ticktext"], spec["layout"]["yaxis"]["tickvals"]))
    assert [ticks[f"#{r}"] for r in range(1, LIMIT + 1)] == list(range(1, LIMIT + 1))  # one row per listed rank
    assert all(y <= LIMIT or y > LIMIT + 1 for t in spec["data"] for y in t["y"])  # outsiders in the band below
    hover = {html.unescape(t["customdata"][0][0]): t["hovertext"][0] for t in spec["data"]}
    for obj in ranked.objects:  # the reason on hover is the ranker's own explanation
        words = obj.explanation.split("\n")[0]
        assert html.unescape(hover[display_title(obj.properties)].replace("<br>", " ")).endswith("why: " + words)


def test_like_stores_an_interaction_and_removes_the_item_from_both_lists(lab):
    name, _, _, agent, pid = lab
    at = _open(name, "pages/3_recommend.py", **SETTINGS)
    top = _listed(at, "lab.recommend.card.vector.")[0]
    at.button(key=f"lab.recommend.card.vector.{top}.like").click().run()
    assert not at.exception
    assert (to_uuid(top), 1.0) in [(i.item_id, i.weight) for i in agent.get_interactions(pid, "all")]
    vector, ranked = _engine(agent, pid)
    assert _listed(at, "lab.recommend.card.vector.") == [str(o.uuid) for o in vector.objects]
    assert _listed(at, "lab.recommend.card.agent.") == [str(o.uuid) for o in ranked.objects]
    assert top not in _listed(at, "lab.recommend.card.vector.") + _listed(at, "lab.recommend.card.agent.")


def test_an_llm_failure_is_a_fallback_warning_and_the_local_agent_still_ranks(lab, tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONALIZATION_LLM_CACHE", str(tmp_path))
    name, *_ = lab
    with FakeOpenAI() as fake:  # a session key committed in the sidebar, rejected by the server
        fake.script(Reply(status=401, error="invalid api key"))
        at = _open(name, "pages/3_recommend.py", **SETTINGS,
                   **{"lab.llm_key": "sk-test", "lab.llm_base_url": fake.url, "lab.llm_model": "fake-model"})
        assert fake.requests
    assert any("local agent finished" in w.value and "401" in w.value for w in at.warning)
    assert len(_listed(at, "lab.recommend.card.agent.")) == LIMIT
    assert "**Ranker:** local agent \\(no LLM\\)" in [m.value for m in at.markdown]
    shown = [e.value for kind in (at.markdown, at.caption, at.info, at.warning, at.error, at.json) for e in kind]
    assert not any("sk-test" in str(v) for v in shown)  # the session key is never displayed


def test_an_llms_reasons_are_labelled_as_its_own_words(lab, tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONALIZATION_LLM_CACHE", str(tmp_path))
    name, *_ = lab
    rerank = json.dumps({"ranking": [{"id": "c2", "reason": "a <b>fine</b> pick"}], "rationale": "pasta first"})
    with FakeOpenAI() as fake:
        fake.script(Reply(json.dumps({"searches": []})), Reply(rerank))
        at = _open(name, "pages/3_recommend.py", **SETTINGS,
                   **{"lab.llm_key": "sk-test", "lab.llm_base_url": fake.url, "lab.llm_model": "fake-model"})
    assert not at.warning  # the LLM ranked
    assert any(i.value.replace("\\", "") == "The LLM's own summary: pasta first" for i in at.info)
    assert any(c.value.replace("\\", "") == "The LLM's own words: a <b>fine</b> pick" for c in at.caption)
    [chart] = at.get("plotly_chart")
    hover = [t["hovertext"][0] for t in json.loads(chart.proto.spec)["data"]]
    assert any("why: the LLM's reason: a &lt;b&gt;fine&lt;/b&gt; pick" in h for h in hover)


def test_the_session_llm_is_built_once_per_key_url_and_model(lab, tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONALIZATION_LLM_CACHE", str(tmp_path))
    name, *_ = lab
    with FakeOpenAI() as fake:  # rejects response_format, then the key: the local agent finishes each run
        fake.reject_response_format = True
        fake.script(Reply(status=401, error="invalid api key"))
        at = _open(name, "pages/3_recommend.py", **SETTINGS,
                   **{"lab.llm_key": "sk-test", "lab.llm_base_url": fake.url, "lab.llm_model": "fake-model"})
        fingerprint, ranker = at.session_state[LLM_SESSION]
        assert "sk-test" not in fingerprint and not ranker.client.use_json_schema
        assert any("response_format" in r.body for r in fake.requests)
        first = len(fake.requests)
        at.run()
        assert at.session_state[LLM_SESSION][1] is ranker
        later = fake.requests[first:]
        schemas = [(r.body.get("response_format") or {}).get("type") == "json_schema" for r in later]
        assert later and not any(schemas)  # it remembered the rejection (and asks for JSON mode)
        at.session_state["lab.llm_model"] = "other-model"
        at.run()
        renewed = at.session_state[LLM_SESSION][1]
        assert renewed is not ranker and renewed.config.model == "other-model"
        at.session_state["lab.llm_key"] = ""
        at.run()
    assert LLM_SESSION not in at.session_state
    assert "Agent: local agent (no LLM)" in " ".join(c.value for c in at.sidebar.caption)


def test_agent_ranking_off_shows_only_the_vector_list(lab):
    name, *_ = lab
    at = _open(name, "pages/3_recommend.py", **SETTINGS, **{"lab.recommend.use_agent": False})
    assert len(_listed(at, "lab.recommend.card.vector.")) == LIMIT
    assert _listed(at, "lab.recommend.card.agent.") == []
    assert not at.get("plotly_chart")


def _add_condition(at, collection: str, prop: str, op: str, value: str) -> None:
    """Fill the Recommend page's filter builder and press its add button."""
    key = f"lab.recommend.filters.{collection}"
    at.selectbox(key=f"{key}.prop").select(prop)
    at.selectbox(key=f"{key}.op").select(op)
    at.text_input(key=f"{key}.value").input(value)
    at.button(key=f"{key}.add").click().run()


def test_filter_builder_and_its_conditions_reach_the_engine(lab):
    name, _, collection, agent, pid = lab
    at = _open(name, "pages/3_recommend.py", **SETTINGS)
    _add_condition(at, collection, "course", "=", "dessert")
    assert not at.exception
    assert any("Filter.by_property('course').equal('dessert')" in c.value for c in at.code)
    vector, ranked = _engine(agent, pid, filters=build_filter([parse_condition("course=dessert")]))
    assert vector.objects and all(o.properties["course"] == "dessert" for o in vector.objects + ranked.objects)
    assert _listed(at, "lab.recommend.card.vector.") == [str(o.uuid) for o in vector.objects]
    assert _listed(at, "lab.recommend.card.agent.") == [str(o.uuid) for o in ranked.objects]


def test_a_bad_condition_is_an_error_not_a_traceback(lab):
    name, _, collection, *_ = lab
    at = _open(name, "pages/3_recommend.py", **SETTINGS)
    _add_condition(at, collection, "course", ">", "main")
    assert not at.exception
    assert at.error and "needs a number" in at.error[0].value


def test_controls_keep_their_values_across_pages(lab):
    name, *_ = lab
    at = _open(name, "pages/3_recommend.py", **SETTINGS)
    at.slider(key="lab.recommend.decay_rate").set_value(0.4)
    at.slider(key="lab.recommend.limit").set_value(3).run()
    at.switch_page("pages/4_search.py")
    at.run()
    assert at.slider(key="lab.search.decay_rate").value == pytest.approx(0.4)  # shared with the other pages
    at.switch_page("pages/3_recommend.py")
    at.run()
    assert at.slider(key="lab.recommend.limit").value == 3
    assert len(_listed(at, "lab.recommend.card.vector.")) == 3


def test_search_at_strength_zero_is_the_plain_bm25_order(lab):
    name, ws, collection, agent, pid = lab
    at = _open(name, "pages/4_search.py", **{"lab.search.query": QUERY, "lab.search.limit": LIMIT,
                                          "lab.search.strength": 0.0, "lab.decay_rate": 0.0})
    plain = [str(h.uuid) for h in ws.store.bm25(collection, QUERY, LIMIT)]
    engine = agent.query(pid, strength=0, decay_rate=0.0).bm25(QUERY, limit=LIMIT)
    assert plain == [str(o.uuid) for o in engine.objects]
    assert _listed(at, "lab.search.card.plain.") == plain
    assert _listed(at, "lab.search.card.personal.") == plain
    assert len(_cards(at)) == 2 * LIMIT
    assert all(before == after for _, before, after in _chart(at))


def test_search_chart_matches_the_personalized_ranks(lab):
    name, _, _, agent, pid = lab
    at = _open(name, "pages/4_search.py", **{"lab.search.query": QUERY, "lab.search.limit": LIMIT,
                                          "lab.search.strength": 0.8, "lab.decay_rate": 0.0})
    plain = agent.query(pid, strength=0, decay_rate=0.0).bm25(QUERY, limit=LIMIT).objects
    personal = agent.query(pid, strength=0.8, decay_rate=0.0).bm25(QUERY, limit=LIMIT).objects
    assert [str(o.uuid) for o in plain] != [str(o.uuid) for o in personal]  # the persona changes the order
    assert _listed(at, "lab.search.card.personal.") == [str(o.uuid) for o in personal]

    class Row:  # a search hit in the shape _expected_chart reads
        def __init__(self, hit):
            self.uuid, self.properties, self.original_rank = hit.uuid, hit.properties, hit.metadata.search_rank

    assert _chart(at) == _expected_chart([Row(h) for h in plain], [Row(h) for h in personal])
    [chart] = at.get("plotly_chart")
    moves = [t["hovertext"][0].replace("<br>", " ") for t in json.loads(chart.proto.spec)["data"]
             if t["customdata"][0][2] is not None]
    assert all("why: " in h and "persona score" in h for h in moves)
    assert any("fits your taste better than the results it passed" in h for h in moves)


@pytest.mark.parametrize("page", ["pages/3_recommend.py", "pages/4_search.py"])
def test_without_a_persona_the_page_points_to_personas(page):
    name = f"test-rec-empty-{uuid.uuid4().hex[:10]}"
    at = _open(name, page, persona=None)
    assert any("Personas" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_without_a_persona_a_demo_persona_is_one_click_away():
    name = f"test-rec-demo-{uuid.uuid4().hex[:10]}"
    at = _open(name, "pages/3_recommend.py", persona=None)
    [first, *_] = [b for b in at.button if b.label.startswith("Add the demo persona")]
    demo = first.label.removeprefix("Add the demo persona ")
    first.click().run()
    assert not at.exception and at.session_state["lab.persona"] == demo
    agent = lab_workspace(name).agent("Workshop")
    assert len(agent.get_interactions(to_uuid(demo), "all")) >= 3
    assert _listed(at, "lab.recommend.card.vector.") and _listed(at, "lab.recommend.card.agent.")


def test_recommend_offers_the_lists_and_responses_as_downloads(lab):
    name, *_ = lab
    at = _open(name, "pages/3_recommend.py", **SETTINGS)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download the lists (CSV)", "Download the responses and traces (JSON)"]


def test_reset_puts_every_control_back_to_the_official_defaults(lab):
    name, *_ = lab
    at = _open(name, "pages/3_recommend.py", **{"lab.recommend.limit": 4, "lab.decay_rate": 0.7,
                                                 "lab.recommend.strategy": "knn", "lab.recommend.use_agent": False})
    assert at.slider(key="lab.recommend.limit").value == 4
    at.button(key="lab.recommend.reset").click().run()
    assert not at.exception
    assert at.slider(key="lab.recommend.limit").value == 10
    assert at.slider(key="lab.recommend.decay_rate").value == 0.1
    assert at.selectbox(key="lab.recommend.strategy").value == "auto"
    assert at.toggle(key="lab.recommend.use_agent").value is True


def test_search_boost_controls_rescore_and_say_who_applied_the_boost():
    from datetime import datetime, timedelta, timezone

    import numpy as np

    from core import CollectionSpec, Item, simple_boost
    name = f"test-rec-boost-{uuid.uuid4().hex[:10]}"
    ws = lab_workspace(name)
    now = datetime.now(timezone.utc)
    rows = [("a", 1, 40), ("b", 900, 20), ("c", 30, 1), ("d", 5, 300)]
    ws.store.create_collection(CollectionSpec("Shop", 2, text_fields=("title",)))
    ws.store.add_items("Shop", [Item(uuid=n, properties={"title": "lamp " * (4 - i) + n, "sold": sold,
                                                         "added": (now - timedelta(days=age)).isoformat()})
                                for i, (n, sold, age) in enumerate(rows)],
                       np.array([[1, 0.2 * i] for i in range(4)], dtype=np.float32))
    agent = ws.agent("Shop")
    pid = to_uuid(f"{name}-pat")
    agent.add_persona(Persona(persona_id=pid, properties={"name": "Pat"}))
    agent.add_interactions([PersonaInteraction(persona_id=pid, item_id=to_uuid("d"), weight=1.0)])
    state = {"lab.search.query": "lamp", "lab.search.limit": 4, "lab.search.strength": 0.0}
    at = AppTest.from_file(APP, default_timeout=60)
    use_workspace(at, name, "Shop")
    at.session_state["lab.persona"] = "Pat"
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page("pages/4_search.py")
    at.run()
    assert not at.exception, at.exception
    assert not [c for c in at.caption if "boost applied" in c.value]  # nothing chosen yet: no boost
    at.selectbox(key="lab.search.boost.numeric").set_value("sold")
    at.selectbox(key="lab.search.boost.modifier").set_value("log1p")
    at.slider(key="lab.search.boost.numeric_weight").set_value(1.0).run()
    assert not at.exception, at.exception
    expected = agent.query(pid, strength=0.0).bm25("lamp", limit=4, boost=simple_boost([("sold", "log1p", 1.0)]))
    assert _listed(at, "lab.search.card.personal.") == [str(o.uuid) for o in expected.objects]
    assert _listed(at, "lab.search.card.personal.")[0] == str(to_uuid("b"))  # the best seller, by log1p(sold) alone
    notes = [c.value.replace("\\", "") for c in at.caption if "boost applied" in c.value]  # markdown-escaped
    assert len(notes) == 2 and all("by the engine (client-side): value of sold (log1p)" in n for n in notes)
    at.selectbox(key="lab.search.boost.numeric").set_value("(none)")
    at.selectbox(key="lab.search.boost.date").set_value("added")
    at.number_input(key="lab.search.boost.days").set_value(7)
    at.slider(key="lab.search.boost.date_weight").set_value(1.0).run()
    assert _listed(at, "lab.search.card.personal.")[0] == str(to_uuid("c"))  # the newest
    assert any("time decay of added" in c.value.replace("\\", "") for c in at.caption)
