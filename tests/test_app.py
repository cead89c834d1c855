"""Smoke test of the lab's placeholder page with Streamlit's AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def test_app_opens_on_a_sample_catalog():
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Personalization Lab"
    assert "Movies" in at.sidebar.caption[0].value and "9,742 items" in at.sidebar.caption[0].value
    frame = at.dataframe[0].value
    assert len(frame) == 50 and "title" in frame.columns


def test_switching_catalog_shows_its_items():
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    at.sidebar.selectbox[0].select("workshop").run()
    assert not at.exception
    assert "Workshop" in at.sidebar.caption[0].value
