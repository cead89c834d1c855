"""The Workspace page (AppTest): what the workspace holds, export/import, passcodes, persona copies,
reset and delete with confirmation, and the teacher view behind the server's admin passcode."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from streamlit.testing.v1 import AppTest

from core import ADMIN_ENV, Persona, PersonaInteraction, WorkspaceRef, export_workspace, to_uuid
from lab.resources import workspaces

from .conftest import APP, lab_workspace, open_lab_page, use_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]

PAGE = "pages/6_workspace.py"
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def room(with_persona: bool = True) -> str:
    name = f"test-ws-{uuid.uuid4().hex[:8]}"
    agent = lab_workspace(name).agent("Workshop")
    if with_persona:
        agent.add_persona(Persona(persona_id=to_uuid(f"{name}-ann"), properties={"name": "Ann"}))
        agent.add_interactions([PersonaInteraction(persona_id=to_uuid(f"{name}-ann"),
                                                   item_id=to_uuid("cacio-e-pepe"), weight=1.0, created_at=NOW)])
    return name


def open_page(name: str | None = None, **state) -> AppTest:
    return open_lab_page(PAGE, name, **state)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_the_page_says_where_the_workspace_is_saved_and_what_it_holds():
    name = room()
    at = open_page(name)
    assert f"shared/{name}.sqlite" in " ".join(c.value for c in at.caption)
    assert at.metric[1].value == "1"  # personas
    frame = at.dataframe[0].value
    assert frame.to_dict("records") == [{"collection": "Workshop", "kind": "sample (shared)", "own items": 0,
                                         "personas": 1, "interactions": 1, "community personas": 0}]


def test_export_offers_a_download_that_imports_back():
    name = room()
    at = open_page(name)
    button(at, "Prepare the export file").click().run()
    assert at.get("download_button"), "no download offered"
    data = export_workspace(workspaces(), WorkspaceRef.shared(name))
    from core import import_workspace
    copy = workspaces().open(import_workspace(workspaces(), data))
    assert [p.properties["name"] for p in copy.store.list_personas("Workshop")] == ["Ann"]


def test_passcode_makes_the_room_read_only_for_others_and_copy_gives_ones_own():
    name = room()
    teacher = open_page(name)
    form_input = next(t for t in teacher.text_input if t.label.startswith("New passcode"))
    form_input.set_value("tulip-42")
    button(teacher, "Set passcode").click().run()
    assert "Passcode set" in " ".join(s.value for s in teacher.success)
    student = open_page(name)
    assert "read-only" in " ".join(m.value for m in student.sidebar.markdown)
    wrong = next(t for t in student.sidebar.text_input if t.label == "Passcode to make changes")
    wrong.set_value("nope")
    button(student, "Unlock").click().run()
    assert "wrong passcode" in " ".join(e.value for e in student.sidebar.error)
    button(student, "Add my own copy").click().run()
    assert student.session_state["lab.ws"].startswith("private:")
    mine = workspaces().open(WorkspaceRef.parse(student.session_state["lab.ws"]))
    assert [p.properties["name"] for p in mine.store.list_personas("Workshop")] == ["Ann"]
    assert student.session_state["lab.persona"] == "Ann"


def test_delete_needs_the_confirmation_and_then_removes_the_files():
    name = room()
    at = open_page(name)
    assert button(at, "Delete this workspace").disabled
    at.text_input(key="workspace.confirm").set_value(name[:8]).run()
    button(at, "Delete this workspace").click().run()
    assert not workspaces().exists(WorkspaceRef.shared(name))
    assert at.session_state["lab.ws"].startswith("private:")


def test_teacher_view_needs_the_admin_passcode(monkeypatch):
    name = room()
    monkeypatch.setenv(ADMIN_ENV, "chalk-and-board")
    at = open_page(name)
    at.text_input(key="workspace.admin").set_value("wrong").run()
    assert "Wrong admin passcode" in " ".join(e.value for e in at.error)
    at.text_input(key="workspace.admin").set_value("chalk-and-board").run()
    table = at.dataframe[-1].value
    row = table[table.workspace == f"shared:{name}"].iloc[0]
    assert row.personas == 1 and row.catalogs == "Workshop"
    at.selectbox(key="workspace.admin.target").set_value(f"shared:{name}").run()
    button(at, "Reset it").click().run()
    assert lab_workspace(name).store.list_personas("Workshop") == []  # (the page reopened the sample)


def test_in_a_protected_room_a_demo_persona_goes_into_ones_own_workspace():
    name = room(with_persona=False)
    from lab.resources import workspaces as spaces
    spaces().set_passcode(WorkspaceRef.shared(name), "tulip-42")
    at = AppTest.from_file(APP, default_timeout=60)
    use_workspace(at, name, "Workshop")
    at.switch_page("pages/3_recommend.py").run()
    [first, *_] = [b for b in at.button if b.label.endswith("to my own workspace")]
    first.click().run()
    assert not at.exception, at.exception
    assert at.session_state["lab.ws"].startswith("private:") and at.session_state["lab.collection"] == "Workshop"
    mine = spaces().open(WorkspaceRef.parse(at.session_state["lab.ws"]))
    assert len(mine.store.list_personas("Workshop")) == 1
    assert lab_workspace(name).store.list_personas("Workshop") == []
