"""Smoke test over app.py and every page with Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ["pages/catalog.py", "pages/personas.py", "pages/recommend.py", "pages/search.py", "pages/explore.py"]


@pytest.fixture(autouse=True)
def no_llm(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_app_opens_on_the_catalog_of_a_sample():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "Movies" in captions and "9,742 items" in captions and "local agent (no LLM)" in captions


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_workshop_catalog(page):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lab.catalog"] = "workshop"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert "Workshop" in " ".join(c.value for c in at.sidebar.caption)
