"""The faiss indexes behind the approximate candidate stage, built lazily and shared along an index's lineage.

faiss is optional: :func:`load_faiss` imports it on first need and returns None when it is missing
(the store then answers exactly). Its indexes hold 8-bit codes of the vectors (a quarter of their
float32 size), not the vectors: the candidates they return are re-scored exactly from the store's
own matrix, so the codes only decide *which* rows are looked at.

An :class:`AnnSlot` belongs to one lineage of :class:`~core.store.embedded.index.VectorIndex`: an
index made by appending rows (``appended``) shares its parent's slot, because the rows a build saw
are unchanged; an index whose vectors were rewritten or that was read again from the file gets a new,
empty slot. A build covers the matrix's first ``rows`` rows; rows after them (appended later) are
the exact-scanned tail, and a tail of ``AnnConfig.tail_rows`` starts a rebuild over the whole matrix.
"""

from __future__ import annotations

import importlib
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.configs import AnnConfig
from core.store.embedded import ann_files
from core.store.embedded.ann_files import AnnHome


def load_faiss() -> Any | None:
    """The faiss module, or None when it cannot be imported (the store is exact without it)."""
    try:
        return importlib.import_module("faiss")
    except ImportError:
        return None


@dataclass(frozen=True)
class Built:
    """One finished faiss index over a matrix's first ``rows`` rows."""

    index: Any
    kind: str
    """``"hnsw"`` or ``"ivf"``."""
    rows: int
    seconds: float
    bytes: int
    """Memory the index holds (its codes and graph or lists), from its serialised size."""
    loaded: bool = False
    """Read from its file (:mod:`~core.store.embedded.ann_files`; ``seconds`` is the read) rather than built."""


def build_index(faiss: Any, matrix: np.ndarray, kind: str, config: AnnConfig) -> Built:
    """A faiss index over every row of ``matrix`` (inner product; rows are unit length)."""
    t = time.perf_counter()
    n, d = matrix.shape
    x = np.ascontiguousarray(matrix)
    if kind == "hnsw":
        index = faiss.IndexHNSWSQ(d, faiss.ScalarQuantizer.QT_8bit, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 40
        index.train(x[:: max(1, n // 50_000)])
    else:
        nlist = ivf_lists(n)
        index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(d), d, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        index.train(x[:: max(1, n // (nlist * TRAIN_PER_LIST))])
    index.add(x)
    size = int(faiss.serialize_index(index).nbytes) if n <= 200_000 else _estimate(kind, n, d, config)
    return Built(index, kind, n, time.perf_counter() - t, size)


TRAIN_PER_LIST = 40
"""IVF training rows per list: faiss's k-means wants at least 39 per centroid (and warns below)."""


def ivf_lists(n: int) -> int:
    """IVF lists for ``n`` rows: ``sqrt(n)`` (1,000 at 1M: training and assignment take seconds), at least 16,
    and never more than the rows can train (:data:`TRAIN_PER_LIST` each)."""
    return max(1, min(max(16, int(np.sqrt(n))), n // TRAIN_PER_LIST))


def _estimate(kind: str, n: int, d: int, config: AnnConfig) -> int:
    """Bytes of a large index without serialising it (codes + HNSW links or IVF ids)."""
    return n * (d + (config.hnsw_m * 2 * 4 + 8 if kind == "hnsw" else 8))


def kind_for(rows: int, config: AnnConfig) -> str:
    return config.kind if config.kind != "auto" else ("hnsw" if rows < config.ivf_rows else "ivf")


class AnnSlot:
    """The faiss indexes of one index lineage, per vector name (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[tuple[str, str], Built] = {}  # by (vector name, kind)
        self._building: dict[tuple[str, str], threading.Thread] = {}
        self.failure: str | None = None

    def ready(self, name: str, matrix: np.ndarray, config: AnnConfig, faiss: Any,
              home: AnnHome | None = None) -> Built | None:
        """The index for ``name`` of the kind ``config`` asks for, if built or saved at ``home`` for this matrix
        (:mod:`~core.store.embedded.ann_files`); else a build is started (also when the tail is too long;
        ``config.build == "sync"`` waits for it)."""
        key = (name, kind_for(len(matrix), config))
        with self._lock:
            built = self._built.get(key)
            thread = self._building.get(key)
            if built is None and thread is None and home is not None:
                built = self._load(key, matrix, faiss, home)
                if built is not None:
                    self._built[key] = built
            stale = built is None or len(matrix) - built.rows >= config.tail_rows
            if stale and thread is None and self.failure is None:
                thread = self._building[key] = threading.Thread(
                    target=self._build, args=(key, matrix, config, faiss, home), daemon=True,
                    name=f"ann-build-{name}")
                thread.start()
        if thread is not None and config.build == "sync":
            thread.join()
            with self._lock:
                built = self._built.get(key)
        return built

    def _load(self, key: tuple[str, str], matrix: np.ndarray, faiss: Any, home: AnnHome) -> Built | None:
        t = time.perf_counter()
        found = ann_files.load(faiss, home, key[0], key[1], len(matrix), matrix.shape[1])
        if found is None:
            return None
        return Built(found[0], key[1], len(matrix), time.perf_counter() - t, found[1], loaded=True)

    def _build(self, key: tuple[str, str], matrix: np.ndarray, config: AnnConfig, faiss: Any,
               home: AnnHome | None = None) -> None:
        # one OpenMP thread for this thread's parallel regions only (OpenMP's thread count is per calling
        # thread): a background build leaves the other core to the answers
        faiss.omp_set_num_threads(1)
        try:
            built = build_index(faiss, matrix, key[1], config)
            if home is not None:  # kept for the next process (a failure to write only logs)
                ann_files.save(faiss, home, key[0], key[1], built.rows, built.index)
        except Exception as exc:  # e.g. no memory: the store stays exact and says why in the trace
            with self._lock:
                self.failure = f"{type(exc).__name__}: {exc}"
                self._building.pop(key, None)
            return
        with self._lock:
            self._built[key] = built
            self._building.pop(key, None)

    def built(self) -> list[Built]:
        """Every finished index (for benchmarks and the lab: build time and memory)."""
        with self._lock:
            return list(self._built.values())



def selector(faiss: Any, allowed: np.ndarray | None, rows: int, built: int) -> Any | None:
    """An ID selector passing the index's rows that are ``allowed`` and below ``rows`` (an older index of
    the lineage may be shorter than the build); None when it would pass every row."""
    if allowed is None and rows >= built:
        return None
    bits = np.zeros(built, dtype=bool)
    if allowed is None:
        bits[:rows] = True
    else:
        bits[:min(rows, built)] = allowed[:built]
    packed = np.packbits(bits, bitorder="little")
    sel = faiss.IDSelectorBitmap(built, faiss.swig_ptr(packed))
    sel.packed = packed  # the selector reads this buffer: keep it alive as long as the selector
    return sel


MANY_QUERIES = 8
"""From this many queries (knn's likes) an IVF search probes half the lists per query and no filter raises the
effort: their lists overlap and the union of their results is what counts (knn, real text at 100k, recall@10
0.975 at nprobe 16 against 0.985 at 32; with a 30 % filter 0.970 / 0.985)."""
FEW_BOOST = 2.0
"""A search of 2 to ``MANY_QUERIES - 1`` queries multiplies ``efSearch`` / ``nprobe`` by this: few queries have no
overlap to make up for a miss (multi_interest's interests are seeded far apart), and an interest centroid sits
further from its neighbours than a liked item does (top similarity 0.70 against 1.0 on real text). multi_interest,
real text at 100k, 60 personas: recall@10 0.978 at nprobe 32, 0.997 at 64; 0.992 at ef 128, 0.995 at 256. One
query is left as it is (centroid: 1.000 from nprobe 16). The quantizer's centroid similarities did not tell which
searches miss (correlation with the nprobe a persona needed: 0.07 for the best one, 0.20 for how many lists lie
within 0.05 of it), so the rule counts queries."""
MAX_BOOST = 4.0
"""A filter passing a share ``s`` of the rows multiplies a search of fewer queries' ``efSearch`` / ``nprobe`` by
``1 / s``, and with :data:`FEW_BOOST` at most by ``MAX_BOOST``: the passing neighbours are further away
(multi_interest with a 30 % filter, real text at 100k: recall@10 0.925 at ef 128, 0.985 at 512; 0.895 at nprobe
32, 1.000 at 128)."""


def effort(built: Built, k: int, config: AnnConfig, queries: int, share: float,
           boost: bool = True) -> dict[str, int]:
    """``efSearch`` (at least ``k``) or ``nprobe`` for a search of ``queries`` queries whose selector passes
    ``share`` of the rows (see :data:`MANY_QUERIES`, :data:`FEW_BOOST`, :data:`MAX_BOOST`); ``boost=False``
    (the prior's second search, among rows it picked itself) raises nothing."""
    many = queries >= MANY_QUERIES
    raised = (FEW_BOOST if queries > 1 else 1.0) / share if share > 0 else MAX_BOOST
    factor = 1.0 if many or not boost else min(raised, MAX_BOOST)
    if built.kind == "hnsw":
        return dict(ef_search=max(int(round(config.ef_search * factor)), k))
    probe = config.nprobe / 2 if many else config.nprobe
    return dict(nprobe=int(min(max(1, round(probe * factor)), built.index.nlist)))


def search_params(faiss: Any, built: Built, sel: Any, tuning: dict[str, int]) -> Any:
    """faiss search parameters: ``tuning``'s ``efSearch`` or ``nprobe`` (:func:`effort`), and the selector."""
    if built.kind == "hnsw":
        params = faiss.SearchParametersHNSW(efSearch=tuning["ef_search"])
    else:
        params = faiss.SearchParametersIVF(nprobe=tuning["nprobe"])
    if sel is not None:
        params.sel = sel
    return params
