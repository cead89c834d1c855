"""Personas: create, select, edit and delete personas; demo personas; rate catalog items (plain BM25) at a
chosen time; the history with its time decay; JSON export/import; upload an interaction log
(``lab.interaction_upload``), then tune the blend on it in the background.

The page reads widgets, calls ``lab.persona_ui`` / ``persona_props`` / ``persona_files`` / ``core``
and renders; the list of personas and the community section at the top are ``lab.overview``. Every change runs in a widget callback (before the script), so it can make a persona
the active one (the sidebar's ``lab.persona``) and the whole page shows the new state; the outcome
is kept under ``lab.personas.flash`` and shown next to the widget that caused it.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from functools import partial

import pandas as pd
import streamlit as st

from core import Persona, PersonalizationAgent, PersonalizationError, display_title
from lab import demos as demo_personas
from lab import persona_files as files
from lab import persona_props as props
from lab import persona_ui as ui
from lab import community, interaction_upload, overview, page, state
from lab.cards import item_card, plain
from lab.charts import decay_figure
from lab.resources import eval_jobs, library

ws, collection, agent = page.start("Personas")

NOW = datetime.now(timezone.utc)
FLASH = "lab.personas.flash"
ROWS, JSON = "key/value rows", "JSON object"
VALUE_HELP = "`a|b` becomes a list, numbers and true/false are typed, quoted text and `007` stay text"
# lab.personas.version is bumped to give the property editors fresh keys
for key, default in ((FLASH, {}), ("lab.personas.version", 0), ("lab.personas.weight", 1.0),
                     ("lab.personas.replace", True), ("lab.personas.backdate", False), ("lab.decay_rate", 0.1)):
    st.session_state.setdefault(key, default)
# Re-assigned so it stays a plain session value (shared with Recommend) and survives page switches.
st.session_state["lab.decay_rate"] = st.session_state["lab.decay_rate"]


# --- outcome messages and callbacks -------------------------------------------------------------

def _flash(where: str, kind: str, text: str) -> None:
    st.session_state[FLASH][where] = (kind, text)


def _show(where: str) -> None:
    kind, text = st.session_state[FLASH].pop(where, (None, None))
    if kind:
        (st.error if kind == "error" else st.success)(plain(text))


def _attempt(where: str, action, success: str) -> tuple[bool, object]:
    """Run ``action``: a PersonalizationError becomes an error message next to ``where``, else ``success``."""
    try:
        result = action()
    except PersonalizationError as exc:
        _flash(where, "error", str(exc))
        return False, None
    _flash(where, "success", success)
    return True, result


def _select(persona: Persona | None) -> None:
    """Make ``persona`` the active one (None: the sidebar picks the first remaining)."""
    st.session_state["lab.persona"] = None if persona is None else ui.display_name(persona)


def _read_properties(prefix: str, base_rows: list[dict]) -> dict:
    if st.session_state.get(f"{prefix}.mode", ROWS) == JSON:
        return props.json_to_properties(st.session_state.get(f"{prefix}.json", "{}"))
    return props.rows_to_properties(props.apply_editor_state(base_rows, st.session_state.get(f"{prefix}.rows")))


def _on_create(agent: PersonalizationAgent, prefix: str) -> None:
    name = st.session_state.get("lab.personas.new.name", "").strip()
    ok, persona = _attempt("create", lambda: ui.create_persona(agent, name, _read_properties(prefix, [])),
                           f"Created persona {name}; it is now the active persona.")
    if ok:
        _select(persona)
        st.session_state["lab.personas.new.name"] = ""
        st.session_state["lab.personas.version"] += 1


def _on_save(agent: PersonalizationAgent, persona: Persona, prefix: str, base_rows: list[dict]) -> None:
    ok, _ = _attempt("properties", lambda: ui.update_properties(agent, persona, _read_properties(prefix, base_rows)),
                     "Properties saved.")
    if ok:
        st.session_state["lab.personas.version"] += 1


def _on_demo(agent: PersonalizationAgent, demo: demo_personas.DemoPersona) -> None:
    ok, persona = _attempt("demo", lambda: ui.store_draft(agent, demo.draft(datetime.now(timezone.utc))),
                           f"Added {demo.name} with {len(demo.ratings)} interactions; it is now the active persona.")
    if ok:
        _select(persona)


def _on_import(agent: PersonalizationAgent) -> None:
    upload = st.session_state.get("lab.personas.import_file")
    try:
        text = upload.getvalue().decode("utf-8") if upload is not None else st.session_state["lab.personas.import_text"]
    except UnicodeDecodeError:
        _flash("import", "error", f"{upload.name} is not a UTF-8 text file")
        return
    name = st.session_state.get("lab.personas.import_name", "")
    ok, persona = _attempt("import", lambda: files.import_persona(agent, text, name),
                           "Persona imported; it is now the active persona.")
    if ok:
        _select(persona)
        st.session_state["lab.personas.import_text"] = ""


def _on_rate(agent: PersonalizationAgent, persona: Persona, item, title: str) -> None:
    weight = float(st.session_state["lab.personas.weight"])
    when = None
    if st.session_state["lab.personas.backdate"]:
        when = datetime.combine(st.session_state["lab.personas.when_date"], st.session_state["lab.personas.when_time"],
                                tzinfo=timezone.utc)
    replace = bool(st.session_state["lab.personas.replace"])
    _attempt("rate", lambda: ui.rate(agent, persona.persona_id, item, weight, when, replace=replace),
             f"Saved weight {weight:+.2f} for {title}" + (f" at {when:%Y-%m-%d %H:%M} UTC." if when else " (now)."))


def _on_decay() -> None:
    st.session_state["lab.decay_rate"] = st.session_state["lab.personas.decay"]


def _on_delete(agent: PersonalizationAgent, persona: Persona) -> None:
    name = ui.display_name(persona)
    ok, _ = _attempt("overview", lambda: agent.delete_persona(persona.persona_id),
                     f"Deleted {name} and its interactions.")
    if ok:
        _select(None)


# --- rendering ---------------------------------------------------------------------------------

def _properties_input(prefix: str, rows: list[dict], json_text: str) -> None:
    st.session_state.setdefault(f"{prefix}.json", json_text)
    mode = st.radio("Properties as", [ROWS, JSON], key=f"{prefix}.mode", horizontal=True)
    if mode == ROWS:
        st.data_editor(pd.DataFrame(rows, columns=["key", "value"], dtype=object), key=f"{prefix}.rows",
                       num_rows="dynamic", hide_index=True,
                       column_config={"key": st.column_config.TextColumn("property"),
                                      "value": st.column_config.TextColumn("value", help=VALUE_HELP)})
        st.caption(f"Values, as in the CLI's `--prop`: {VALUE_HELP}.")
    else:
        st.text_area("Properties (a JSON object)", key=f"{prefix}.json", height=150)


def _create_tab(agent: PersonalizationAgent) -> None:
    prefix = f"lab.personas.new.{st.session_state['lab.personas.version']}"
    st.text_input("Name (the persona's ID is derived from it)", key="lab.personas.new.name")
    _properties_input(prefix, [], "{}")
    st.button("Create persona", key="lab.personas.create", type="primary", on_click=_on_create, args=(agent, prefix))
    _show("create")


def _demo_tab(agent: PersonalizationAgent, collection: str) -> None:
    demos = demo_personas.demos_for(collection)
    if not demos:
        st.info("Demo personas come with the sample catalogs (movies, books, workshop).")
    for demo in demos:
        with st.container(border=True):
            st.markdown(f"**{plain(demo.name)}** · {plain(demo.description)}")
            days = max(d for *_, d in demo.ratings)
            st.caption(plain(f"{len(demo.ratings)} interactions over the last {days:g} days; "
                             f"properties {json.dumps(demo.properties, ensure_ascii=False)}"))
            exists = agent.has_persona(ui.persona_id(demo.name))
            st.button("Already added" if exists else "Add this persona", key=f"lab.personas.demo.{demo.name}",
                      disabled=exists, on_click=_on_demo, args=(agent, demo))
    _show("demo")


def _import_tab(agent: PersonalizationAgent) -> None:
    st.file_uploader("A persona JSON file (as exported below)", type=["json"], key="lab.personas.import_file")
    st.text_area("…or paste the JSON", key="lab.personas.import_text", height=150)
    st.text_input("Import under this name (optional; default: the file's name)", key="lab.personas.import_name")
    st.button("Import persona", key="lab.personas.import", on_click=_on_import, args=(agent,))
    _show("import")


def _rate_tab(agent: PersonalizationAgent, persona: Persona) -> None:
    st.slider("Weight (1 = loved it, −1 = hated it)", -1.0, 1.0, step=0.05, key="lab.personas.weight")
    st.checkbox("Replace my earlier interactions with the same item", key="lab.personas.replace")
    if st.checkbox("Set when it happened (default: now)", key="lab.personas.backdate"):
        st.session_state.setdefault("lab.personas.when_date", NOW.date())
        st.session_state.setdefault("lab.personas.when_time", NOW.time().replace(second=0, microsecond=0))
        left, right = st.columns(2)
        left.date_input("Date (UTC)", key="lab.personas.when_date", min_value=date(1970, 1, 1))
        right.time_input("Time (UTC)", key="lab.personas.when_time", step=60)
    _show("rate")
    query = st.text_input("Search the catalog (plain BM25; empty: browse the first items)", key="lab.personas.query")
    try:
        results = ui.search_items(agent, query, 20)
    except PersonalizationError as exc:
        st.error(plain(str(exc)))
        return
    if not results:
        st.info("No items match.")
    latest: dict = {}
    for s in agent.get_interactions(persona.persona_id, "all"):
        latest.setdefault(s.item_id, s.weight)
    weight = float(st.session_state["lab.personas.weight"])
    icon = ":material/thumb_up:" if weight > 0 else ":material/thumb_down:" if weight < 0 else ":material/thumbs_up_down:"
    columns = st.columns(2)
    fields = agent.store.get_collection(agent.collection).text_fields
    for n, (item, score) in enumerate(results):
        title = display_title(item.properties, str(item.uuid), fields)
        notes = ([f"BM25 {score:.2f}"] if score is not None else []) + \
            ([f"your weight {latest[item.uuid]:+.2f}"] if item.uuid in latest else [])
        with columns[n % 2]:
            save = partial(st.button, f"{icon} Save weight {weight:+.2f}", key=f"lab.personas.rate.{item.uuid.hex}",
                           on_click=_on_rate, args=(agent, persona, item.uuid, title))
            item_card(item.properties, caption=" · ".join(notes) or None, text_fields=fields, actions=save)


def _history_tab(agent: PersonalizationAgent, persona: Persona) -> None:
    st.session_state["lab.personas.decay"] = st.session_state["lab.decay_rate"]
    rate = st.slider("decay_rate (shared with Recommend)", 0.0, 1.0, step=0.05, key="lab.personas.decay",
                     on_change=_on_decay)
    st.caption(f"effective weight = weight × 0.5 ^ (decay_rate × age / 30 days), at {NOW:%Y-%m-%d %H:%M} UTC")
    rows = files.history(agent, persona.persona_id, rate, NOW)
    if not rows:
        st.info("No interactions yet: rate some items in the first tab.")
        return
    st.dataframe(pd.DataFrame(files.history_table(rows)), hide_index=True)
    st.plotly_chart(decay_figure([(r.title, r.interaction) for r in rows], rate, agent.config.half_life_days))


def _properties_tab(agent: PersonalizationAgent, persona: Persona) -> None:
    prefix = f"lab.personas.edit.{persona.persona_id.hex}.{st.session_state['lab.personas.version']}"
    rows = props.properties_to_rows(persona.properties)
    shown = {k: v for k, v in persona.properties.items() if k != props.NAME}
    _properties_input(prefix, rows, json.dumps(shown, ensure_ascii=False, indent=2))
    st.button("Save properties", key="lab.personas.save", on_click=_on_save, args=(agent, persona, prefix, rows))
    _show("properties")


def _export_tab(agent: PersonalizationAgent, persona: Persona) -> None:
    text = files.export_json(agent, persona)
    st.download_button("Download persona JSON", data=text, file_name=files.file_name(ui.display_name(persona)),
                       mime="application/json", key="lab.personas.export")
    with st.expander("Show the JSON"):
        st.code(text, language="json")


def _delete_tab(agent: PersonalizationAgent, persona: Persona) -> None:
    count = len(agent.get_interactions(persona.persona_id, "all"))
    confirmed = st.checkbox(f"Yes, delete {plain(ui.display_name(persona))} and its {count} interactions",
                            key=f"lab.personas.confirm.{persona.persona_id.hex}")
    st.button("Delete persona", key="lab.personas.delete", type="primary", disabled=not confirmed,
              on_click=_on_delete, args=(agent, persona))


st.title("Personas")
_show("overview")
overview.render(ws, agent, has_log=collection in library().names() and bool(library().info(collection).interactions))

st.subheader("Add a persona")
adders = (_create_tab, partial(_demo_tab, collection=collection), _import_tab,
          partial(interaction_upload.section, done=partial(_flash, "overview", "success"), ws=ws,
                  registry=eval_jobs()))
for tab, render in zip(st.tabs(["New", "Demo personas", "Import JSON", "Upload interactions"]), adders):
    with tab:
        render(agent)

active = state.active_persona(agent)
if active is not None and community.is_community(active, state.personas(agent)):
    st.subheader(f"Community persona: {plain(ui.display_name(active))}")
    st.info("A real user of the sample's log, shared read-only by every workspace that includes the community: "
            "see its history here and its recommendations on Recommend; it can't be changed.")
    for tab, render in zip(st.tabs(["History and decay", "Export"]), (_history_tab, _export_tab)):
        with tab:
            render(agent, active)
elif active is not None:
    st.subheader(f"Persona: {plain(ui.display_name(active))}")
    tabs = st.tabs(["Rate items", "History and decay", "Properties", "Export", "Delete"])
    for tab, render in zip(tabs, (_rate_tab, _history_tab, _properties_tab, _export_tab, _delete_tab)):
        with tab:
            render(agent, active)
