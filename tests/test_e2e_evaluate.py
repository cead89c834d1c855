"""The Evaluate page in a real browser against a real server: a run's progress bar advances by
polling, a reload (F5) mid-run reconnects to the same running job, and the results appear."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from core import Persona, PersonaInteraction, SampleLibrary, WorkspaceRef, Workspaces, to_uuid

from .browser import CHROMIUM, CHROMIUM_ARGS, lab_server

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

WAIT_MS = 90_000
COOKS = 2000
"""Enough personas that ranking them all takes many polls (about 10 s per configuration here)."""


def prepare_kitchen(data: Path) -> None:
    """Shared workspace "kitchen": each cook likes 8 dishes of one workshop cuisine, a day apart."""
    spaces = Workspaces(data, SampleLibrary())
    agent = spaces.open(WorkspaceRef.shared("kitchen"), create=True).agent("Workshop")
    cuisines: dict[str, list] = {}
    for item in agent.store.iter_items("Workshop"):
        cuisines.setdefault(item.properties["cuisine"], []).append(item.uuid)
    big = sorted(c for c, dishes in cuisines.items() if len(dishes) >= 8)
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    for n in range(COOKS):
        agent.add_persona(Persona(persona_id=to_uuid(f"cook-{n}"), properties={"name": f"Cook {n}"}))
    agent.add_interactions([PersonaInteraction(persona_id=to_uuid(f"cook-{n}"), item_id=dishes[(n + d) % len(dishes)],
                                               weight=1.0, created_at=start + timedelta(days=d))
                            for n in range(COOKS) for dishes in [cuisines[big[n % len(big)]]] for d in range(8)])
    spaces.close_all()


def progress_value(page) -> int:
    bar = page.locator('[data-testid="stProgress"] [role="progressbar"]').first
    expect(bar).to_be_visible(timeout=WAIT_MS)
    return int(bar.get_attribute("aria-valuenow", timeout=WAIT_MS))


def test_a_run_advances_survives_a_reload_and_shows_its_results(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does)")
    data = tmp_path / "data"
    prepare_kitchen(data)
    with lab_server(data_dir=data) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(url + "/evaluate?shared=kitchen&collection=Workshop")
            users = page.get_by_role("spinbutton", name="users (0 = all)")
            users.fill("0")
            users.press("Enter")
            expect(page.get_by_text(f"{COOKS:,} persona(s) of Workshop").first).to_be_visible(timeout=WAIT_MS)
            page.wait_for_timeout(1000)  # the number input's rerun
            page.get_by_role("button", name="Run the evaluation").click()
            first = progress_value(page)
            page.wait_for_function(
                f"() => Number(document.querySelector('[data-testid=\"stProgress\"] [role=\"progressbar\"]')"
                f"?.getAttribute('aria-valuenow')) > {first}", timeout=WAIT_MS)  # the bar moves by polling
            before = progress_value(page)
            expect(page.get_by_text(f"of {COOKS:,} users").first).to_be_visible(timeout=WAIT_MS)

            page.reload()  # F5 mid-run: a new session finds the same job by its workspace and collection
            assert "shared=kitchen" in page.url
            assert progress_value(page) >= before
            expect(page.get_by_role("button", name="Run the evaluation")).to_be_disabled(timeout=WAIT_MS)

            expect(page.get_by_text("Done: 3 step(s)").first).to_be_visible(timeout=3 * WAIT_MS)
            expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=WAIT_MS)
            table = page.locator('[data-testid="stDataFrame"]').first
            expect(table).to_be_visible(timeout=WAIT_MS)
            expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=WAIT_MS)  # runs, A/B
            expect(page.get_by_role("button", name="Download results (JSON)")).to_be_visible(timeout=WAIT_MS)
            assert page.locator('[data-testid="stProgress"]').count() == 0
        finally:
            browser.close()
