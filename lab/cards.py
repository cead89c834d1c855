"""Item cards and safe text: catalog text is data, so it is never rendered as Markdown or HTML.

``plain(text)`` escapes every Markdown/HTML control character, so a title such as
``![x](http://…)`` or ``<script>`` shows as those characters instead of an image or markup.
Escapes do not stop GitHub-style autolinks (Streamlit finds bare ``http://…``, ``www.…`` and
``name@host`` in the text *after* parsing), so ``plain`` also puts an invisible word joiner
(U+2060) where such a link would start: ``http⁠://``, ``www⁠.``, ``name⁠@host``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from core import display_title

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&@=^])")
_AUTOLINK = re.compile(r"(?i)(https?|www|ftp|mailto|xmpp)(?=[:.])|(?=@)")
JOINER = "\u2060"
"""WORD JOINER: zero width, breaks no line, copied along with the text."""
MAX_VALUE_CHARS = 160
DETAILS = "The numbers"


def plain(value: Any) -> str:
    """``value`` as text that Streamlit's Markdown shows literally: no markup, no link."""
    text = _AUTOLINK.sub(lambda m: (m.group(1) or "") + JOINER, as_text(value))
    return _MARKDOWN.sub(r"\\\1", text).replace("\n", " ")


def short(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    text = as_text(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def as_text(value: Any) -> str:
    """A list as its elements joined by ", ", anything else as ``str``; a value nested too deeply for
    ``str`` (hundreds of levels) is named, not shown."""
    try:
        return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    except (RecursionError, ValueError):  # ValueError: an int of more than 4,300 digits
        return f"(a {type(value).__name__} nested too deeply, or too long, to show)"


def item_card(properties: dict[str, Any], *, header: str = "", caption: str | None = None,
              fields: list[str] | None = None, actions: Callable[[], None] | None = None,
              text_fields: Sequence[str] = (), details: str | None = None) -> None:
    """One bordered card: a header line, the item's title, a few properties (``fields``, default
    all), a caption, ``details`` in a collapsed expander, actions. ``text_fields`` are the
    collection's (for ``core.display_title``). ``header`` is Markdown; everything else is shown as text."""
    with st.container(border=True):
        title = display_title(properties, "", text_fields)
        image = properties.get("image_url")
        if isinstance(image, str) and image.startswith(("http://", "https://")):
            st.image(image, width=96)
        st.markdown(f"{header}**{plain(short(title, 120))}**")
        shown = [k for k in (fields or list(properties)) if k not in ("title", "name", "original_id", "image_url")]
        for key in shown[:4]:
            value = properties.get(key)
            if value not in (None, "", []):
                st.caption(f"{plain(key)}: {plain(short(value))}")
        if caption:
            st.caption(plain(caption))
        if details:
            with st.expander(DETAILS):
                st.caption(plain(details))
        if actions is not None:
            actions()
