"""End to end in a real browser: upload a small interaction log on the Personas page and see the
personas it builds (issue 8, item 3). Debian's Chromium through playwright, as in ``test_e2e_browser``."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_e2e_browser import WAIT_MS, fresh_lab, shoot

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

LOG = ("userId,movieId,rating,timestamp\n"
       "ann,260,5,1714564800\n"     # Star Wars: loved
       "ann,1,4,1714564800\n"       # Toy Story
       "ann,2571,1,1714564800\n"    # The Matrix: disliked
       "bob,1,3.5,\n")


def test_uploading_an_interaction_log_builds_its_personas(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text(LOG, encoding="utf-8")
    with fresh_lab("/personas") as page:
        expect(page.get_by_role("heading", name="Personas").first).to_be_visible(timeout=WAIT_MS)
        page.get_by_role("tab", name="Upload interactions").click()
        uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Interaction log")
        uploader.locator('input[type="file"]').set_input_files(str(path))
        expect(page.get_by_text("First rows as they will be stored")).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("rating 1..5 → weight −1..+1").first).to_be_visible(timeout=WAIT_MS)
        page.get_by_role("button", name="Import interactions").click()
        expect(page.get_by_text("Stored 4 interactions of 2 personas (2 new) in 'Movies'")).to_be_visible(
            timeout=WAIT_MS)
        # the personas are there: the sidebar makes the first one active and the page shows it
        expect(page.get_by_role("heading", name="Persona: ann")).to_be_visible(timeout=WAIT_MS)
        page.get_by_role("tab", name="History and decay").click()
        expect(page.get_by_text("Star Wars: Episode IV - A New Hope").first).to_be_attached(timeout=WAIT_MS)
        shoot(page, tmp_path, "personas_upload")
