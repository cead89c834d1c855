"""Synthetic catalogs for ``benchmarks.bench_scale``: seeded 384-d vectors, items, a community log, cached.

Two kinds of vectors, both unit length and generated in fixed blocks of :data:`BLOCK` rows (so any
slice is reproducible without generating the rest):

- ``uniform``: i.i.d. normal coordinates, normalised (``benchmarks.bench_latency``'s catalog);
- ``clustered``: a mixture of :data:`CLUSTERS` Gaussian clusters (random unit centres, each item its
  centre plus isotropic noise of norm about :data:`SPREAD`, normalised: cosine to its centre ~0.7).

Items carry ``bench_latency``'s properties (``title``, ``genres``, ``year``, ``original_id``); the
filter :data:`FILTER_CONDITIONS` keeps about 30 % of them (:func:`filter_mask` computes which, by
hand). Each catalog gets a community of :data:`PERSONAS` background personas with :data:`LIKES`
likes each (clustered: from two clusters per persona; uniform: at random), the persona ``bench``
(20 likes, 5 dislikes, ``favorite_genres`` for the local agent) and a trained behaviour model, so
the learned-vector ``blend`` has something to learn. Stores are built through the public API,
chunk by chunk (the store reopened per chunk, so the building process never holds the whole
index), and cached under ``<cache>/<kind>-<n>-s<seed>/store.db``; a ``built.json`` next to it
records how long the build took and marks it complete.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from core import (CollectionSpec, EmbeddedStore, Item, Persona, PersonaInteraction, PersonalizationAgent,
                  build_filter, generate_uuid5, parse_condition, train_behaviour)

DIMS = 384
BLOCK = 10_000
CLUSTERS = 1000
SPREAD = 1.0
PERSONAS = 2000
LIKES = 20
CHUNK = 50_000
COLLECTION = "Bench"
BENCH_PERSONA = "bench"
NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)
GENRES = ["Comedy", "Drama", "Action", "Horror", "Sci-Fi", "Romance", "Documentary", "Animation"]
FILTER_CONDITIONS = ("year>=1985", "genres~Comedy,Drama,Action")
KINDS = ("clustered", "uniform")


def filters():
    """The ~30 % filter as a weaviate ``Filter`` (what ``get_objects`` takes)."""
    return build_filter([parse_condition(c) for c in FILTER_CONDITIONS])


def filter_mask(n: int) -> np.ndarray:
    """Which of items ``0..n-1`` :func:`filters` keeps, computed from :func:`item`'s formulas."""
    i = np.arange(n)
    wanted = {GENRES.index(g) for g in ("Comedy", "Drama", "Action")}
    genre = np.isin(i % 8, list(wanted)) | np.isin((i * 7) % 8, list(wanted))
    return (1950 + i % 70 >= 1985) & genre


def item(i: int) -> Item:
    genres = [GENRES[i % 8], GENRES[(i * 7) % 8]]
    return Item(uuid=generate_uuid5(i), properties={"title": f"Item {i}", "genres": genres, "year": 1950 + i % 70,
                                                    "original_id": i})


def _centres(seed: int) -> np.ndarray:
    c = np.random.default_rng([seed, 7, 0]).normal(size=(CLUSTERS, DIMS)).astype(np.float32)
    return c / np.linalg.norm(c, axis=1, keepdims=True)


def labels(seed: int, start: int, stop: int) -> np.ndarray:
    """The cluster of each of items ``start..stop-1`` of a clustered catalog."""
    blocks = range(start // BLOCK, (stop - 1) // BLOCK + 1) if stop > start else range(0)
    out = np.concatenate([np.random.default_rng([seed, 8, b]).integers(0, CLUSTERS, BLOCK) for b in blocks] or [[]])
    offset = start - (start // BLOCK) * BLOCK
    return out[offset:offset + stop - start].astype(np.int64)


def vectors(kind: str, seed: int, start: int, stop: int) -> np.ndarray:
    """Rows ``start..stop-1`` of the catalog's (n, 384) float32 unit vectors."""
    if kind not in KINDS:
        raise ValueError(f"vectors are one of {KINDS}, got {kind!r}")
    first, parts = start // BLOCK, []
    centres = _centres(seed) if kind == "clustered" else None
    for b in range(first, (stop - 1) // BLOCK + 1):
        rng = np.random.default_rng([seed, 9 if kind == "clustered" else 10, b])
        x = rng.normal(size=(BLOCK, DIMS)).astype(np.float32)
        if centres is not None:
            x = centres[labels(seed, b * BLOCK, (b + 1) * BLOCK)] + x * np.float32(SPREAD / np.sqrt(DIMS))
        parts.append(x / np.linalg.norm(x, axis=1, keepdims=True))
    block = np.concatenate(parts)[start - first * BLOCK:stop - first * BLOCK]
    return np.ascontiguousarray(block)


@dataclass(frozen=True)
class Catalog:
    """A built (or cached) store file and how it was made."""

    kind: str
    n: int
    seed: int
    path: Path
    built: dict
    """``built.json``: seconds per build step and the counts; ``cached`` is True when this run did not build it."""

    @property
    def label(self) -> str:
        return f"{self.kind}, seed {self.seed}"


def catalog(kind: str, n: int, seed: int, cache: Path, *, log=print) -> Catalog:
    """The cached store of ``n`` items of ``kind`` (built first when missing or incomplete)."""
    folder = Path(cache) / f"{kind}-{n}-s{seed}"
    marker, path = folder / "built.json", folder / "store.db"
    if marker.exists():
        return Catalog(kind, n, seed, path, {**json.loads(marker.read_text()), "cached": True})
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    built = build(kind, n, seed, path, log=log)
    marker.write_text(json.dumps(built))
    return Catalog(kind, n, seed, path, {**built, "cached": False})


def build(kind: str, n: int, seed: int, path: Path, *, log=print) -> dict:
    """Build the store at ``path`` (module docstring); returns the seconds each step took."""
    started = time.perf_counter()
    store = EmbeddedStore(path)
    store.create_collection(CollectionSpec(COLLECTION, DIMS, text_fields=("title", "genres")))
    PersonalizationAgent.create(store, COLLECTION, user_properties={"favorite_genres": "text[]"})
    store.close()
    items_s = 0.0
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        batch, block = [item(i) for i in range(start, stop)], vectors(kind, seed, start, stop)
        store = EmbeddedStore(path)  # a fresh handle per chunk: no in-memory index grows in this process
        t = time.perf_counter()
        store.add_items(COLLECTION, batch, block)
        items_s += time.perf_counter() - t
        store.close()
        log(f"  built {stop:,} / {n:,} items ({kind}) in {time.perf_counter() - started:.0f} s", flush=True)
    store = EmbeddedStore(path)
    t = time.perf_counter()
    rows = community(kind, n, seed)
    store.add_interactions(COLLECTION, rows, default_time=NOW, create_personas={r.persona_id for r in rows},
                           background=True)
    agent = PersonalizationAgent(store=store, reference_collection=COLLECTION)
    agent.add_persona(Persona(persona_id=BENCH_PERSONA, properties={"favorite_genres": ["Documentary"]}))
    agent.add_interactions(bench_history(kind, n, seed), now=NOW)
    interactions_s = time.perf_counter() - t
    t = time.perf_counter()
    model = train_behaviour(store, COLLECTION)
    train_s = time.perf_counter() - t
    store.close()
    return {"items": n, "kind": kind, "seed": seed, "interactions": len(rows) + 25, "items_s": round(items_s, 2),
            "interactions_s": round(interactions_s, 2), "train_s": round(train_s, 2),
            "behaviour_dims": model.meta.get("dims"), "total_s": round(time.perf_counter() - started, 2)}


def _liked(kind: str, n: int, seed: int, rng: np.random.Generator, count: int, by_cluster) -> np.ndarray:
    """``count`` distinct items: from two clusters (clustered) or uniformly at random."""
    if kind == "clustered" and by_cluster is not None:
        pool = np.concatenate([by_cluster[c] for c in rng.choice(len(by_cluster), 2, replace=False)])
        if len(pool) >= count:
            return rng.choice(pool, count, replace=False)
    return rng.choice(n, min(count, n), replace=False)


def _clusters(kind: str, n: int, seed: int) -> list[np.ndarray] | None:
    if kind != "clustered":
        return None
    lab = labels(seed, 0, n)
    order = np.argsort(lab, kind="stable")
    return [part for part in np.split(order, np.searchsorted(lab[order], np.arange(1, CLUSTERS))) if len(part)]


def community(kind: str, n: int, seed: int) -> list[PersonaInteraction]:
    """:data:`PERSONAS` background personas with :data:`LIKES` likes each, dated over the last year."""
    rng, by_cluster = np.random.default_rng([seed, 11]), _clusters(kind, n, seed)
    out = []
    for p in range(PERSONAS):
        persona = generate_uuid5(f"community-{p}")
        for k, i in enumerate(_liked(kind, n, seed, rng, min(LIKES, n // 4), by_cluster)):
            out.append(PersonaInteraction(persona_id=persona, item_id=generate_uuid5(int(i)), weight=1.0,
                                          created_at=NOW - timedelta(days=int((p * 7 + k) % 365))))
    return out


def bench_rows(kind: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers of the measured persona's 20 likes (two clusters when clustered) and 5 dislikes."""
    rng = np.random.default_rng([seed, 12])
    liked = _liked(kind, n, seed, rng, 20, _clusters(kind, n, seed))
    return liked, rng.choice(np.setdiff1d(np.arange(n), liked), 5, replace=False)


def bench_history(kind: str, n: int, seed: int) -> list[PersonaInteraction]:
    """The measured persona's interactions (:func:`bench_rows`), one a day, the newest first."""
    liked, disliked = bench_rows(kind, n, seed)
    return [PersonaInteraction(persona_id=BENCH_PERSONA, item_id=generate_uuid5(int(i)),
                               weight=1.0 if k < 20 else -1.0, created_at=NOW - timedelta(days=k))
            for k, i in enumerate([*liked, *disliked])]
