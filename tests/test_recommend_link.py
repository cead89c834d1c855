"""Recommend's settings in the URL: checked on the way in, written back on every run.

``decode`` / ``encode`` are pure and checked directly; AppTest (``at.query_params``) drives the
real page: a link's good values reach the controls and the engine, bad ones are warnings naming
the parameter with the control at its default, and the page writes only its own parameters.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from core import Persona, PersonaInteraction, build_filter, parse_condition, to_uuid
from lab import recommend_link as link
from lab import resources

from .conftest import APP, lab_workspace, use_workspace

DEFAULTS = {"limit": 10, "recent": 100, "decay": 0.1, "popularity": 0.5, "strategy": "auto",
            "exclude_interacted": True, "explain": True, "agent": True, "instruction": ""}
ITEM = "00000000-0000-0000-0000-000000000001"


def _decode(**query):
    return link.decode({k: v if isinstance(v, list) else [v] for k, v in query.items()},
                       properties=["course", "title"], items=[ITEM], personas={"Pat": "Pat", "pid-1": "Pat"})


def test_good_values_are_read_with_their_types():
    out = _decode(limit="4", recent="55", decay="0.35", popularity="0", strategy="knn", exclude_interacted="false",
                  explain="FALSE", agent="true", instruction="something sweet", where=["course=dessert", "title~x"],
                  exclude=ITEM, persona="Pat", content="0.3", behaviour="2", blend_popularity="0.05", query="binary")
    assert out.problems == []
    assert out.values == {"limit": 4, "recent": 55, "decay": 0.35, "popularity": 0.0, "strategy": "knn",
                          "content": 0.3, "behaviour": 2.0, "blend_popularity": 0.05, "query": "binary",
                          "exclude_interacted": False, "explain": False, "agent": True,
                          "instruction": "something sweet", "where": ["course=dessert", "title~x"], "exclude": [ITEM]}
    assert out.persona == "Pat" and _decode(persona="pid-1").persona == "Pat"  # by name or by id


@pytest.mark.parametrize(("name", "value", "why"), [
    ("limit", "abc", "whole number from 1 to 50"), ("limit", "0", "from 1 to 50"), ("limit", "51", "to 50"),
    ("limit", "4.5", "whole number"), ("limit", "true", "whole number"), ("recent", "", "whole number"),
    ("decay", "1.5", "number from 0 to 1"), ("decay", "nan", "number"), ("decay", "-0.1", "from 0 to 1"),
    ("popularity", "4", "from 0 to 3"), ("strategy", "best", "auto, blend, centroid, knn, multi_interest"),
    ("content", "11", "from 0 to 10"), ("query", "fuzzy", "graded, binary"),
    ("agent", "yes", "true or false"), ("explain", "1", "true or false"),
    ("instruction", "x" * 1001, "at most 1000"), ("where", "nope=1", "no property 'nope'"),
    ("where", "course>main", "needs a number"), ("where", "course", "bad condition"),
    ("exclude", "not-an-item", "no item with that id"), ("persona", "Nobody", "no persona"),
])
def test_a_bad_value_is_a_problem_naming_the_parameter_and_is_not_used(name, value, why):
    out = _decode(**{name: value})
    [(param, given, reason)] = out.problems
    assert (param, given) == (name, value) and why in reason
    assert out.values.get(name) in (None, []) and out.persona is None


def test_lists_keep_their_good_entries_once():
    out = _decode(where=["course=main", "nope=1", "course=main"], exclude=[ITEM, "other"])
    assert out.values == {"where": ["course=main"], "exclude": [ITEM]} and len(out.problems) == 2


def test_encode_writes_only_what_differs_from_the_defaults_and_reads_back():
    values = {**DEFAULTS, "limit": 4, "decay": 0.15000000000000002, "agent": False, "instruction": "light",
              "where": ["course=dessert"], "exclude": []}
    query = link.encode(values, DEFAULTS)
    assert query == {"limit": "4", "decay": "0.15", "agent": "false", "instruction": "light",
                     "where": ["course=dessert"]}
    back = _decode(**query).values
    assert back == {"limit": 4, "decay": 0.15, "agent": False, "instruction": "light", "where": ["course=dessert"]}
    assert link.encode(DEFAULTS, DEFAULTS) == {}


# --- the real page -------------------------------------------------------------------------------

@pytest.fixture
def lab():
    """A shared workshop workspace with personas "Ann" (listed first) and "Pat" (two likes)."""
    name = f"test-link-{uuid.uuid4().hex[:10]}"
    ws = lab_workspace(name)
    agent = ws.agent("Workshop")
    by_id = {i.properties["original_id"]: i.uuid for i in ws.store.iter_items("Workshop")}
    for who in ("Ann", "Pat"):
        agent.add_persona(Persona(persona_id=to_uuid(f"{name}-{who}"), properties={"name": who}))
    pat = to_uuid(f"{name}-Pat")
    agent.add_interactions([PersonaInteraction(persona_id=pat, item_id=by_id[i], weight=1.0)
                            for i in ("spaghetti-carbonara", "cacio-e-pepe")])
    return name, agent, pat, by_id


def _open(name: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    use_workspace(at, name, "Workshop")
    at.query_params.update(query)
    at.switch_page("pages/3_recommend.py").run()
    assert not at.exception, at.exception
    return at


def _vector_list(at: AppTest) -> list[str]:
    prefix = "lab.recommend.card.vector."
    return [b.key[len(prefix):-len(".like")] for b in at.button if b.key and b.key.startswith(prefix)
            and b.key.endswith(".like")]




@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.usefixtures("no_llm")
def test_a_link_sets_the_controls_and_the_persona(lab):
    name, agent, pat, by_id = lab
    excluded = str(by_id["tiramisu"])
    at = _open(name, limit="4", decay="0.3", strategy="knn", agent="false", where="course=dessert",
               exclude=excluded, persona="Pat", utm="newsletter")
    assert not at.warning
    assert at.sidebar.selectbox(key="lab.persona").value == "Pat"
    assert at.slider(key="lab.recommend.limit").value == 4
    assert at.slider(key="lab.recommend.decay_rate").value == pytest.approx(0.3)
    assert at.selectbox(key="lab.recommend.strategy").value == "knn"
    assert at.toggle(key="lab.recommend.use_agent").value is False
    assert at.multiselect(key="lab.recommend.exclude.Workshop").value == [excluded]
    expected = agent.get_objects(pat, limit=4, decay_rate=0.3, strategy="knn", use_agent_ranking=False,
                                 exclude_items=[excluded], filters=build_filter([parse_condition("course=dessert")]))
    assert _vector_list(at) == [str(o.uuid) for o in expected.objects] and len(expected.objects) == 4
    assert at.query_params["utm"] == "newsletter"  # not this page's parameter: left alone
    assert at.query_params["shared"] == name  # the workspace is in the address too
    assert not any("defaults" in m.value for m in at.markdown)  # the DEFAULTS comment is not printed (magic)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.usefixtures("no_llm")
def test_bad_values_are_warnings_and_the_controls_keep_their_defaults(lab):
    name, *_ = lab
    at = _open(name, limit="lots", decay="2", strategy="best", agent="maybe", persona="Nobody", popularity="1")
    warnings = " ".join(w.value for w in at.warning)
    for param in ("`limit`", "`decay`", "`strategy`", "`agent`", "`persona`"):
        assert param in warnings
    assert at.slider(key="lab.recommend.limit").value == 10
    assert at.slider(key="lab.recommend.decay_rate").value == pytest.approx(0.1)
    assert at.selectbox(key="lab.recommend.strategy").value == "auto"
    assert at.toggle(key="lab.recommend.use_agent").value is True
    assert at.slider(key="lab.recommend.popularity").value == 1.0  # the good one still applies
    assert at.sidebar.selectbox(key="lab.persona").value == "Ann"
    assert at.query_params == {"popularity": "1", "persona": "Ann", "shared": name, "collection": "Workshop"}
    # (rewritten from what the page shows; the workspace and collection are the sidebar's)
    at.run()
    assert not at.warning  # said once


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.usefixtures("no_llm")
def test_each_run_writes_the_non_default_controls_and_the_link(lab):
    name, *_ = lab
    at = _open(name)
    place = {"shared": name, "collection": "Workshop"}
    assert at.query_params == {"persona": "Ann", **place}
    at.slider(key="lab.recommend.limit").set_value(3)
    at.text_input(key="lab.recommend.instruction").input("light & quick").run()
    assert at.query_params == {"limit": "3", "instruction": "light & quick", "persona": "Ann", **place}
    [shown] = [c.value for c in at.code if c.value.startswith("/recommend?")]  # st.context.url is None in AppTest
    assert dict(parse_qsl(urlsplit(shown).query)) == at.query_params
    at.query_params["limit"] = "7"  # read on the session's first run only, not on every run
    at.run()
    assert at.slider(key="lab.recommend.limit").value == 3 and at.query_params["limit"] == "3"
    at.button(key="lab.recommend.reset").click().run()
    assert at.query_params == {"persona": "Ann", **place}


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.usefixtures("no_llm")
def test_the_link_checks_use_the_ranges_of_the_pages_widgets(lab):
    name, *_ = lab
    at = _open(name)
    for key, param in (("limit", "limit"), ("decay_rate", "decay"), ("popularity", "popularity")):
        proto = at.slider(key=f"lab.recommend.{key}").proto
        assert not _decode(**{param: f"{proto.min:g}"}).problems and not _decode(**{param: f"{proto.max:g}"}).problems
        assert _decode(**{param: f"{proto.max + 1:g}"}).problems and _decode(**{param: f"{proto.min - 1:g}"}).problems
    recent = at.number_input(key="lab.recommend.recent").proto
    assert not _decode(recent=f"{recent.min:g}").problems and not _decode(recent=f"{recent.max:g}").problems
    assert _decode(recent=f"{recent.max + 1:g}").problems
