"""A sample's community: the real users of its interaction log as background personas.

:func:`community_rows` turns a shipped log (``core.io.samples.load_sample_interactions``) into
what one bulk ``Store.add_interactions(..., create_personas=..., background=True)`` stores:

- one persona per user of the log, named ``"<sample> user <id>"`` (``"movies user 17"``) in its
  ``name`` property, with the UUID of that name (``core.to_uuid``), so community personas never
  take the ID a log imported by hand (``to_uuid("17")``) or a persona made in the lab would get;
- one interaction per rating, its weight the rating mapped linearly onto [-1, 1] over the log's
  own scale (:func:`rating_weights`, as ``core.eval.sample_source`` maps it: the scale's midpoint is 0);
- at the log's time, or for a log without times (books) at :data:`UNTIMED_AT`, a fixed time so
  that an install never depends on the clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID

import numpy as np

from core.ids import to_uuid
from core.models import Persona
from core.store.base import InteractionScan, Store, StoredInteraction
from core.store.bulk import gc_paused

if TYPE_CHECKING:
    import pandas as pd

UNTIMED_AT = datetime(2017, 1, 1, tzinfo=timezone.utc)
"""When the ratings of a log without times are stored: the start of the year goodbooks-10k was published."""


@dataclass(frozen=True)
class CommunityReport:
    """What :func:`core.install_sample` stored as a sample's community, and how long it took."""

    collection: str
    personas: int
    interactions: int
    seconds: float
    community: Community | None = field(default=None, repr=False, compare=False)
    """What was stored (its :meth:`Community.scan` is what the store's scan gives back)."""


def community_name(sample: str, user: Any) -> str:
    """The display name (``name`` property) of log user ``user`` of ``sample``: ``"movies user 17"``."""
    return f"{sample} user {user}"


def community_persona_id(sample: str, user: Any) -> UUID:
    """The UUID of log user ``user``'s community persona (the UUID of its name)."""
    return to_uuid(community_name(sample, user))


def rating_weights(ratings: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """Ratings mapped linearly onto [-1, 1] over their own lowest and highest value, and that scale."""
    ratings = np.asarray(ratings, dtype=np.float64)
    low, high = (float(ratings.min()), float(ratings.max())) if len(ratings) else (0.0, 0.0)
    mid, half = (low + high) / 2, max((high - low) / 2, 1e-9)
    return np.clip((ratings - mid) / half, -1.0, 1.0), (low, high)


@dataclass(frozen=True)
class Community:
    """A log's community, ready to store: its personas and rows, and the columns they came from."""

    personas: list[Persona]
    rows: list[StoredInteraction]
    persona_codes: np.ndarray
    """Row ``k``'s persona: ``personas[persona_codes[k]]``."""
    item_codes: np.ndarray
    """Row ``k``'s item: ``items[item_codes[k]]``."""
    items: list[UUID]
    weights: np.ndarray
    stamps: np.ndarray
    """Unix seconds of each row (:data:`UNTIMED_AT` for a row without a time)."""

    def scan(self) -> InteractionScan:
        """The scan the embedded store gives back for these rows stored alone in a collection, without
        reading them back (books: well under a second instead of several): rows grouped by persona in
        creation order (stable), personas and items sorted by their 16 bytes, as that store orders them."""
        order = np.argsort(self.persona_codes, kind="stable")
        personas, persona_rank = _by_bytes([p.persona_id for p in self.personas])
        items, item_rank = _by_bytes(self.items)
        return InteractionScan(personas, items, persona_rank[self.persona_codes[order]],
                               item_rank[self.item_codes[order]], self.weights[order].astype(np.float32),
                               self.stamps[order])


def _by_bytes(ids: list[UUID]) -> tuple[list[UUID], np.ndarray]:
    """``ids`` sorted by their bytes, and each one's rank in that order."""
    order = sorted(range(len(ids)), key=lambda n: ids[n].bytes)
    rank = np.empty(len(ids), np.int64)
    rank[order] = np.arange(len(ids))
    return [ids[n] for n in order], rank


def community_rows(sample: str, log: pd.DataFrame) -> Community:
    """The personas and interactions of ``sample``'s log ``log`` (columns as ``load_sample_interactions``)."""
    import pandas as pd

    with gc_paused():  # about a million small objects for books (see core.store.bulk)
        codes, users = pd.factorize(log["user"])
        names = [community_name(sample, u) for u in users.tolist()]
        # validated once here (names are strings): constructing 53,424 personas unvalidated saves ~1 s
        personas = [Persona.model_construct(persona_id=to_uuid(name), properties={"name": name}) for name in names]
        ids = [p.persona_id for p in personas]
        item_codes, _ = pd.factorize(log["original_item_id"])  # ints hash far faster than UUID objects
        first = np.unique(item_codes, return_index=True)[1]
        weights, _ = rating_weights(log["rating"].to_numpy())
        stamps = log["timestamp"].to_numpy(dtype=np.float64)
        stamps = np.where(np.isnan(stamps), UNTIMED_AT.timestamp(), stamps)
        times = _times(stamps)
        item_list = log["item_uuid"].iloc[first].tolist()
        columns = zip([ids[c] for c in codes.tolist()], [item_list[c] for c in item_codes.tolist()],
                      weights.tolist(), times)
        rows = list(map(partial(tuple.__new__, StoredInteraction), columns))  # C-level: 3x the named-tuple call
    return Community(personas, rows, codes.astype(np.int64), item_codes.astype(np.int64), item_list, weights, stamps)


def _times(stamps: np.ndarray) -> list[datetime]:
    """One datetime per distinct unix time, shared by its rows."""
    import pandas as pd

    moments, distinct = pd.factorize(stamps)
    dates = [datetime.fromtimestamp(t, tz=timezone.utc) for t in distinct.tolist()]
    return [dates[m] for m in moments.tolist()]


def add_community(store: Store, collection: str, sample: str, log: pd.DataFrame) -> CommunityReport:
    """Store ``sample``'s log ``log`` in ``collection`` as background personas, in one atomic write."""
    start = time.perf_counter()
    community = community_rows(sample, log)
    store.add_interactions(collection, community.rows, create_personas=community.personas, background=True)
    return CommunityReport(collection, len(community.personas), len(community.rows), time.perf_counter() - start,
                           community)
