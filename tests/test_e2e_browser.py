"""End to end in a real browser: catalog -> persona -> likes -> recommendations, with screenshots.

Starts the lab on 127.0.0.1 and drives Debian's Chromium with playwright. Screenshots go to
``tmp_path``; with ``UPDATE_SCREENSHOTS=1`` they also refresh ``docs/screenshots/`` (the README's).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from .browser import CHROMIUM, CHROMIUM_ARGS, ROOT, lab_server

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

SHOTS = ROOT / "docs" / "screenshots"
WAIT_MS = 90_000


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


@pytest.fixture(scope="module")
def browser_page():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does)")
    with lab_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(url)
        yield page
        browser.close()


def test_walkthrough_catalog_persona_likes_recommend(browser_page, tmp_path):
    page = browser_page
    expect(page.get_by_role("heading", name="Catalog").first).to_be_visible(timeout=WAIT_MS)
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
