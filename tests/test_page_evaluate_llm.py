"""The Evaluate page's LLM reranking (AppTest): skipped with a message without an LLM; with one, the
cost is estimated (nothing sent), confirmed, and the run stays within it and says what it used.

The LLM is ``devtools/fake_openai.py`` (a real HTTP server on 127.0.0.1, driven by the real ``openai``
client with a session key), so the replies and the calls can be counted exactly.
"""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from devtools.fake_openai import FakeOpenAI, Reply

from .conftest import open_lab_page
from .test_page_evaluate import PAGE, RUN, button, kitchen, texts

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]

PLAN = json.dumps({"searches": [{"query": "spicy curry", "reason": "The cook likes this kind of dish."}]})
RERANK = json.dumps({"ranking": [{"id": f"c{i}"} for i in (3, 1, 2, 5, 4, 6, 7, 8, 9, 10)],
                     "rationale": "Closest to what the cook liked first."})
EXPANDER = "LLM reranking on a few users (costs calls; estimated and confirmed first)"


def open_page(name: str, **state) -> AppTest:
    return open_lab_page(PAGE, name, timeout=90, **state)


def finish(at: AppTest, timeout: float = 240) -> AppTest:
    """Rerun ``at`` until the job has ended (the page shows warnings of its own before that)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception, at.exception
        if at.success or at.error:
            return at
        time.sleep(0.3)
    raise AssertionError("the evaluation did not end in time")


def test_without_an_llm_the_section_says_how_to_configure_one():
    at = open_page(kitchen(6))
    shown = texts(at.info)
    assert "no LLM is configured" in shown and "OPENAI_API_KEY" in shown and "OPENAI_BASE_URL" in shown
    assert not [c for c in at.checkbox if c.key == "lab.eval.llm.on"]


def test_the_llm_run_is_estimated_confirmed_and_kept_within_its_budget(tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONALIZATION_LLM_CACHE", str(tmp_path))
    name = kitchen(10)
    with FakeOpenAI() as fake:
        fake.script(Reply(PLAN), Reply(RERANK), Reply(PLAN), Reply(RERANK), Reply(PLAN), Reply(RERANK))
        at = open_page(name, **{"lab.llm_key": "sk-test", "lab.llm_base_url": fake.url, "lab.llm_model": "fake-model"})
        at.multiselect(key="lab.eval.baselines").set_value([])
        at.checkbox(key="lab.eval.llm.on").check().run()
        at.number_input(key="lab.eval.llm.users").set_value(3).run()
        assert "Estimate the cost before running." in texts(at.caption)
        assert not [c for c in at.checkbox if c.key == "lab.eval.llm.confirm"]  # nothing to confirm yet
        button(at, "Estimate the cost").click().run()
        assert not at.exception, at.exception
        estimate = at.code[0].value
        assert "LLM reranking with fake-model" in estimate and "on 3 users" in estimate and "6 calls" in estimate
        assert fake.requests == []  # estimating sends nothing
        at.number_input(key="lab.eval.llm.calls").set_value(4).run()  # a smaller budget than the estimate
        assert "settings changed since the last estimate" in texts(at.caption)
        button(at, "Estimate the cost").click().run()
        assert "at most 4 are allowed" in texts(at.warning)
        confirm = at.checkbox(key="lab.eval.llm.confirm")
        assert confirm.label == "Run it: at most 4 calls and no limit of tokens"
        confirm.check().run()
        button(at, RUN).click().run()
        finish(at)
        assert "Done: 2 step(s)" in texts(at.success), texts(at.error)
        assert len(fake.requests) <= 4  # the budget held
        runs = list(at.dataframe[0].value.run)
        assert runs == ["auto · decay 0.1 · recent 100", "auto · decay 0.1 · recent 100 · agent · LLM on 3 users"]
        used = texts(at.caption)
        assert "LLM calls (estimated 6)" in used and "partial: 2 of 3 users before the budget ran out" in used
