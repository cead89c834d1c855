"""The Recommend page's blend (AppTest): auto ranks with blend once a behaviour model is trained, the
weights in use and their overrides reach ``get_objects``, each item's score parts are drawn, and the
behaviour model panel retrains (and tunes) in the background, or says why it cannot.

Each test uses a fresh shared workspace with the workshop catalog, twelve cooks who each like five
dishes of one cuisine and persona "Pat" (three likes), all made through the public API; no LLM is
configured, so the local agent ranks.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import BlendWeights, Persona, PersonaInteraction, WorkspaceRef, display_title, to_uuid
from lab.behaviour_ui import job_key
from lab.resources import eval_jobs, workspaces

from .conftest import APP, lab_workspace, use_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]

PAGE = "pages/3_recommend.py"
LIMIT = 6
SETTINGS = {"lab.recommend.limit": LIMIT, "lab.decay_rate": 0.0}
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
PAT = ("spaghetti-carbonara", "cacio-e-pepe", "penne-arrabbiata")


def kitchen(cooks: int = 12) -> tuple[str, object, object]:
    """A shared workshop workspace with ``cooks`` personas (five dishes of one cuisine each) and Pat (three of
    the first cook's dishes; alone, three pasta dishes)."""
    name = f"test-blend-{uuid.uuid4().hex[:10]}"
    ws = lab_workspace(name)
    agent = ws.agent(ws.ensure("Workshop"))
    cuisines: dict[str, list] = {}
    by_id = {}
    for item in agent.store.iter_items("Workshop"):
        cuisines.setdefault(item.properties["cuisine"], []).append(item.uuid)
        by_id[item.properties["original_id"]] = item.uuid
    big = sorted(c for c, dishes in cuisines.items() if len(dishes) >= 6)
    rng = np.random.default_rng(0)
    rows = [PersonaInteraction(persona_id=to_uuid(f"{name}-cook-{n}"), item_id=dish, weight=1.0,
                               created_at=START + timedelta(days=d))
            for n in range(cooks) for d, dish in enumerate(rng.permutation(cuisines[big[n % len(big)]])[:5])]
    pat = to_uuid(f"{name}-pat")
    agent.add_persona(Persona(persona_id=pat, properties={"name": "Pat"}))
    liked = [r.item_id for r in rows[:3]] if cooks else [by_id[d] for d in PAT]  # three of the first cook's dishes
    rows += [PersonaInteraction(persona_id=pat, item_id=item, weight=1.0, created_at=START) for item in liked]
    agent.add_interactions(rows)
    return name, agent, pat


def open_page(name: str, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    use_workspace(at, name, "Workshop")
    at.session_state["lab.persona"] = "Pat"
    for key, value in {**SETTINGS, **state}.items():
        at.session_state[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def listed(at: AppTest, prefix: str = "lab.recommend.card.vector.") -> list[str]:
    return [b.key[len(prefix):-len(".like")] for b in at.button if b.key and b.key.startswith(prefix)
            and b.key.endswith(".like")]


def engine(agent, pid, **extra) -> list[str]:
    response = agent.get_objects(pid, use_agent_ranking=False, limit=LIMIT, decay_rate=0.0, **extra)
    return [str(o.uuid) for o in response.objects]


def texts(elements) -> str:
    return " ".join(e.value for e in elements).replace("\\", "")


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def parts_chart(at: AppTest) -> dict:
    [chart] = [c for c in at.get("plotly_chart") if "made of" in json.loads(c.proto.spec)["layout"]["title"]["text"]]
    return json.loads(chart.proto.spec)


def settle(at: AppTest, name: str, timeout: float = 120) -> AppTest:
    """Wait for the workspace's training job to end, then rerun the page (as its polling does)."""
    ws = workspaces().open(WorkspaceRef.shared(name))
    job = eval_jobs().get(job_key(ws, "Workshop"))
    assert job is not None, "no training job was started"
    deadline = time.monotonic() + timeout
    while job.status().running and time.monotonic() < deadline:
        at.run()  # the page keeps being served meanwhile
        assert not at.exception, at.exception
        time.sleep(0.2)
    assert not job.status().running, "the training job did not end in time"
    at.run()
    assert not at.exception, at.exception
    return at


def test_auto_ranks_with_blend_once_trained_and_draws_each_items_score_parts():
    name, agent, pat = kitchen()
    at = open_page(name)
    strategy = at.selectbox(key="lab.recommend.strategy")
    assert strategy.value == "auto" and strategy.options[:2] == ["auto (blend once trained)", "blend"]
    assert agent.behaviour_status().trained  # the first request trained it (cheap here)
    assert listed(at) == engine(agent, pat)  # the page's list is get_objects' default
    assert "auto → blend" in texts(at.caption)
    assert at.slider(key="lab.recommend.popularity").proto.disabled  # the blend's own popularity applies
    response = agent.get_objects(pat, use_agent_ranking=False, limit=LIMIT, decay_rate=0.0)
    spec = parts_chart(at)
    by_part = {trace["name"].split(" ")[0]: trace["x"] for trace in spec["data"]}
    assert by_part["content"] == pytest.approx([o.signals["content_part"] for o in response.objects], abs=1e-6)
    assert by_part["behaviour"] == pytest.approx([o.signals["behaviour_part"] for o in response.objects], abs=1e-6)
    totals = [sum(values) for values in zip(*by_part.values())]
    assert totals == pytest.approx([o.score for o in response.objects], abs=1e-5)  # the parts add up to the score
    assert any(o.signals.get("because_of") for o in response.objects)
    assert "People who liked" in texts(at.caption)  # the explanations name the collaborative part
    [table] = [d.value for d in at.dataframe if "behaviour" in d.value.columns]
    assert list(table.title) == [display_title(o.properties) for o in response.objects]
    assert "**Blend weights** · in use: the defaults stored with the model (not tuned yet)" in texts(at.markdown)


def test_overrides_reach_get_objects_and_reset_returns_to_the_stored_weights():
    name, agent, pat = kitchen()
    at = open_page(name)
    stored = BlendWeights.model_validate(agent.behaviour_status().meta["blend"])
    assert at.slider(key="lab.recommend.blend.content.Workshop").value == pytest.approx(stored.content)
    at.slider(key="lab.recommend.blend.content.Workshop").set_value(1.5)
    at.slider(key="lab.recommend.blend.behaviour.Workshop").set_value(0.0)
    at.radio(key="lab.recommend.blend.query.Workshop").set_value("binary").run()
    assert not at.exception, at.exception
    overridden = engine(agent, pat, blend={"content": 1.5, "behaviour": 0.0, "query": "binary"})
    assert listed(at) == overridden != engine(agent, pat)
    assert "Overridden for these requests: content 1.5, behaviour 0, query binary" in texts(at.caption)
    trace = [s for s in agent.get_objects(pat, use_agent_ranking=False, limit=LIMIT, decay_rate=0.0,
                                          blend={"content": 1.5}).trace if s.name == "vector_search"][0]
    assert trace.details["blend_source"] == "request"
    assert not any(t["name"].startswith("behaviour") and any(t["x"]) for t in parts_chart(at)["data"])
    at.button(key="lab.recommend.blend.reset").click().run()
    assert at.slider(key="lab.recommend.blend.content.Workshop").value == pytest.approx(stored.content)
    assert listed(at) == engine(agent, pat) and button(at, "Reset to the stored weights").disabled
    at.slider(key="lab.recommend.blend.popularity.Workshop").set_value(0.3).run()
    assert listed(at) == engine(agent, pat, blend={"popularity": 0.3})
    at.button(key="lab.recommend.reset").click().run()  # every control back to its default: the stored weights
    assert at.slider(key="lab.recommend.blend.popularity.Workshop").value == pytest.approx(stored.popularity)
    assert at.radio(key="lab.recommend.blend.query.Workshop").value == stored.query


def test_a_link_carries_the_blend_overrides():
    name, agent, pat = kitchen()
    at = open_page(name)
    at.slider(key="lab.recommend.blend.content.Workshop").set_value(0.7).run()
    assert at.query_params["content"] == "0.7" and "behaviour" not in at.query_params
    fresh = AppTest.from_file(APP, default_timeout=60)
    use_workspace(fresh, name, "Workshop")
    fresh.query_params.update({"content": "0.7", "query": "binary", "persona": "Pat", "limit": str(LIMIT),
                               "decay": "0"})
    fresh.switch_page(PAGE).run()
    assert not fresh.exception, fresh.exception
    assert fresh.slider(key="lab.recommend.blend.content.Workshop").value == pytest.approx(0.7)
    assert listed(fresh) == engine(agent, pat, blend={"content": 0.7, "query": "binary"})


def test_tune_and_retrain_runs_in_the_background_and_the_tuned_weights_are_shown():
    name, agent, pat = kitchen()
    at = open_page(name)
    at.number_input(key="lab.behaviour.users").set_value(8)  # of the 13 personas
    button(at, "Tune and retrain").click().run()
    assert not at.exception, at.exception
    settle(at, name)
    meta = agent.behaviour_status().meta
    assert meta["tuning"]["users"] == 8
    success = texts(at.success)
    assert success.startswith("Tuned on 8 validation users over ") and f"{meta['tuning']['validation']:.4f}" in success
    assert "**Blend weights** · in use: tuned on validation" in texts(at.markdown)
    assert f"Validation NDCG {meta['tuning']['validation']:.4f}" in texts(at.caption)
    tuned = BlendWeights.model_validate(meta["blend"])
    assert at.slider(key="lab.recommend.blend.content.Workshop").value == pytest.approx(tuned.content)
    assert at.slider(key="lab.recommend.blend.popularity.Workshop").value == pytest.approx(tuned.popularity)
    assert button(at, "Reset to tuned").disabled
    assert listed(at) == engine(agent, pat)


def test_new_likes_make_the_model_stale_and_retrain_brings_it_up_to_date():
    name, agent, pat = kitchen()
    at = open_page(name)
    trained_on = agent.behaviour_status().trained_on
    dishes = [i.uuid for i in agent.store.iter_items("Workshop")][:4]
    agent.add_interactions([PersonaInteraction(persona_id=pat, item_id=d, weight=1.0) for d in dishes])
    at.run()
    status = agent.behaviour_status()
    assert status.stale and "**Behaviour model** · 12 dims, trained " in texts(at.markdown)
    assert "stale: +4 interactions since training" in texts(at.markdown)
    assert "Interactions changed since training" in texts(at.warning)
    button(at, "Retrain").click().run()
    settle(at, name)
    status = agent.behaviour_status()
    assert not status.stale and status.trained_on == trained_on + 4
    assert "Retrained in " in texts(at.success) and "; up to date" in texts(at.markdown)


def test_a_protected_workspace_says_why_it_cannot_retrain():
    name, agent, pat = kitchen()
    open_page(name)  # trains the model while the workspace is writable
    workspaces().set_passcode(WorkspaceRef.shared(name), "tulip-42")
    at = open_page(name)
    assert button(at, "Retrain").disabled and button(at, "Tune and retrain").disabled
    assert f"Read-only: shared workspace '{name}' is protected by a passcode" in texts(at.caption)
    assert listed(at) == engine(agent, pat)  # it still ranks with the stored model


def test_without_a_model_auto_ranks_with_centroid_and_says_so():
    name, agent, pat = kitchen(cooks=0)  # Pat alone: too few personas to learn from
    at = open_page(name)
    assert not agent.behaviour_status().trained
    assert "auto → centroid" in texts(at.caption) and "until a behaviour model is trained" in texts(at.caption)
    assert listed(at) == engine(agent, pat, popularity_weight=0.5)
    assert not at.slider(key="lab.recommend.popularity").proto.disabled
    assert not [c for c in at.get("plotly_chart") if "made of" in c.proto.spec]
