"""Where an evaluation's interactions come from, as :class:`~core.eval.splits.LogRow` lists.

- :func:`sample_source`: a shipped sample's real log (its ratings mapped linearly onto weights in
  [-1, 1] over the log's own scale, so the scale's midpoint is 0);
- :func:`store_source`: every interaction stored for a collection (a workspace's personas, including
  logs imported on the Personas page or with ``import-interactions``), with the personas' properties;
  background personas (a sample's community) only when asked, since a sample's log is its own source;
- :func:`log_source`: an uploaded file read by ``read_interaction_log`` and ``convert_log``
  (weights as its mapping made them).

:func:`split_source` splits any of them by a protocol's name. A held-out interaction is relevant when
its weight is positive, or, with ``min_rating``, when its rating (on the sample's scale; a weight for
sources without a rating scale) is at least that.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from core.errors import InvalidInputError
from core.eval.splits import LogRow, Relevant, Split, leave_last_k, positive, random_split, temporal_split
from core.io.community import rating_weights
from core.io.interaction_log import ConvertedLog
from core.io.samples import load_sample_interactions
from core.store.base import Store

PROTOCOLS = ("temporal", "leave_last_k", "random")


@dataclass(frozen=True)
class LogSource:
    """An interaction log ready to split: rows with weights in [-1, 1], and what it is."""

    name: str
    description: str
    rows: list[LogRow] = field(repr=False)
    rating_scale: tuple[float, float] | None = None
    properties: dict[Hashable, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def timed(self) -> bool:
        """Whether every row has a time (a temporal or leave-last-k split needs that)."""
        return all(r.time is not None and not math.isnan(r.time) for r in self.rows)

    @property
    def users(self) -> int:
        return len({r.user for r in self.rows})

    def weight_of(self, rating: float) -> float:
        """A rating on this source's scale as its weight (sources without a scale: the value itself)."""
        if self.rating_scale is None:
            return float(rating)
        low, high = self.rating_scale
        mid, half = (low + high) / 2, max((high - low) / 2, 1e-9)
        return (float(rating) - mid) / half

    def relevant(self, min_rating: float | None = None) -> Relevant:
        """Positive weight, or a rating (a weight without a scale) of at least ``min_rating``."""
        if min_rating is None:
            return positive
        if isinstance(min_rating, bool) or not isinstance(min_rating, (int, float)) or math.isnan(min_rating):
            raise InvalidInputError(f"min_rating must be a number, got {min_rating!r}")
        if self.rating_scale is not None and not self.rating_scale[0] <= min_rating <= self.rating_scale[1]:
            raise InvalidInputError(f"min_rating {min_rating:g} is outside {self.name}'s rating scale "
                                    f"{self.rating_scale[0]:g}-{self.rating_scale[1]:g}")
        bar = self.weight_of(min_rating) - 1e-9
        return lambda row: row.value >= bar

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "interactions": len(self.rows),
                "users": self.users, "timed": self.timed, "rating_scale": self.rating_scale}


def sample_source(sample: str) -> LogSource:
    """The shipped sample's log (``NotFoundError`` naming the samples that have one, if it has none)."""
    log = load_sample_interactions(sample)
    weights, (low, high) = rating_weights(log.rating.to_numpy())
    rows = [LogRow(u, i, w, None if math.isnan(t) else float(t))
            for u, i, w, t in zip(log.user.tolist(), log.item_uuid.tolist(), weights.tolist(), log.timestamp.tolist())]
    return LogSource(sample, f"the {sample} sample's log ({len(rows):,} ratings, {low:g}-{high:g})", rows, (low, high))


def store_source(store: Store, collection: str, *, background: bool = False) -> LogSource:
    """Every interaction stored for ``collection``, one user per persona, with the personas' properties;
    ``background``: the background personas' too (a sample's community), else only those people made."""
    scan = store.scan_interactions(collection)
    hidden = set() if background else {p.persona_id for p in store.list_personas(collection, background=True)}
    rows = [LogRow(user, scan.items[i], float(w), None if math.isnan(t) else float(t))
            for p, i, w, t in zip(scan.persona_index.tolist(), scan.item_index.tolist(), scan.weight.tolist(),
                                  scan.created_at.tolist()) if (user := scan.personas[p]) not in hidden]
    chosen = None if background else False
    properties = {p.persona_id: dict(p.properties) for p in store.list_personas(collection, background=chosen)
                  if p.properties}
    users = len({r.user for r in rows})
    return LogSource(f"{collection} personas", f"the personas of {collection} ({users:,} with {len(rows):,} "
                     "interactions)", rows, None, properties)


def log_source(log: ConvertedLog, name: str = "uploaded log") -> LogSource:
    """An uploaded log as converted by its mapping (rows without a time stay untimed)."""
    rows = [LogRow(p, i, float(w), None if t is None else t.timestamp())
            for p, i, w, t in zip(log.persona_ids, log.item_uuids, log.weights, log.created_at)]
    users = len(set(log.persona_ids))
    return LogSource(name, f"{name} ({users:,} users, {len(rows):,} interactions)", rows)


def split_source(source: LogSource, protocol: str = "temporal", *, test_fraction: float = 0.2,
                 validation_fraction: float = 0.0, last: int = 1, validation_last: int = 0, seed: int = 0,
                 min_rating: float | None = None, min_interactions: int = 5) -> Split:
    """Split ``source`` by ``protocol`` (one of :data:`PROTOCOLS`); the protocol records the source."""
    if protocol not in PROTOCOLS:
        raise InvalidInputError(f"unknown protocol {protocol!r}; protocols: {', '.join(PROTOCOLS)}")
    if not source.rows:
        raise InvalidInputError(f"{source.name} has no interactions to evaluate on")
    if protocol != "random" and not source.timed:
        untimed = sum(r.time is None or math.isnan(r.time) for r in source.rows)
        raise InvalidInputError(f"{source.name} has {untimed:,} interactions without a time; a {protocol} split needs "
                                "a time on every one (use the random protocol)")
    relevant = source.relevant(min_rating)
    if protocol == "temporal":
        split = temporal_split(source.rows, test_fraction=test_fraction, validation_fraction=validation_fraction,
                               min_interactions=min_interactions, relevant=relevant)
    elif protocol == "leave_last_k":
        split = leave_last_k(source.rows, k=last, validation_k=validation_last, min_interactions=min_interactions,
                             relevant=relevant)
    else:
        split = random_split(source.rows, test_fraction=test_fraction, validation_fraction=validation_fraction,
                             min_interactions=min_interactions, seed=seed, relevant=relevant)
    split.protocol.update(source=source.name, min_rating=min_rating)
    if not any(split.test.values()):
        raise InvalidInputError(f"no user of {source.name} has a relevant held-out interaction (users need at least "
                                f"{min_interactions} interactions and a held-out one that counts as relevant)")
    return split
