"""Catalog: what the active collection holds (stats, a paged preview, item cards) and an import
of your own catalog file (CSV, TSV, JSON, JSON Lines, Parquet), which then becomes the active collection."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core import PersonalizationError
from lab import catalog_ui as ui
from lab import catalog_upload as uploads
from lab import page, tour
from lab.cards import item_card, plain

ws, collection, agent = page.start("Catalog")
tour.visited_catalog()
st.session_state.setdefault("catalog.upload_round", 0)
st.title("Catalog")
if flash := st.session_state.pop("catalog.flash", None):
    st.success(flash)


def overview() -> int:
    spec = ws.store.get_collection(collection)
    count = ws.store.count(collection)
    stats = ui.catalog_stats(ws.catalog_key(collection), collection, count, ws.store)
    st.subheader(plain(collection))
    cols = st.columns(3)
    cols[0].metric("Items", f"{count:,}")
    cols[1].metric("Properties", len(stats.properties))
    cols[2].metric("Vector dimensions", spec.dims)
    st.caption(f"Embedding model: {plain(spec.embedding_model or 'vectors from the file')} · "
               f"text fields: {plain(', '.join(spec.text_fields) or '(none)')}")
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Properties**")
        st.dataframe([{"property": p.name, "type": p.kind, "items with it": p.items_with,
                       "share": p.items_with / max(count, 1), "example": p.example} for p in stats.properties],
                     hide_index=True, column_config={"share": st.column_config.ProgressColumn(
                         "share", min_value=0.0, max_value=1.0, format="percent")})
    with right:
        st.markdown("**Most common values**")
        if not stats.top_values:
            st.caption("No list or categorical properties.")
            return count
        for tab, values in zip(st.tabs([plain(n) for n in stats.top_values]), stats.top_values.values()):
            tab.dataframe([{"value": v, "items": n} for v, n in values], hide_index=True,
                          column_config={"items": st.column_config.ProgressColumn(
                              "items", min_value=0, max_value=max(count, 1), format="%d")})
    return count


def preview(count: int) -> None:
    st.subheader("Preview")
    left, right, _ = st.columns([1, 1, 2])
    size = left.selectbox("Rows per page", [10, 25, 50, 100], index=1, key="catalog.page_size")
    pages = max(1, -(-count // size))
    if st.session_state.get("catalog.page", 1) > pages:
        st.session_state["catalog.page"] = 1
    number = right.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, key="catalog.page")
    items = ws.store.iter_items(collection, offset=(number - 1) * size, limit=size)
    st.dataframe(ui.preview_frame([i.properties for i in items]), hide_index=True)
    for col, item in zip(st.columns(4), items[:4]):
        with col:
            item_card(item.properties, caption=f"id {item.properties.get('original_id', item.uuid)}",
                      text_fields=ws.store.get_collection(collection).text_fields)


def upload() -> None:
    st.subheader("Import your own catalog")
    st.caption("One row per item: an ID column, text columns to embed with all-MiniLM-L6-v2 (offline) and "
               "optionally a column of precomputed vectors; each other column gets a type (detected, yours to "
               "change). A bad file is rejected with the row and column; nothing is stored.")
    file = st.file_uploader("Catalog file", type=uploads.UPLOAD_TYPES,
                            key=f"catalog.upload.{st.session_state['catalog.upload_round']}")
    if file is None:
        return
    data, name = file.getvalue(), file.name
    try:
        peek = uploads.peek_file(data, name)
    except PersonalizationError as exc:
        st.error(plain(str(exc)))
        return
    st.caption(f"{peek.rows:,} rows · columns: {plain(', '.join(peek.columns))}")
    st.dataframe(peek.preview, hide_index=True)
    mapping, target = mapping_form(peek, name, file.file_id)
    if st.button("Import", type="primary", key=f"catalog.import.{file.file_id}"):
        run_import(data, name, mapping, target)


def mapping_form(peek: uploads.FilePeek, name: str, key: str) -> tuple[uploads.Mapping, str]:
    cols, guess = list(peek.columns), peek.guess
    optional = [None, *cols]
    left, right = st.columns(2)
    id_column = left.selectbox("ID column", cols, index=cols.index(guess.id_column), key=f"catalog.id.{key}")
    title = left.selectbox("Title column (optional)", optional, index=optional.index(guess.title_column),
                           format_func=lambda c: "(none)" if c is None else c, key=f"catalog.title.{key}")
    vector = left.selectbox("Vector column (optional)", optional, index=optional.index(guess.vector_column),
                            format_func=lambda c: "(none: embed the text columns)" if c is None else c,
                            key=f"catalog.vector.{key}")
    image = left.selectbox("Image URL column (optional)", optional, index=optional.index(guess.image_column),
                           format_func=lambda c: "(none)" if c is None else c, key=f"catalog.image.{key}")
    texts = right.multiselect("Text columns to embed", cols, default=list(guess.text_columns),
                              key=f"catalog.text.{key}")
    target = right.text_input("Collection name", value=uploads.default_collection_name(name), key=f"catalog.name.{key}")
    mapping = uploads.Mapping(id_column, title, tuple(texts), vector, image)
    return replace(mapping, column_types=uploads.column_types_form(peek, mapping, f"catalog.{key}")), target


def run_import(data: bytes, name: str, mapping: uploads.Mapping, target: str) -> None:
    bar = st.progress(0.0, text="Reading the file…")
    report = (lambda done, total: bar.progress(done / max(total, 1), text=f"Embedded {done:,} of {total:,} items"))
    try:
        spec = uploads.import_upload(ws.store, target, data, name, mapping, progress=report)
    except PersonalizationError as exc:
        bar.empty()
        st.error(plain(str(exc)))
        return
    st.session_state.update({"lab.next_collection": spec.name,
                             "catalog.upload_round": st.session_state["catalog.upload_round"] + 1,
                             "catalog.flash": f"Imported {ws.store.count(spec.name):,} items into "
                                              f"{plain(spec.name)}; it is now the active collection."})
    st.rerun()


try:
    preview(overview())
except PersonalizationError as exc:
    st.error(plain(str(exc)))
upload()
