"""The Evaluate page (AppTest) on the workshop catalog: a run to completion with its table, charts and
JSON; a sweep's validation curve; cancel; reconnecting from a second session; bad-input errors."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from streamlit.testing.v1 import AppTest

from core import Persona, PersonaInteraction, to_uuid
from lab.resources import eval_jobs

from .conftest import APP, lab_workspace, use_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]

PAGE = "pages/7_evaluate.py"
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
RUN, CANCEL = "Run the evaluation", "Cancel"


def kitchen(cooks: int, likes: int = 8) -> str:
    """A new shared workspace whose ``cooks`` personas each like ``likes`` dishes of one cuisine of the
    workshop catalog, a day apart (so a temporal split holds out the latest ones)."""
    name = f"test-eval-{uuid.uuid4().hex[:8]}"
    agent = lab_workspace(name).agent("Workshop")
    cuisines: dict[str, list] = {}
    for item in agent.store.iter_items("Workshop"):
        cuisines.setdefault(item.properties["cuisine"], []).append(item.uuid)
    big = sorted(c for c, dishes in cuisines.items() if len(dishes) >= likes)
    for n in range(cooks):
        pid = to_uuid(f"{name}-cook-{n}")
        agent.add_persona(Persona(persona_id=pid, properties={"name": f"Cook {n}"}))
        dishes = cuisines[big[n % len(big)]]
        agent.add_interactions([PersonaInteraction(persona_id=pid, item_id=dishes[(n + d) % len(dishes)], weight=1.0,
                                                   created_at=START + timedelta(days=d)) for d in range(likes)])
    return name


def open_page(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    use_workspace(at, name, "Workshop")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def settle(at: AppTest, timeout: float = 120) -> AppTest:
    """Rerun ``at`` (as the page's polling does) until the job has ended and its outcome shows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception, at.exception
        if at.success or at.warning or at.error:
            return at
        time.sleep(0.3)
    raise AssertionError("the evaluation did not end in time")


def texts(elements) -> str:
    """The elements' text as shown (``lab.cards.plain`` escapes Markdown punctuation with backslashes)."""
    return " ".join(e.value for e in elements).replace("\\", "")


def test_a_run_on_the_workspaces_personas_shows_a_table_charts_an_ab_and_the_json():
    name = kitchen(12)
    at = open_page(name)
    assert at.radio(key="lab.eval.source").options == ["this workspace's personas", "an interaction log file I upload"]
    at.multiselect(key="lab.eval.strategies").set_value(["centroid", "knn"])
    at.multiselect(key="lab.eval.baselines").set_value(["random", "most_popular"])
    button(at, RUN).click().run()
    settle(at)
    assert "Done: 4 step(s)" in texts(at.success), texts(at.error)
    table = at.dataframe[0].value
    assert list(table.run) == ["centroid · decay 0.1 · recent 100", "knn · decay 0.1 · recent 100", "random",
                               "most popular"]
    assert list(table.kind) == ["engine", "engine", "baseline", "baseline"]
    assert set(table.users) == {12} and (table.seconds >= 0).all()
    ndcg = table["NDCG@10 [95% CI]"]
    assert all(cell.count("[") == 1 and "," in cell for cell in ndcg)
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # the runs side by side, the A/B
    runs_chart = json.loads(charts[0].proto.spec)
    bars = [y for trace in runs_chart["data"] for y in trace["y"]]
    assert bars == list(table.run) and all("error_x" in trace for trace in runs_chart["data"])
    ab = json.loads(charts[1].proto.spec)
    assert ab["data"][0]["y"] == ["NDCG", "Recall", "HitRate", "MRR"]
    a, b = (next(s for s in at.selectbox if s.label == side) for side in "AB")
    assert (a.value, b.value) == ("most popular", "centroid · decay 0.1 · recent 100")  # better than the popular?
    a.set_value("centroid · decay 0.1 · recent 100").run()  # A = B
    same = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][0]
    assert same["x"] == [0, 0, 0, 0] and all(lo <= 0 <= hi for lo, hi in zip(same["error_x"]["arrayminus"],
                                                                              same["error_x"]["array"]))
    assert [b.label for b in at.get("download_button")] == ["Download results (JSON)"]
    report = json.loads(_download(at))  # what the button offers
    assert report["collection"] == "Workshop" and report["users"] == 12 and report["settings"]["source"]
    assert report["protocol"]["split"] == "temporal" and [r["name"] for r in report["runs"]] == list(table.run)
    assert report["versions"]["numpy"]


def _download(at: AppTest) -> str:
    from lab.eval_results import report
    job = eval_jobs().get((at.session_state["lab.ws"], "Workshop"))
    return json.dumps(report(job, job.status()), allow_nan=False)


def test_a_sweep_is_tuned_on_validation_and_drawn_as_a_curve_with_the_chosen_point():
    at = open_page(kitchen(12))
    at.slider(key="lab.eval.validation_fraction").set_value(0.25)
    at.multiselect(key="lab.eval.baselines").set_value([])
    at.toggle(key="lab.eval.sweep").set_value(True).run()
    at.text_input(key="lab.eval.sweep.values.decay_rate").set_value("0, 1").run()
    button(at, RUN).click().run()
    settle(at)
    assert "Done: 2 step(s)" in texts(at.success), texts(at.error)
    runs = list(at.dataframe[0].value.run)
    assert runs[0] == "auto · decay 0.1 · recent 100" and runs[1].startswith("sweep best: auto · decay ")
    assert len(runs) == 2  # the sweep's base is the engine step's own configuration, on the same users
    curve = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert curve["data"][0]["x"] == [0, 1] and curve["data"][0]["name"] == "validation"
    assert [t["name"] for t in curve["data"][1:]] == [curve["data"][1]["name"], "chosen, on test"]
    assert curve["data"][1]["name"].startswith("chosen: ")


def test_blends_are_compared_as_configurations_and_a_blend_weight_is_swept():
    at = open_page(kitchen(12))
    at.multiselect(key="lab.eval.strategies").set_value(["auto", "centroid"])
    at.multiselect(key="lab.eval.content").set_value([None, 0.4])
    at.multiselect(key="lab.eval.behaviour").set_value([None, 0.0]).run()
    at.multiselect(key="lab.eval.baselines").set_value([])
    at.slider(key="lab.eval.validation_fraction").set_value(0.25)
    at.toggle(key="lab.eval.sweep").set_value(True).run()
    at.selectbox(key="lab.eval.sweep.parameter").set_value("behaviour_query").run()
    assert at.text_input(key="lab.eval.sweep.values.behaviour_query").value == "graded, binary"
    assert "5 engine configuration(s)" in texts(at.caption)  # the blend's weights do not cross centroid
    button(at, RUN).click().run()
    settle(at)
    assert "Done: 6 step(s)" in texts(at.success), texts(at.error)
    runs = list(at.dataframe[0].value.run)
    base = "auto · decay 0.1 · recent 100"
    assert runs[:5] == [base, f"{base} · behaviour 0", f"{base} · content 0.4", f"{base} · content 0.4 · behaviour 0",
                        "centroid · decay 0.1 · recent 100"]
    assert re.fullmatch(f"sweep best: {base} · (graded|binary) query \\(tuned on validation\\)", runs[5]), runs[5]
    curve = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert curve["data"][0]["x"] == ["graded", "binary"] and curve["layout"]["xaxis"]["type"] == "category"


def test_cancel_stops_the_run_and_keeps_what_finished():
    name = kitchen(60)
    at = open_page(name)
    at.multiselect(key="lab.eval.strategies").set_value(["centroid", "knn", "multi_interest"])
    at.multiselect(key="lab.eval.decays").set_value([0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0])
    button(at, RUN).click().run()
    assert at.get("progress"), "no progress bar while the job runs"
    assert button(at, RUN).disabled
    other = open_page(name)  # a reload or a second tab of the same workspace
    assert other.get("progress") and button(other, RUN).disabled
    button(at, CANCEL).click().run()
    settle(at)
    assert "The evaluation was cancelled" in texts(at.warning)
    status = eval_jobs().get((at.session_state["lab.ws"], "Workshop")).status()
    assert status.state == "cancelled" and len(status.results) < status.steps
    settle(other)
    assert "cancelled" in texts(other.warning) and not button(other, RUN).disabled


def test_bad_input_is_named_before_anything_runs():
    at = open_page(kitchen(0))
    assert "no personas of Workshop yet" in texts(at.error) and button(at, RUN).disabled
    at = open_page(kitchen(12))
    at.toggle(key="lab.eval.sweep").set_value(True).run()
    button(at, RUN).click().run()
    assert "A sweep is tuned on the validation split: set a validation fraction above 0" in texts(at.error)
    at.text_input(key="lab.eval.sweep.values.decay_rate").set_value("0, fast").run()
    assert "'fast' is not a number" in texts(at.error)
    at.toggle(key="lab.eval.sweep").set_value(False).run()
    at.multiselect(key="lab.eval.strategies").set_value([])
    at.multiselect(key="lab.eval.baselines").set_value([]).run()
    button(at, RUN).click().run()
    assert "Choose at least one engine configuration, baseline or sweep" in texts(at.error)


def test_too_few_users_is_said_when_the_run_starts():
    at = open_page(kitchen(3))
    button(at, RUN).click().run()
    settle(at)
    assert "could not start: only 3 user(s)" in texts(at.error) and "at least 5 are needed" in texts(at.error)


ITALIAN = ("spaghetti-carbonara", "cacio-e-pepe", "penne-arrabbiata", "spaghetti-aglio-olio", "lasagne-bolognese",
           "tagliatelle-ragu", "spaghetti-vongole", "trofie-pesto", "pasta-alla-norma", "bucatini-amatriciana")


def test_an_uploaded_log_without_times_needs_the_random_split_and_then_runs():
    at = open_page(kitchen(0))
    at.radio(key="lab.eval.source").set_value("upload").run()
    rows = ["user,item"] + [f"u{u},{ITALIAN[(u + d) % len(ITALIAN)]}" for u in range(8) for d in range(6)]
    at.file_uploader(key="lab.eval.file").upload("log.csv", "\n".join(rows).encode(), "text/csv").run()
    assert not at.exception, at.exception
    button(at, RUN).click().run()
    assert "This log has no timestamps, so a temporal split cannot order it" in texts(at.error)
    at.selectbox(key="lab.eval.protocol").set_value("random").run()
    button(at, RUN).click().run()
    settle(at)
    assert "Done: 3 step(s)" in texts(at.success), texts(at.error)
    table = at.dataframe[0].value
    assert set(table.users) == {8}
    assert "log.csv" in texts(at.caption)
