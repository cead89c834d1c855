"""One step from a catalog to a ready agent: store the catalog, attach an agent.

:func:`install_sample_agent` does it for a shipped sample (the CLI's ``load-sample``, the lab's
workspaces, the benchmarks and the tests), :func:`import_catalog_agent` for a parsed file (the
CLI's ``import``, the lab's upload). In both, the agent is attached while the collection is still
staged (:func:`core.store.staged.new_collection`), so the collection appears with its items and its
agent in one step or not at all, and a replace that fails (or is killed) keeps the old collection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.errors import InvalidInputError
from core.io.catalog import ParsedCatalog, import_catalog
from core.io.embedding import ProgressCallback
from core.io.samples import SampleCatalog, install_catalog, load_sample
from core.personalization.sync import PersonalizationAgent
from core.store.base import Store

__all__ = ["import_catalog_agent", "install_sample_agent"]


def install_sample_agent(store: Store, sample: str | SampleCatalog, collection: str | None = None, *,
                         replace: bool = False, community: bool = False, progress: ProgressCallback | None = None,
                         user_properties: dict[str, Any] | None = None, **agent_options: Any) -> PersonalizationAgent:
    """Install ``sample`` (a shipped catalog's name, or one already loaded with ``core.load_sample``)
    as ``collection`` (default: the catalog's own, e.g. ``"Movies"``) and create its agent.

    ``replace``, ``community`` (the sample's real users as background personas), ``progress(done, total)``
    (items stored) and the errors are
    :func:`core.install_sample`'s (an existing collection raises
    :class:`~core.errors.AlreadyExistsError` unless ``replace``); ``user_properties`` and
    ``agent_options`` (``strategy``, ``llm``, ...) go to :meth:`PersonalizationAgent.create`.
    """
    if isinstance(sample, str):
        sample = load_sample(sample)
    elif not isinstance(sample, SampleCatalog):
        raise InvalidInputError(f"sample must be a sample name or a SampleCatalog, got {type(sample).__name__}")
    attach = _attach(store, user_properties, agent_options)
    spec = install_catalog(store, sample, collection, replace=replace, community=community, before_publish=attach,
                           progress=progress)
    return PersonalizationAgent(store, spec.name, **agent_options)


def import_catalog_agent(store: Store, collection: str, parsed: ParsedCatalog, *, replace: bool = False,
                         user_properties: dict[str, Any] | None = None, **import_and_agent: Any) -> PersonalizationAgent:
    """Import ``parsed`` (from :func:`core.read_catalog`) as ``collection`` and create its agent.

    ``progress``, ``title_property``, ``embedder`` and ``embedding_model`` go to
    :func:`core.import_catalog` (whose errors these are); everything else to
    :meth:`PersonalizationAgent.create`.
    """
    keys = ("progress", "title_property", "embedder", "embedding_model")
    options = {k: import_and_agent.pop(k) for k in keys if k in import_and_agent}
    spec = import_catalog(store, collection, parsed, replace=replace,
                          before_publish=_attach(store, user_properties, import_and_agent), **options)
    return PersonalizationAgent(store, spec.name, **import_and_agent)


def _attach(store: Store, user_properties: dict[str, Any] | None, options: dict[str, Any]) -> Callable[[str], Any]:
    """Attaching the agent to the staged collection: its options are checked and stored before publishing."""
    return lambda staged: PersonalizationAgent.create(store, staged, user_properties, **options)
