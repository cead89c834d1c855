"""How the embedded store finds a request's vector candidates, by name: ``auto`` (the default: exact below
:class:`~core.configs.AnnConfig`'s thresholds, an approximate index above them), ``exact`` (always a full
scan), ``hnsw`` / ``ivf`` (that index at every catalog size; exact still answers when a filter leaves few
rows). The CLI's ``--vector-search``, the lab's server setting and ``$PERSONALIZATION_VECTOR_SEARCH`` name
a mode; :func:`ann_config` turns it into the config ``EmbeddedStore(path, ann=...)`` takes."""

from __future__ import annotations

import os

from core.configs import AnnConfig
from core.errors import InvalidInputError

VECTOR_SEARCH_ENV = "PERSONALIZATION_VECTOR_SEARCH"
VECTOR_SEARCH_MODES = ("auto", "exact", "hnsw", "ivf")


def ann_config(mode: str, *, wait_for_index: bool = False) -> AnnConfig:
    """The config of ``mode`` (one of :data:`VECTOR_SEARCH_MODES`). ``wait_for_index``: the first search that
    wants an index waits for its build (a one-shot command) instead of answering exactly meanwhile."""
    key = mode.strip().lower() if isinstance(mode, str) else mode
    if key not in VECTOR_SEARCH_MODES:
        raise InvalidInputError(f"vector search mode must be one of {', '.join(VECTOR_SEARCH_MODES)}, got {mode!r}")
    build = "sync" if wait_for_index else "background"
    if key == "exact":
        return AnnConfig(enabled=False)
    if key == "auto":
        return AnnConfig(build=build)
    return AnnConfig(kind=key, min_rows=1, min_rows_multi=1, build=build)


def vector_search_from_env(default: str = "auto") -> str:
    """The mode ``$PERSONALIZATION_VECTOR_SEARCH`` names (``default`` when unset or blank), checked."""
    raw = os.environ.get(VECTOR_SEARCH_ENV, "").strip()
    mode = raw.lower() or default
    if mode not in VECTOR_SEARCH_MODES:
        raise InvalidInputError(f"${VECTOR_SEARCH_ENV} must be one of {', '.join(VECTOR_SEARCH_MODES)}, "
                                f"got {raw[:40]!r}")
    return mode
