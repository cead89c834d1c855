"""Workspace: where this workspace is saved and what it holds; export it as one file, import one,
protect a shared one with a passcode, copy its personas into your own workspace, reset or delete it;
and the teacher view (behind the server's admin passcode) over every workspace."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import (PersonalizationError, WorkspaceRef, admin_configured, admin_matches, copy_persona, describe,
                  export_workspace, import_workspace, overview)
from lab import page, state
from lab.cards import plain
from lab.resources import workspaces

ws, collection, agent = page.start("Workspace")
spaces = workspaces()
st.title("Workspace")
if ws.ref.kind == "server":
    st.info(f"This session works on the Weaviate at `{ws.path}`: its collections hold the catalogs, personas, "
            "interactions and learned vectors, shared by everyone connected to that server. Workspace files, "
            "passcodes and exports are for this machine's workspaces: disconnect in the sidebar to use them.")
    st.stop()
for key, show in (("workspace.flash", st.success), ("workspace.error", st.error)):
    if message := st.session_state.pop(key, None):
        show(plain(message))


def attempt(action, done: str) -> bool:
    try:
        action()
    except PersonalizationError as exc:
        st.session_state["workspace.error"] = str(exc)
        return False
    st.session_state["workspace.flash"] = done
    return True


def summary() -> None:
    info = describe(spaces, ws.ref)
    cols = st.columns(4)
    cols[0].metric("Kind", ws.ref.kind)
    cols[1].metric("Personas", info.personas)
    cols[2].metric("On disk", f"{info.size_bytes / 1e6:.2f} MB")
    cols[3].metric("Last activity (UTC)", (info.last_active or "—")[:16].replace("T", " "))
    st.caption(f"Saved in `{ws.path}`" + ("" if ws.writable else " · read-only: enter the passcode in the sidebar"))
    st.dataframe(pd.DataFrame([{"collection": c.name, "kind": "sample (shared)" if c.shared else "uploaded",
                                "own items": c.items, "personas": c.personas, "interactions": c.interactions,
                                "community personas": c.community} for c in info.collections]), hide_index=True)
    st.caption("A shared sample's community (its log's real users) is read by every workspace that includes it, "
               "never copied into this file; the Personas page switches it on or off.")


def export_import() -> None:
    left, right = st.columns(2)
    with left:
        st.subheader("Export")
        st.caption("One file with this workspace's uploaded catalogs, personas and interactions (samples are named, "
                   "not copied). Import it on another machine or later.")
        if st.button("Prepare the export file", key="workspace.export"):
            st.session_state["workspace.export.data"] = (ws.ref.key, export_workspace(spaces, ws.ref))
        ready = st.session_state.get("workspace.export.data")
        if ready and ready[0] == ws.ref.key:
            st.download_button("Download workspace file", ready[1], file_name=f"workspace-{ws.ref.name}.zip",
                               mime="application/zip", key="workspace.download")
    with right:
        st.subheader("Import")
        st.caption("A workspace file becomes a new private workspace (all or nothing); this one is not changed.")
        file = st.file_uploader("Workspace file (.zip)", type=["zip"], key="workspace.import.file")
        if file is not None and st.button("Import as a new private workspace", key="workspace.import"):
            try:
                ref = import_workspace(spaces, file.getvalue())
            except PersonalizationError as exc:
                st.error(plain(str(exc)))
                return
            state.switch_to(ref)
            st.session_state["workspace.flash"] = "Imported: you are now in the imported workspace."
            st.rerun()


def shared_tools() -> None:
    st.subheader("Sharing")
    if ws.ref.kind == "private":
        st.caption("A private workspace is reached by its address alone (keep it to yourself). To share, open a "
                   "shared workspace in the sidebar (Switch workspace).")
        return
    passcode = st.session_state[state.PASSCODES].get(ws.ref.key)
    with st.form("workspace.passcode", border=False):
        new = st.text_input("New passcode (empty: remove the passcode)", type="password")
        if st.form_submit_button("Set passcode", disabled=not ws.writable):
            def change():
                spaces.set_passcode(ws.ref, new or None, current=passcode)
                if new:
                    st.session_state[state.PASSCODES][ws.ref.key] = new
            attempt(change, "Passcode set: people without it can read and copy, not change." if new else
                    "Passcode removed: everyone in this workspace can change it.")
            st.rerun()
    if collection and (people := {str(p.properties.get("name") or p.persona_id): p for p in agent.list_personas()}):
        chosen = st.selectbox("Persona to copy into your own workspace", list(people), key="workspace.copy.persona")
        if st.button("Add my own copy", key="workspace.copy"):
            def copy():
                target = spaces.open(state.own_private())
                copy_persona(ws, target, collection, people[chosen].persona_id)
                state.switch_to(target.ref)
                st.session_state["lab.persona"] = chosen
            if attempt(copy, f"{chosen} is copied into your private workspace, which is now active."):
                st.rerun()


def danger_zone() -> None:
    st.subheader("Reset or delete")
    sure = st.text_input(f"Type {ws.ref.name[:8]!r} to confirm", key="workspace.confirm")
    confirmed = sure.strip() == ws.ref.name[:8]
    passcode = st.session_state[state.PASSCODES].get(ws.ref.key)
    left, right = st.columns(2)
    if left.button("Reset: remove every persona, interaction and upload", disabled=not confirmed, key="workspace.reset"):
        if attempt(lambda: spaces.reset(ws.ref, passcode=passcode), "The workspace is empty again."):
            st.session_state["lab.persona"] = None
            st.rerun()
    if right.button("Delete this workspace", disabled=not confirmed, type="primary", key="workspace.delete"):
        def delete():
            spaces.delete(ws.ref, passcode=passcode)
            state.switch_to(state.own_private())
        if attempt(delete, "Deleted. You are in your private workspace."):
            st.rerun()


def teacher_view() -> None:
    st.subheader("Teacher view")
    if not admin_configured():
        st.caption("Off: start the server with PERSONALIZATION_LAB_ADMIN_PASSCODE set to list and reset every "
                   "workspace here.")
        return
    code = st.text_input("Admin passcode", type="password", key="workspace.admin")
    if not code:
        return
    if not admin_matches(code):
        st.error("Wrong admin passcode.")
        return
    infos = overview(spaces)
    st.dataframe(pd.DataFrame([{
        "workspace": i.ref.key, "personas": i.personas, "catalogs": ", ".join(c.name for c in i.collections),
        "size (MB)": round(i.size_bytes / 1e6, 3), "last activity (UTC)": i.last_active, "passcode": i.protected,
        "open now": i.open} for i in infos]), hide_index=True)
    target = st.selectbox("Workspace to reset", [i.ref.key for i in infos], key="workspace.admin.target")
    if st.button("Reset it", key="workspace.admin.reset"):
        if attempt(lambda: spaces.reset(WorkspaceRef.parse(target), admin_passcode=code), f"{target} was reset."):
            st.rerun()


summary()
export_import()
shared_tools()
danger_zone()
teacher_view()
