"""Shipped sample catalogs: list them, load them, install them into a store.

Each catalog lives in ``sample_data/<name>/`` (see ``scripts/build_samples.py``) with its items,
precomputed all-MiniLM-L6-v2 vectors, license files and, for the real data sets, the real
interaction log for offline evaluation and for the sample's community (its real users as background
personas, :func:`install_community`). Loading reads JSON and a NumPy file only: no torch, no
model, well under a second for 10,000 items.

The folder is ``sample_data/`` beside ``core/`` unless ``PERSONALIZATION_SAMPLE_DATA`` names
another one. Item UUIDs are ``core.ids.to_uuid(original_id)``, the same on every backend.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.io.community import CommunityReport, add_community
from core.io.embedding import ProgressCallback, normalize
from core.errors import AlreadyExistsError, CatalogImportError, NotFoundError
from core.ids import to_uuid
from core.models import Item
from core.store.base import CollectionSpec, Store
from core.store.staged import new_collection

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_DATA_ENV = "PERSONALIZATION_SAMPLE_DATA"
INTERACTION_COLUMNS = ("user", "item_uuid", "original_item_id", "rating", "timestamp")


@dataclass(frozen=True)
class SampleInfo:
    """What ``catalog.json`` says about one shipped catalog."""

    name: str
    title: str
    description: str
    count: int
    license: str
    collection: str
    id_property: str
    title_property: str
    text_fields: tuple[str, ...]
    text_template: str
    embedding_model: str
    dims: int
    source: str
    path: Path
    interactions: int | None = None
    """Rows in the interaction log, or None when the catalog ships none."""
    users: int | None = None
    """Users in the interaction log (the sample's community personas), or None without a log."""
    behaviour: dict | None = None
    """How the community's behaviour model is trained (``train_behaviour`` arguments: ``dims``, ``l2``,
    ``blend``, ``tuning``), as chosen on a validation split of the log; None: the defaults."""


@dataclass
class SampleCatalog:
    """A loaded catalog: items in file order and their float32 unit vectors (row i = item i)."""

    info: SampleInfo
    items: list[Item]
    vectors: np.ndarray
    text_fields: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.items)


def sample_data_dir() -> Path:
    """The folder holding the catalogs: ``$PERSONALIZATION_SAMPLE_DATA`` or ``<repo>/sample_data``."""
    override = os.environ.get(SAMPLE_DATA_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[2] / "sample_data"


def _catalog_dirs() -> dict[str, Path]:
    root = sample_data_dir()
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir()) if (p / "catalog.json").is_file()}


def list_samples() -> list[SampleInfo]:
    """Every shipped catalog, sorted by name."""
    return [_read_info(path) for path in _catalog_dirs().values()]


def sample_info(name: str) -> SampleInfo:
    """The description of one catalog; unknown names raise :class:`NotFoundError`."""
    dirs = _catalog_dirs()
    if name not in dirs:
        valid = ", ".join(repr(n) for n in dirs) or f"none (no catalogs in {sample_data_dir()})"
        raise NotFoundError(f"no sample catalog named {name!r}; valid names: {valid}")
    return _read_info(dirs[name])


def _read_info(path: Path) -> SampleInfo:
    try:
        meta: dict[str, Any] = json.loads((path / "catalog.json").read_text(encoding="utf-8"))
        interactions = meta.get("interactions") or {}
        return SampleInfo(
            name=meta["name"], title=meta["title"], description=meta["description"],
            count=int(meta["count"]), license=meta["license"], collection=meta["collection"],
            id_property=meta["id_property"], title_property=meta["title_property"],
            text_fields=tuple(meta["text_fields"]), text_template=meta["text_template"],
            embedding_model=meta["embedding_model"], dims=int(meta["dims"]), source=meta["source"],
            path=path, interactions=interactions.get("rows"), users=interactions.get("users"),
            behaviour=meta.get("behaviour"),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CatalogImportError(f"sample catalog {path}/catalog.json is unreadable: {exc!r}") from exc


def load_sample(name: str) -> SampleCatalog:
    """Load a catalog's items and vectors (float32, L2-normalised) without touching the model."""
    info = sample_info(name)
    items = _read_items(info)
    vectors = normalize(np.load(info.path / "vectors.npy"))
    if vectors.shape != (len(items), info.dims):
        raise CatalogImportError(
            f"sample {name!r}: vectors.npy has shape {vectors.shape}, expected {(len(items), info.dims)}")
    return SampleCatalog(info=info, items=items, vectors=vectors, text_fields=info.text_fields)


def _read_items(info: SampleInfo) -> list[Item]:
    lines = [line for line in (info.path / "items.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    try:
        records = json.loads("[" + ",".join(lines) + "]")  # one parse: 3x faster than line by line
    except ValueError as exc:
        raise CatalogImportError(f"sample {info.name!r}: items.jsonl is not valid JSON lines: {exc}") from exc
    if len(records) != info.count:
        raise CatalogImportError(f"sample {info.name!r}: {len(records)} items, catalog.json says {info.count}")
    items = []
    for row, record in enumerate(records, start=1):
        properties = record["properties"]
        if properties.get(info.id_property) != record["id"]:
            raise CatalogImportError(
                f"sample {info.name!r}: id {record['id']!r} differs from "
                f"{info.id_property} {properties.get(info.id_property)!r}", row=row)
        items.append(Item(uuid=to_uuid(record["id"], what="sample item id"), properties=properties))
    return items


def load_sample_interactions(name: str) -> pd.DataFrame:
    """The catalog's real interaction log with columns ``user, item_uuid, original_item_id,
    rating, timestamp``.

    ``item_uuid`` holds :class:`uuid.UUID` objects matching the loaded items, ``rating`` is a
    float on the source's scale and ``timestamp`` unix seconds (NaN where the source has none).
    Catalogs without a log raise :class:`NotFoundError`.
    """
    import pandas as pd  # imported here so that listing and loading catalogs stay light

    info = sample_info(name)
    spec = json.loads((info.path / "catalog.json").read_text(encoding="utf-8")).get("interactions")
    if not spec:
        with_logs = [s.name for s in list_samples() if s.interactions]
        raise NotFoundError(f"sample {name!r} ships no interactions; samples with interactions: {with_logs}")
    raw = pd.read_csv(info.path / spec["file"])
    items = raw[spec["item_column"]]
    uuids = {value: to_uuid(value) for value in items.unique().tolist()}
    timestamp_column = spec.get("timestamp_column")
    return pd.DataFrame({
        "user": raw[spec["user_column"]],
        "item_uuid": items.map(uuids),
        "original_item_id": items,
        "rating": raw[spec["rating_column"]].astype("float64"),
        "timestamp": raw[timestamp_column].astype("float64") if timestamp_column else np.nan,
    }, columns=list(INTERACTION_COLUMNS))


def install_sample(store: Store, name: str, collection: str | None = None, *, replace: bool = False,
                   community: bool = False, progress: ProgressCallback | None = None) -> CollectionSpec:
    """Create ``collection`` (default: the catalog's own, e.g. ``"Movies"``) and fill it.

    An existing collection of that name raises :class:`AlreadyExistsError` unless ``replace``
    is true. ``community``: also store the sample's real users as background personas with their
    interactions (:func:`install_community`; a sample without a log raises :class:`NotFoundError`).
    The collection is built out of sight and published complete in one step, replacing the old one
    in the same transaction (:func:`core.store.staged.new_collection`): if anything fails, or the
    process is killed, no half-filled catalog appears and the old one is kept. ``progress(done, total)``
    is called as the items are stored (in chunks of :data:`PROGRESS_CHUNK`, e.g. batches to a server).
    """
    return install_catalog(store, load_sample(name), collection, replace=replace, community=community,
                           progress=progress)


def install_catalog(store: Store, catalog: SampleCatalog, collection: str | None = None, *,
                    replace: bool = False, community: bool = False,
                    before_publish: Callable[[str], Any] | None = None,
                    progress: ProgressCallback | None = None) -> CollectionSpec:
    """:func:`install_sample` for a catalog already loaded (the lab loads each one once per process);
    ``before_publish(staged_name)`` runs once everything is stored, before publishing (the agent is attached
    there)."""
    collection = collection or catalog.info.collection
    if community and not catalog.info.interactions:
        load_sample_interactions(catalog.info.name)  # NotFoundError naming the samples with a log
    if store.has_collection(collection) and not replace:
        raise AlreadyExistsError(
            f"collection {collection!r} exists already; pass replace=True or another collection name")
    spec = CollectionSpec(name=collection, dims=catalog.info.dims, text_fields=catalog.text_fields,
                          embedding_model=catalog.info.embedding_model)
    with new_collection(store, spec, replace=replace) as staged:
        _add_items(store, staged.name, catalog, progress)
        if community:
            install_community(store, catalog.info.name, staged.name)
        if before_publish is not None:
            before_publish(staged.name)
    return spec


PROGRESS_CHUNK = 1000
"""Items stored per call when an install reports progress (the staged collection is published whole either way)."""


def _add_items(store: Store, collection: str, catalog: SampleCatalog, progress: ProgressCallback | None) -> None:
    total = len(catalog.items)
    if progress is None:
        store.add_items(collection, catalog.items, catalog.vectors)
        return
    progress(0, total)
    for start in range(0, total, PROGRESS_CHUNK):  # inside the staged collection: a failure publishes nothing
        end = min(start + PROGRESS_CHUNK, total)
        store.add_items(collection, catalog.items[start:end], catalog.vectors[start:end])
        progress(end, total)


def install_community(store: Store, name: str, collection: str | None = None) -> CommunityReport:
    """Store sample ``name``'s community in ``collection`` (default: the sample's own), which holds the
    catalog already: every user of its log as a background persona with their ratings as interactions
    (see :mod:`core.io.community`), in one atomic write; what was stored and how long it took."""
    return add_community(store, collection or sample_info(name).collection, name, load_sample_interactions(name))
