"""Workspaces in a data directory: persistence, shared samples, passcodes, fork, reset, delete,
export/import (all or nothing), idle closing, persona copies and the teacher's overview."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timezone

import numpy as np
import pytest

from core import (AccessDeniedError, AlreadyExistsError, CollectionSpec, InvalidInputError, Item, NotFoundError,
                  Persona, PersonaInteraction, ReadOnlyError, SampleLibrary, WorkspaceRef, Workspaces, copy_persona, describe,
                  export_workspace, import_workspace, overview, to_uuid)

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
DISHES = "Workshop"


@pytest.fixture(scope="module")
def library():
    return SampleLibrary()


@pytest.fixture
def spaces(tmp_path, library):
    spaces = Workspaces(tmp_path / "data", library)
    yield spaces
    spaces.close_all()


def collection(library) -> str:
    return library.collection_of("workshop")


def add_alice(ws, library, item: str = "spaghetti-carbonara") -> None:
    agent = ws.agent(collection(library))
    alice = to_uuid("alice")
    agent.add_persona(Persona(persona_id=alice, properties={"name": "Alice"}))
    agent.add_interactions([PersonaInteraction(persona_id=alice, item_id=to_uuid(item), weight=1.0, created_at=NOW)])


def names(ws, library) -> list[str]:
    return [p.properties.get("name") for p in ws.store.list_personas(collection(library))]


def test_a_private_workspace_survives_closing_and_a_new_process(spaces, library, tmp_path):
    ws = spaces.create_private()
    add_alice(ws, library)
    assert ws.path.is_file() and ws.path.parent == tmp_path / "data" / "private"
    spaces.close_all()
    again = Workspaces(tmp_path / "data", SampleLibrary()).open(ws.ref)  # as after a server restart
    assert names(again, library) == ["Alice"]
    assert len(again.store.recent_interactions(collection(library), to_uuid("alice"), None)) == 1


def test_samples_are_shared_not_copied(spaces, library):
    one, two = spaces.create_private(), spaces.create_private()
    add_alice(one, library)
    two.ensure(collection(library))
    assert one.store.count(collection(library)) == two.store.count(collection(library)) == 109
    assert one.store.own.count(collection(library)) == 0  # the file holds personas, not the catalog
    assert one.path.stat().st_size < 200_000
    assert names(two, library) == []


def test_an_unknown_private_workspace_is_not_found_not_silently_new(spaces):
    with pytest.raises(NotFoundError, match="may have been deleted"):
        spaces.open(WorkspaceRef.new_private())
    with pytest.raises(InvalidInputError, match="20 hexadecimal"):
        WorkspaceRef("private", "../etc")
    with pytest.raises(InvalidInputError, match="shared workspace name"):
        WorkspaceRef.shared("room/12")
    assert WorkspaceRef.shared("  Room 12 ").name == "room-12"


def test_a_protected_shared_workspace_is_read_only_without_its_passcode(spaces, library):
    ref = WorkspaceRef.shared("room-12")
    teacher = spaces.open(ref, create=True)
    add_alice(teacher, library)
    spaces.set_passcode(ref, "tulip-42")
    with pytest.raises(AccessDeniedError, match="wrong passcode"):
        spaces.open(ref, passcode="tulip-41")
    student = spaces.open(ref)
    assert not student.writable and names(student, library) == ["Alice"]
    with pytest.raises(ReadOnlyError, match="protected by a passcode"):
        student.agent(collection(library)).delete_persona(to_uuid("alice"))
    assert spaces.open(ref, passcode="tulip-42").writable
    with pytest.raises(AccessDeniedError):
        spaces.reset(ref)
    meta = json.loads(ref.path(spaces.root).with_suffix(".json").read_text())
    assert "tulip-42" not in json.dumps(meta) and meta["passcode"]["digest"]


def test_fork_gives_an_independent_copy(spaces, library):
    ref = WorkspaceRef.shared("demo")
    add_alice(spaces.open(ref, create=True), library)
    spaces.set_passcode(ref, "open-sesame")
    mine = spaces.open(spaces.fork(ref))  # anyone may copy a protected shared workspace
    assert mine.writable and names(mine, library) == ["Alice"]
    mine.agent(collection(library)).delete_persona(to_uuid("alice"))
    assert names(mine, library) == [] and names(spaces.open(ref), library) == ["Alice"]


def test_copy_persona_adds_ones_own_copy_once(spaces, library):
    room = spaces.open(WorkspaceRef.shared("room"), create=True)
    add_alice(room, library)
    mine = spaces.create_private()
    assert copy_persona(room, mine, collection(library), to_uuid("alice")) == 1
    assert names(mine, library) == ["Alice"]
    with pytest.raises(AlreadyExistsError, match="already has persona Alice"):
        copy_persona(room, mine, collection(library), to_uuid("alice"))
    mine.agent(collection(library)).add_interactions([PersonaInteraction(
        persona_id=to_uuid("alice"), item_id=to_uuid("cacio-e-pepe"), weight=-1.0, created_at=NOW)])
    assert len(room.store.recent_interactions(collection(library), to_uuid("alice"), None)) == 1


def test_reset_empties_and_delete_removes(spaces, library):
    ws = spaces.create_private()
    add_alice(ws, library)
    spaces.reset(ws.ref)
    assert spaces.exists(ws.ref) and spaces.open(ws.ref).collections() == []
    spaces.delete(ws.ref)
    assert not spaces.exists(ws.ref) and not ws.path.exists()


def test_the_vector_files_beside_a_workspace_count_in_its_size_and_go_with_it(spaces, library):
    from core.store.embedded.vector_files import directory_of
    ws = spaces.create_private()
    add_alice(ws, library)
    own = ws.store
    own.create_collection(CollectionSpec("Own", 3))
    own.add_items("Own", [Item(uuid=to_uuid("x"), properties={"title": "x"})], np.ones((1, 3), np.float32))
    own.near_vectors("Own", np.ones(3, np.float32), 1)  # the index is built: its files are written
    vectors = directory_of(ws.path)
    assert vectors.is_dir() and any(vectors.iterdir()) and vectors in spaces.files(ws.ref)
    assert spaces.size_bytes(ws.ref) > ws.path.stat().st_size
    spaces.reset(ws.ref)
    assert not vectors.exists()  # no stale cache outlives the data it was built from
    spaces.delete(ws.ref)
    assert not vectors.exists() and not ws.path.exists()


def test_export_then_import_brings_everything(spaces, library):
    ws = spaces.create_private()
    add_alice(ws, library)
    data = export_workspace(spaces, ws.ref)
    copy = spaces.open(import_workspace(spaces, data))
    assert copy.ref != ws.ref and names(copy, library) == ["Alice"]
    assert copy.store.count(collection(library)) == 109


@pytest.mark.parametrize("mangle, message", [
    (lambda d: b"not a zip", "not a zip archive"),
    (lambda d: _rezip(d, drop="store.sqlite"), "needs manifest.json and store.sqlite"),
    (lambda d: _rezip(d, manifest={"format": "other"}), "does not describe"),
    (lambda d: _rezip(d, store=b"garbage" * 100), "not a readable SQLite database"),
])
def test_a_bad_workspace_file_imports_nothing(spaces, library, mangle, message):
    ws = spaces.create_private()
    add_alice(ws, library)
    before = sorted(p.name for p in (spaces.root / "private").iterdir())
    with pytest.raises(InvalidInputError, match=message):
        import_workspace(spaces, mangle(export_workspace(spaces, ws.ref)))
    assert sorted(p.name for p in (spaces.root / "private").iterdir()) == before


def _rezip(data: bytes, *, drop: str | None = None, manifest: dict | None = None, store: bytes | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name == drop:
                continue
            body = src.read(name)
            if name == "manifest.json" and manifest is not None:
                body = json.dumps(manifest).encode()
            if name == "store.sqlite" and store is not None:
                body = store
            dst.writestr(name, body)
    return out.getvalue()


def test_idle_workspaces_close_and_reopen_on_demand(tmp_path, library):
    clock = [0.0]
    spaces = Workspaces(tmp_path / "d", library, idle_seconds=60, clock=lambda: clock[0])
    ws = spaces.create_private()
    add_alice(ws, library)
    clock[0] = 30.0
    assert spaces.close_idle() == []
    clock[0] = 100.0
    assert spaces.close_idle() == [ws.ref] and spaces.open_refs() == []
    assert names(spaces.open(ws.ref), library) == ["Alice"] and spaces.open_refs() == [ws.ref]


def test_overview_lists_personas_catalogs_size_and_activity(spaces, library):
    ws = spaces.create_private()
    add_alice(ws, library)
    spaces.open(WorkspaceRef.shared("empty-room"), create=True)
    infos = {info.ref: info for info in overview(spaces)}
    assert set(infos) == {ws.ref, WorkspaceRef.shared("empty-room")}
    mine = describe(spaces, ws.ref)
    assert mine.personas == 1 and mine.size_bytes > 0 and mine.last_active
    assert [(c.name, c.personas, c.interactions, c.shared) for c in mine.collections] == [(DISHES, 1, 1, True)]
    ws.store.stage_collection(CollectionSpec("Upload", 4))  # an upload still being built is not listed yet
    assert [c.name for c in describe(spaces, ws.ref).collections] == [DISHES]
