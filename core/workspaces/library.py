"""The shipped sample catalogs, loaded once per process and shared read-only by every workspace.

:class:`SampleLibrary` implements :class:`~core.store.overlay.SharedCatalogs`: one in-memory
embedded store into which each sample is installed the first time any workspace reads it. A
workspace never copies a sample's items or vectors; its own file only names the collection
(see :class:`~core.store.overlay.OverlayStore`). A sample with an interaction log also has a
**community** (:meth:`SampleLibrary.community_for`): its real users as background personas with
their ratings, installed into the same store the first time a workspace includes them, with the behaviour model
learned from them (:mod:`core.learn`), which workspaces read until they train their own. A
training too big to run at once runs in a background thread with one BLAS thread
(:func:`~core.learn.blas.one_blas_thread`), so the requests meanwhile keep a core.
"""

from __future__ import annotations

import contextlib
import os
import threading

from core.configs import BlendWeights
from core.errors import InvalidInputError, NotFoundError, PersonalizationError
from core.learn import AUTO_TRAIN_MAX, train_behaviour
from core.io.samples import SampleInfo, install_catalog, install_community, list_samples, load_sample
from core.store.base import Store
from core.store.community import seed_community
from core.store.embedded.store import EmbeddedStore
from core.learn.blas import one_blas_thread


class SampleLibrary:
    """Every shipped sample by collection name, each loaded on first use (thread-safe)."""

    def __init__(self, *, background_above: int = AUTO_TRAIN_MAX, background_blas_threads: int | None = 1,
                 background_niceness: int = 0) -> None:
        """A community with more than ``background_above`` interactions trains in a background thread:
        ``background_blas_threads`` 1 holds the process at one BLAS thread meanwhile (None: the BLAS libraries'
        own, one per core), and the thread runs at nice ``background_niceness`` (README, "The community": one
        thread and nice 0 served the other requests best; nice 10 lengthened the pauses in which the training
        holds the GIL)."""
        self.store = EmbeddedStore(":memory:")
        self._infos = {info.collection: info for info in list_samples()}
        self._samples = {collection: info.name for collection, info in self._infos.items()}
        self._loaded: set[str] = set()
        self._communities: dict[str, float] = {}  # collection -> seconds its community took to install
        self._lock = threading.Lock()
        self._training: dict[str, threading.Thread] = {}
        if background_blas_threads not in (1, None):
            raise InvalidInputError(f"background_blas_threads must be 1 or None, got {background_blas_threads!r}")
        self._blas = one_blas_thread if background_blas_threads == 1 else contextlib.nullcontext
        self._niceness = int(background_niceness)
        self._background_above = int(background_above)

    def names(self) -> frozenset[str]:
        return frozenset(self._samples)

    def sample_of(self, collection: str) -> str:
        """The sample name (``"movies"``) of a shared collection (``"Movies"``)."""
        if collection not in self._samples:
            raise NotFoundError(f"{collection!r} is not a shipped sample; samples: {sorted(self._samples)}")
        return self._samples[collection]

    def collection_of(self, sample: str) -> str:
        """The collection name (``"Movies"``) of sample ``sample`` (``"movies"``)."""
        for collection, name in self._samples.items():
            if name == sample:
                return collection
        raise NotFoundError(f"no sample catalog named {sample!r}; valid names: {sorted(self._samples.values())}")

    def info(self, collection: str) -> SampleInfo:
        """What ``catalog.json`` says about the sample behind ``collection``."""
        self.sample_of(collection)
        return self._infos[collection]

    def loaded(self) -> list[str]:
        """The collections loaded so far in this process."""
        return sorted(self._loaded)

    def store_for(self, collection: str) -> Store:
        if collection not in self._loaded:
            name = self.sample_of(collection)
            with self._lock:
                if collection not in self._loaded:  # the store keeps its own copy: the loaded lists are dropped
                    install_catalog(self.store, load_sample(name), collection)
                    self._loaded.add(collection)
        return self.store

    def community_for(self, collection: str) -> Store | None:
        """The store holding ``collection``'s community (installed on first use, thread-safe), or None
        for a sample without an interaction log."""
        if not self.info(collection).interactions:
            return None
        if collection not in self._communities:
            store = self.store_for(collection)
            with self._lock:
                if collection not in self._communities:
                    report = install_community(store, self.sample_of(collection), collection)
                    community = report.community
                    seed_community(store, collection, [p.persona_id for p in community.personas], community.scan())
                    self._communities[collection] = report.seconds
                    self._learn(collection, report.interactions)
        return self.store

    def _learn(self, collection: str, interactions: int) -> None:
        """Train the community's behaviour model once per process, with the settings ``catalog.json`` records:
        at once when that is cheap (movies: about a second), else in a background thread (books: minutes;
        workspaces rank with content until it is there, then pick it up without a write). The tuning
        shipped there was done on the community's ``interactions`` (the sample's log), so the record says so."""
        settings = dict(self.info(collection).behaviour or {})
        if "blend" in settings:
            settings["blend"] = BlendWeights.model_validate(settings["blend"])
        if settings.get("tuning"):
            settings["tuning"] = {**settings["tuning"], "interactions": interactions}

        def train() -> None:
            try:
                train_behaviour(self.store, collection, **settings)
            except PersonalizationError:  # too few likes to learn from: no model
                pass
        if (self.info(collection).interactions or 0) <= self._background_above:
            train()
            return

        def train_in_background() -> None:
            if self._niceness:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._niceness)
            with self._blas():
                train()
        thread = threading.Thread(target=train_in_background, name=f"learn-{collection}", daemon=True)
        self._training[collection] = thread
        thread.start()

    def training(self, collection: str) -> threading.Thread | None:
        """The background thread training ``collection``'s community model, if one was started."""
        return self._training.get(collection)

    def communities(self) -> dict[str, float]:
        """The collections whose community is installed in this process, with the seconds each took."""
        return dict(self._communities)
