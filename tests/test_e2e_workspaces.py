"""Workspaces in a real browser against a real server: F5 and a server restart keep personas and
an uploaded catalog; a passcode-protected shared workspace refuses a wrong passcode; "Copy into
my own workspace" gives an independent copy.

Each test gives its servers a data directory of its own (``tmp_path``); a "restart" is a second
server process on the same directory.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from core import Persona, PersonaInteraction, SampleLibrary, WorkspaceRef, Workspaces, to_uuid

from .browser import CHROMIUM, CHROMIUM_ARGS, free_port, lab_server

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

WAIT_MS = 90_000
CATALOG = ("id,title,vector\n"
           "r1,Rocket Soup,\"[1, 0, 0]\"\n"
           "r2,Moon Bread,\"[0, 1, 0]\"\n"
           "r3,Star Salad,\"[0, 0, 1]\"\n")


@contextmanager
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium.new_page(viewport={"width": 1440, "height": 1000})
        finally:
            chromium.close()


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def wait_for_workspace_in_url(page) -> str:
    page.wait_for_function("() => new URLSearchParams(location.search).get('ws')", timeout=WAIT_MS)
    return re.search(r"ws=([0-9a-f]{20})", page.url).group(1)


def test_reload_and_server_restart_keep_personas_and_an_uploaded_catalog(tmp_path):
    data = tmp_path / "data"
    csv = tmp_path / "space_food.csv"
    csv.write_text(CATALOG)
    with lab_server(data_dir=data) as url, browser() as page:
        page.goto(url + "/recommend")
        page.get_by_role("button", name="Add the demo persona Sci-fi fan").click(timeout=WAIT_MS)
        expect(page.get_by_text("Vector-only").first).to_be_visible(timeout=WAIT_MS)
        ws_id = wait_for_workspace_in_url(page)
        page.get_by_role("link", name="Catalog").first.click()
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
        page.get_by_role("button", name="Import").click()
        expect(page.get_by_text("it is now the active collection").first).to_be_visible(timeout=WAIT_MS)
        page.reload()  # F5
        expect(sidebar(page).get_by_text("SpaceFood").first).to_be_visible(timeout=WAIT_MS)
        assert re.search(f"ws={ws_id}", page.url)
        saved = page.url
    with lab_server(data_dir=data) as url, browser() as page:  # the same lab, restarted
        page.goto(url + saved[saved.index("/", 8):])
        expect(sidebar(page).get_by_text("SpaceFood").first).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("3 items").first).to_be_visible(timeout=WAIT_MS)
        page.goto(f"{url}/recommend?ws={ws_id}&collection=Movies")
        expect(sidebar(page).get_by_role("combobox", name="Active persona")).to_have_value("Sci-fi fan", timeout=WAIT_MS)
        expect(page.get_by_text("Agent-reranked").first).to_be_visible(timeout=WAIT_MS)
    assert not list((data / "private").glob("*.sqlite"))[0].stat().st_size > 5_000_000  # no sample copied


def prepare_room(data: Path) -> None:
    spaces = Workspaces(data, SampleLibrary())
    ref = WorkspaceRef.shared("room-7")
    agent = spaces.open(ref, create=True).agent("Workshop")
    agent.add_persona(Persona(persona_id=to_uuid("teacher-demo"), properties={"name": "Teacher demo"}))
    agent.add_interactions([PersonaInteraction(persona_id=to_uuid("teacher-demo"), item_id=to_uuid("cacio-e-pepe"),
                                               weight=1.0, created_at=datetime(2026, 11, 1, tzinfo=timezone.utc))])
    spaces.set_passcode(ref, "tulip-42")
    spaces.close_all()


def personas_in(data: Path, ref: WorkspaceRef) -> list[str]:
    spaces = Workspaces(data, SampleLibrary())
    try:
        return sorted(p.properties.get("name", "") for p in spaces.open(ref).store.list_personas("Workshop"))
    finally:
        spaces.close_all()


def test_a_protected_room_refuses_a_wrong_passcode_and_fork_gives_an_independent_copy(tmp_path):
    data = tmp_path / "data"
    prepare_room(data)
    with lab_server(data_dir=data) as url, browser() as page:
        page.goto(url + "/?shared=room-7&collection=Workshop")
        expect(sidebar(page).get_by_text("read-only").first).to_be_visible(timeout=WAIT_MS)
        sidebar(page).get_by_label("Passcode to make changes").fill("tulip-41")
        sidebar(page).get_by_role("button", name="Unlock").click()
        expect(sidebar(page).get_by_text("wrong passcode").first).to_be_visible(timeout=WAIT_MS)
        expect(sidebar(page).get_by_text("read-only").first).to_be_visible(timeout=WAIT_MS)

        sidebar(page).get_by_role("button", name="Copy into my own workspace").click()
        ws_id = wait_for_workspace_in_url(page)
        expect(sidebar(page).get_by_text("your own copy").first).to_be_visible(timeout=WAIT_MS)
        page.get_by_role("link", name="Recommend").first.click()
        expect(page.get_by_text("Vector-only").first).to_be_visible(timeout=WAIT_MS)  # Teacher demo is active
        page.get_by_role("link", name="Personas").first.click()
        page.get_by_role("tab", name="Demo personas").click()
        page.get_by_role("button", name="Add this persona").first.click()
        expect(page.get_by_text("Persona:").first).to_be_visible(timeout=WAIT_MS)
        page.wait_for_timeout(1000)
    mine = personas_in(data, WorkspaceRef("private", ws_id))
    assert "Teacher demo" in mine and len(mine) == 2
    assert personas_in(data, WorkspaceRef.shared("room-7")) == ["Teacher demo"]  # the room is unchanged


def test_an_open_tab_comes_back_to_its_workspace_after_a_server_restart(tmp_path):
    data, port = tmp_path / "data", free_port()
    with browser() as page:
        with lab_server(data_dir=data, port=port) as url:
            page.goto(url + "/recommend")
            page.get_by_role("button", name="Add the demo persona Family movie night").click(timeout=WAIT_MS)
            expect(page.get_by_text("Agent-reranked").first).to_be_visible(timeout=WAIT_MS)
            ws_id = wait_for_workspace_in_url(page)
        # the server is gone; the tab stays open and reconnects when the lab is back on the same port
        with lab_server(data_dir=data, port=port):
            persona = sidebar(page).get_by_role("combobox", name="Active persona")
            expect(persona).to_have_value("Family movie night", timeout=WAIT_MS)
            assert f"ws={ws_id}" in page.url
    assert len(list((data / "private").glob("*.sqlite"))) == 1  # no new, empty workspace was made
