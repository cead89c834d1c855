"""End to end in a real browser: every URL as a fresh server's first request, then the walkthrough
catalog -> persona -> likes -> recommendations, with screenshots; a Recommend link with its
settings, and a session key that counts only after "Use this key".

Starts the lab on 127.0.0.1 and drives Debian's Chromium with playwright. Screenshots go to
``tmp_path``; with ``UPDATE_SCREENSHOTS=1`` they also refresh ``docs/screenshots/`` (the README's).
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from devtools.fake_openai import FakeOpenAI, Reply

from .browser import CHROMIUM, CHROMIUM_ARGS, ROOT, lab_server

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

SHOTS = ROOT / "docs" / "screenshots"
WAIT_MS = 90_000
MENU = ["Start", "Catalog", "Personas", "Recommend", "Search", "Explore", "Workspace", "Evaluate"]
VIEWPORT = {"width": 1440, "height": 1000}
# Streamlit's "centered" layout caps the page body at 736 px; "wide" lets it fill the window.
CENTERED_MAX_PX = 736


def shoot(page, tmp_path: Path, name: str) -> None:
    page.wait_for_timeout(500)  # let charts finish drawing
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS / path.name)


def go(page, name: str) -> None:
    page.get_by_role("link", name=name).first.click()
    expect(page.get_by_role("heading", name=name).first).to_be_visible(timeout=WAIT_MS)


@contextmanager
def fresh_lab(path: str = ""):
    """A newly started lab server whose very first request is ``path``; the browser page."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does)")
    with lab_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url + path)
        try:
            yield page
        finally:
            browser.close()


def check_chrome(page, label: str, heading: str | None = None) -> None:
    """The page called ``label`` (its heading: ``heading``, default the label) rendered with the lab's
    menu (labels in order), not Streamlit's file-name menu, in the wide layout, with the shared sidebar."""
    expect(page.get_by_role("heading", name=heading or label).first).to_be_visible(timeout=WAIT_MS)
    links = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]')
    labels = [links.nth(i).locator('[data-testid="stMarkdownContainer"]').inner_text() for i in range(links.count())]
    assert labels == MENU
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0, "Streamlit's file-name menu is shown"
    body = page.locator('[data-testid="stMainBlockContainer"]')
    assert body.evaluate("e => getComputedStyle(e).maxWidth") == "none"
    assert body.bounding_box()["width"] > CENTERED_MAX_PX + 200
    expect(page.get_by_text("Agent: local agent (no LLM)").first).to_be_visible(timeout=WAIT_MS)
    assert page.title() == f"{label} · Personalization Lab"


def test_recommend_deep_link_is_a_fresh_servers_first_request():
    with fresh_lab("/recommend") as page:
        check_chrome(page, "Recommend")
        assert urlsplit(page.url).path == "/recommend"  # (its query names the new private workspace)
        page.get_by_role("button", name="Add the demo persona Sci-fi fan").click(timeout=WAIT_MS)
        expect(page.get_by_role("heading", name="Vector-only").first).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_role("heading", name="Agent-reranked").first).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("#1 ·").first).to_be_visible(timeout=WAIT_MS)
        assert urlsplit(page.url).path == "/recommend"  # the query now names the persona (a shareable link)


@pytest.mark.parametrize(("path", "label", "heading"), [
    ("/personas", "Personas", "Personas"), ("/catalog", "Catalog", "Catalog"), ("/search", "Search", "Search"),
    ("/explore", "Explore", "Explore"), ("/workspace", "Workspace", "Workspace"), ("/evaluate", "Evaluate", "Evaluate"),
    ("/", "Start", "Personalization Lab")])
def test_every_other_url_works_as_a_fresh_servers_first_request(path, label, heading):
    with fresh_lab(path) as page:
        check_chrome(page, label, heading)


def _slider(page, label: str):
    return page.locator(f'input[type="range"][aria-label="{label}"]')


def test_a_recommend_link_opens_with_its_settings_on_a_fresh_server():
    query = "limit=7&decay=0.3&strategy=knn&instruction=something+light&popularity=9"
    with fresh_lab(f"/recommend?{query}") as page:
        expect(page.get_by_text("from the link: expected a number from 0 to 3").first).to_be_visible(timeout=WAIT_MS)  # 9 is out of range
        # a fresh workspace has none
        page.get_by_role("button", name="Add the demo persona Sci-fi fan").click(timeout=WAIT_MS)
        expect(page.get_by_role("heading", name="Agent-reranked").first).to_be_visible(timeout=WAIT_MS)
        # (the sliders are drawn once the run is over: the agent loads the text model for the instruction)
        expect(_slider(page, "limit")).to_have_value("7", timeout=WAIT_MS)
        expect(_slider(page, "decay_rate")).to_have_value("0.3")
        expect(_slider(page, "popularity_weight")).to_have_value("0.5")  # the default, not the bad value
        expect(page.get_by_label("instruction (agent only)")).to_have_value("something light")
        expect(page.get_by_role("combobox", name="strategy")).to_have_value("knn")
        page.wait_for_function("() => location.search.includes('persona=')", timeout=WAIT_MS)
        params = dict(parse_qsl(urlsplit(page.url).query))
        assert re.fullmatch("[0-9a-f]{20}", params.pop("ws")) and params.pop("collection") == "Movies"
        assert params == {"limit": "7", "decay": "0.3", "strategy": "knn", "instruction": "something light",
                          "persona": "Sci-fi fan"}
        page.get_by_text("Link to this comparison").click()
        expect(page.locator('[data-testid="stCode"]').filter(has_text="persona=Sci-fi+fan").first).to_be_visible()


def test_a_session_key_counts_after_use_this_key():
    with FakeOpenAI() as fake, fresh_lab("/recommend") as page:
        fake.script(Reply(status=401, error="invalid api key"))
        page.get_by_role("button", name="Add the demo persona Sci-fi fan").click(timeout=WAIT_MS)
        expect(page.get_by_role("heading", name="Agent-reranked").first).to_be_visible(timeout=WAIT_MS)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Use an LLM for this session").click()
        sidebar.get_by_label("API key (kept in this session's memory only)").fill("sk-browser-key")
        page.keyboard.press("Tab")  # leaving the field does not use the key
        sidebar.get_by_label("Base URL", exact=False).fill(fake.url)
        page.keyboard.press("Tab")
        sidebar.get_by_label("Model (optional)").fill("fake-model")
        page.keyboard.press("Tab")
        page.wait_for_timeout(1500)
        expect(sidebar.get_by_text("Agent: local agent (no LLM)")).to_be_visible()
        assert not fake.requests
        sidebar.get_by_role("button", name="Use this key").click()
        expect(sidebar.get_by_text("Agent: fake-model via your key")).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("The LLM agent failed").first).to_be_visible(timeout=WAIT_MS)  # the fake's 401
        assert {r.headers["authorization"] for r in fake.requests} == {"Bearer sk-browser-key"}
        assert "sk-browser-key" not in page.url
        sidebar.get_by_role("button", name="Forget the key").click()
        expect(sidebar.get_by_text("Agent: local agent (no LLM)")).to_be_visible(timeout=WAIT_MS)


# Last in the file: this module-wide browser stays open until the module ends, and a second
# sync_playwright cannot start while it runs, so every fresh_lab test comes before it.
@pytest.fixture(scope="module")
def browser_page():
    with fresh_lab() as page:
        yield page


def test_walkthrough_catalog_persona_likes_recommend(browser_page, tmp_path):
    page = browser_page
    go(page, "Catalog")
    expect(page.get_by_text("9,742 items").first).to_be_visible(timeout=WAIT_MS)
    shoot(page, tmp_path, "catalog")

    go(page, "Personas")
    page.get_by_role("tab", name="Demo personas").click()
    page.get_by_role("button", name="Add this persona").first.click()
    expect(page.get_by_text("Persona:").first).to_be_visible(timeout=WAIT_MS)
    shoot(page, tmp_path, "personas")

    go(page, "Recommend")
    expect(page.get_by_text("Vector-only").first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("Agent-reranked").first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("local agent (no LLM)").first).to_be_visible(timeout=WAIT_MS)
    shoot(page, tmp_path, "recommend")

    go(page, "Search")
    shoot(page, tmp_path, "search")
    go(page, "Explore")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=WAIT_MS)
    shoot(page, tmp_path, "explore")

