"""One step from a shipped sample catalog to a ready agent: install the catalog, attach an agent.

The CLI's ``load-sample``, the lab's workspaces, the benchmarks and the tests all start this way;
doing it through :func:`install_sample_agent` keeps them identical (the catalog is removed again
if attaching the agent fails, so no collection without an agent is left behind).
"""

from __future__ import annotations

from typing import Any

from core.errors import InvalidInputError
from core.io.samples import SampleCatalog, install_catalog, load_sample
from core.personalization.sync import PersonalizationAgent
from core.store.base import Store

__all__ = ["install_sample_agent"]


def install_sample_agent(store: Store, sample: str | SampleCatalog, collection: str | None = None, *,
                         replace: bool = False, user_properties: dict[str, Any] | None = None,
                         **agent_options: Any) -> PersonalizationAgent:
    """Install ``sample`` (a shipped catalog's name, or one already loaded with ``core.load_sample``)
    as ``collection`` (default: the catalog's own, e.g. ``"Movies"``) and create its agent.

    ``replace`` and the errors are :func:`core.install_sample`'s (an existing collection raises
    :class:`~core.errors.AlreadyExistsError` unless ``replace``); ``user_properties`` and
    ``agent_options`` (``strategy``, ``llm``, ...) go to :meth:`PersonalizationAgent.create`.
    """
    if isinstance(sample, str):
        sample = load_sample(sample)
    elif not isinstance(sample, SampleCatalog):
        raise InvalidInputError(f"sample must be a sample name or a SampleCatalog, got {type(sample).__name__}")
    spec = install_catalog(store, sample, collection, replace=replace)
    try:
        return PersonalizationAgent.create(store, spec.name, user_properties, **agent_options)
    except BaseException:
        store.delete_collection(spec.name)
        raise
