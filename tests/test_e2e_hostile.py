"""Item text is data, in a real browser: a catalog whose titles and descriptions carry HTML, Markdown
links and bare URLs, uploaded through the Catalog page, must show as those characters everywhere
(cards, explanations, tables, chart labels and hover labels, map tooltips) and never become a
link, a bold tag or an image.

Starts the lab on 127.0.0.1 and drives Debian's Chromium with playwright (``tests/browser.py``).
The catalog brings its own vectors, so no text model is loaded.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from .test_e2e_browser import WAIT_MS, fresh_lab, go

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

EVIL = "evil.example"
HOSTILE = [
    '<a href="http://evil.example">click</a>',
    "<b>bold</b> move",
    "<img src=x onerror=alert(1)>",
    "Visit http://evil.example now",
    "[x](http://evil.example)",
    "www.evil.example & friends",
    "mail user@evil.example",
    "Tom &amp; Jerry &lt;b&gt;",
]
PLAIN = ["Quiet harbour", "Mountain road", "City lights", "Desert wind"]

# Every <a> (HTML or SVG) pointing at evil.example, every <b> holding catalog text, every image
# from the catalog and every element with an inline event handler: what an injection would leave.
INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    const attrs = Array.from(el.attributes).map(a => a.name + '=' + a.value);
    if (tag === 'a' && attrs.some(a => a.includes('evil.example'))) bad.push('a: ' + el.outerHTML.slice(0, 120));
    if (tag === 'b' && /bold/.test(el.textContent)) bad.push('b: ' + el.outerHTML.slice(0, 120));
    if (tag === 'img' && (el.getAttribute('src') === 'x' || el.hasAttribute('onerror'))) bad.push('img: ' + el.outerHTML);
    if (attrs.some(a => a.startsWith('onerror=') || a.startsWith('onclick='))) bad.push('handler: ' + tag);
  }
  return bad;
}"""


def catalog_csv() -> bytes:
    rng = np.random.default_rng(7)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "description", "vector"])
    titles = HOSTILE + PLAIN
    for n, title in enumerate(titles):
        vector = rng.normal(size=8)
        writer.writerow([f"i{n}", title, f"About {HOSTILE[(n + 3) % len(HOSTILE)]} and more",
                         json.dumps([round(float(v), 4) for v in vector])])
    return out.getvalue().encode()


PERSONA = json.dumps({"name": "Hostile tester", "properties": {}, "interactions": [
    {"item_id": "i0", "weight": 1.0}, {"item_id": "i1", "weight": 1.0}, {"item_id": "i2", "weight": 0.8},
    {"item_id": "i8", "weight": -1.0}]})


def assert_clean(page, where: str) -> None:
    bad = page.evaluate(INJECTED)
    assert not bad, f"{where}: {bad}"


def markdown_text(page) -> str:
    """The text of every Markdown element on the page, without the word joiners ``lab.cards.plain`` adds."""
    texts = page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    return "\n".join(texts).replace("\u2060", "")


def hover_every_point(page, chart, where: str, limit: int = 40) -> str:
    """Hover each marker of ``chart``; every hover label must be clean. All hover texts, joined."""
    seen = []
    points = chart.locator(".scatterlayer .trace .points path.point")
    for n in range(min(points.count(), limit)):
        try:
            points.nth(n).hover(force=True, timeout=2000)
        except Exception:  # a point hidden under another one; the next one will do
            continue
        page.wait_for_timeout(60)
        label = chart.locator(".hoverlayer")
        seen.append(label.text_content() or "")
        assert_clean(page, f"{where}, hover {n}")
    assert any(EVIL in s or "<b>" in s or "<img" in s for s in seen), f"{where}: no hostile title hovered"
    return " | ".join(seen)


def open_expanders(page, label: str, limit: int = 24) -> None:
    summaries = page.locator("summary", has_text=label)
    for n in range(min(summaries.count(), limit)):
        summaries.nth(n).click()


def test_hostile_catalog_text_never_becomes_markup(tmp_path: Path):
    path = tmp_path / "hostile.csv"
    path.write_bytes(catalog_csv())
    with fresh_lab("/catalog") as page:
        expect(page.get_by_role("heading", name="Catalog").first).to_be_visible(timeout=WAIT_MS)
        page.locator('input[type="file"]').set_input_files(str(path))
        page.get_by_role("button", name="Import").click(timeout=WAIT_MS)
        expect(page.get_by_text("Imported 12 items into Hostile").first).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text(HOSTILE[1]).first).to_be_visible(timeout=WAIT_MS)  # shown as characters
        assert all(t in markdown_text(page) for t in HOSTILE[:4])
        assert_clean(page, "catalog cards and tables")

        go(page, "Personas")
        page.get_by_role("tab", name="Import JSON").click()
        page.get_by_label("…or paste the JSON").fill(PERSONA)
        page.get_by_label("…or paste the JSON").press("Control+Enter")
        page.wait_for_timeout(800)
        page.get_by_role("button", name="Import persona").click()
        expect(page.get_by_text("Persona: Hostile tester").first).to_be_visible(timeout=WAIT_MS)
        page.get_by_role("tab", name="History and decay").click()
        decay = page.locator(".js-plotly-plot").first
        expect(decay).to_be_visible(timeout=WAIT_MS)
        assert HOSTILE[1] in decay.text_content()  # the point labels, as characters
        hover_every_point(page, decay, "decay plot")

        go(page, "Recommend")
        expect(page.get_by_role("heading", name="Agent-reranked").first).to_be_visible(timeout=WAIT_MS)
        chart = page.locator(".js-plotly-plot").first
        expect(chart).to_be_visible(timeout=WAIT_MS)
        open_expanders(page, "The numbers")
        open_expanders(page, "Rank changes as a table")
        page.wait_for_timeout(500)
        assert_clean(page, "recommend cards, explanations and table")
        assert any(t in chart.text_content() for t in HOSTILE)  # line labels, as characters
        hovered = hover_every_point(page, chart, "rank-change chart")
        assert "why:" in hovered
        page.get_by_text("Filters and excluded items").click()
        picker = page.locator('[data-testid="stMultiSelect"] input').first
        picker.click()
        page.wait_for_timeout(500)
        picker.press("ArrowDown")  # the click alone focused the picker but left its list closed on main
        options = page.get_by_role("option")
        expect(options.first).to_be_visible(timeout=WAIT_MS)
        assert any(HOSTILE[1] in t for t in options.all_inner_texts())  # the titles, as characters
        assert_clean(page, "exclude_items options")
        page.keyboard.press("Escape")

        go(page, "Search")
        page.get_by_label("Query").fill("evil")
        page.get_by_label("Query").press("Enter")
        expect(page.get_by_role("heading", name="Personalized").first).to_be_visible(timeout=WAIT_MS)
        open_expanders(page, "The numbers")
        assert_clean(page, "search cards")

        go(page, "Explore")
        for view in ("Persona's neighbourhood", "Whole catalog"):
            page.get_by_text(view, exact=True).click()
            page.wait_for_timeout(1500)
            chart = page.locator(".js-plotly-plot").first
            expect(chart).to_be_visible(timeout=WAIT_MS)
            hover_every_point(page, chart, f"explore: {view}")
        assert_clean(page, "explore")
