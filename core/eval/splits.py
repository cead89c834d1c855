"""Splits of an interaction log into training, validation and test, per user.

Each split keeps a user's earlier (or randomly chosen) interactions for training and holds out the
rest; the held-out items whose value passes ``relevant`` (default: a positive weight) are what a
good ranking should find. Settings are tuned on ``validation`` (held out from the training part by
the same rule) and reported on ``test``. Invariants, tested: no held-out item is in the same
user's training rows, validation and test are disjoint, and the random split is reproducible from
its seed.

- :func:`temporal_split`: the latest ``test_fraction`` of each user's interactions (timestamps needed);
- :func:`leave_last_k`: each user's last ``k`` interactions;
- :func:`random_split`: a seeded random ``test_fraction`` per user, for logs without timestamps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.errors import InvalidInputError


@dataclass(frozen=True)
class LogRow:
    """One interaction: who, what, its value (a weight in [-1, 1] or a rating) and when (unix seconds, or None)."""

    user: Hashable
    item: Hashable
    value: float
    time: float | None = None


@dataclass
class Split:
    """Training rows per user (oldest first when timed), and the relevant held-out items per user.

    With validation, ``train`` excludes the rows held out for it (``validation_rows``); settings are
    tuned on :meth:`for_validation` (fit on ``train``, judged on ``validation``) and reported on
    :meth:`for_test` (fit on ``train`` plus ``validation_rows``, judged on ``test``).
    """

    protocol: dict
    train: dict[Hashable, list[LogRow]] = field(default_factory=dict)
    validation: dict[Hashable, frozenset] = field(default_factory=dict)
    test: dict[Hashable, frozenset] = field(default_factory=dict)
    validation_rows: dict[Hashable, list[LogRow]] = field(default_factory=dict)

    def training_rows(self) -> list[LogRow]:
        return [row for rows in self.train.values() for row in rows]

    @property
    def has_validation(self) -> bool:
        return any(self.validation.values())

    def for_validation(self) -> Split:
        """Fit on ``train``, judge on ``validation`` (an error if the split has none)."""
        if not self.has_validation:
            raise InvalidInputError("this split has no validation part: give a validation fraction (or validation_k) "
                                    "to tune settings on validation before reporting them on test")
        return Split({**self.protocol, "part": "validation"}, dict(self.train), {}, dict(self.validation))

    def for_test(self) -> Split:
        """Fit on ``train`` plus the validation rows, judge on ``test``."""
        train = {u: rows + self.validation_rows.get(u, []) for u, rows in self.train.items()}
        return Split({**self.protocol, "part": "test"}, train, {}, dict(self.test))


Relevant = Callable[[LogRow], bool]


def positive(row: LogRow) -> bool:
    return row.value > 0


def _by_user(rows: Iterable[LogRow], min_interactions: int, timed: bool) -> dict[Hashable, list[LogRow]]:
    users: dict[Hashable, list[LogRow]] = {}
    for n, row in enumerate(rows):
        if timed and (row.time is None or math.isnan(row.time)):
            raise InvalidInputError(f"interaction #{n} (user {row.user!r}) has no timestamp; a temporal split needs "
                                    "one on every row (use random_split for logs without times)")
        users.setdefault(row.user, []).append(row)
    if timed:
        for user_rows in users.values():
            user_rows.sort(key=lambda r: r.time)  # stable: ties keep file order
    return {u: r for u, r in users.items() if len(r) >= min_interactions}


def _held_out(train: Sequence[LogRow], held: Sequence[LogRow], relevant: Relevant) -> frozenset:
    seen = {r.item for r in train}
    return frozenset(r.item for r in held if relevant(r) and r.item not in seen)


def _assemble(protocol: dict, users: dict[Hashable, list[LogRow]], cut: Callable[[list[LogRow], str], int],
              relevant: Relevant, validation: bool) -> Split:
    split = Split(protocol)
    for user, rows in users.items():
        test_at = cut(rows, "test")
        train, test = rows[:test_at], rows[test_at:]
        split.test[user] = _held_out(train, test, relevant)
        if validation:
            val_at = cut(train, "validation")
            train, held = train[:val_at], train[val_at:]
            split.validation[user] = _held_out(train, held, relevant) - split.test[user]
            split.validation_rows[user] = held
        split.train[user] = train
    return split


def _fraction(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise InvalidInputError(f"{name} must be a fraction in [0, 1), got {value!r}")
    return float(value)


def temporal_split(rows: Iterable[LogRow], *, test_fraction: float = 0.2, validation_fraction: float = 0.0,
                   min_interactions: int = 5, relevant: Relevant = positive) -> Split:
    """Hold out the latest ``test_fraction`` of each user's interactions (at least one), and of the rest
    the latest ``validation_fraction`` for validation; users with fewer than ``min_interactions`` are left out."""
    test_fraction, validation_fraction = _fraction("test_fraction", test_fraction), \
        _fraction("validation_fraction", validation_fraction)
    fractions = {"test": test_fraction, "validation": validation_fraction}

    def cut(user_rows: list[LogRow], part: str) -> int:
        return len(user_rows) - max(1, math.ceil(fractions[part] * len(user_rows)))

    protocol = {"split": "temporal", "test_fraction": test_fraction, "validation_fraction": validation_fraction,
                "min_interactions": min_interactions}
    return _assemble(protocol, _by_user(rows, min_interactions, True), cut, relevant, validation_fraction > 0)


def leave_last_k(rows: Iterable[LogRow], *, k: int = 1, validation_k: int = 0, min_interactions: int = 5,
                 relevant: Relevant = positive) -> Split:
    """Hold out each user's last ``k`` interactions for test and the ``validation_k`` before them."""
    for name, value in (("k", k), ("validation_k", validation_k)):
        if isinstance(value, bool) or not isinstance(value, int) or value < (1 if name == "k" else 0):
            raise InvalidInputError(f"{name} must be an integer >= {1 if name == 'k' else 0}, got {value!r}")
    sizes = {"test": k, "validation": validation_k}
    protocol = {"split": "leave_last_k", "k": k, "validation_k": validation_k, "min_interactions": min_interactions}
    users = _by_user(rows, max(min_interactions, k + validation_k + 1), True)
    return _assemble(protocol, users, lambda r, part: len(r) - sizes[part], relevant, validation_k > 0)


def random_split(rows: Iterable[LogRow], *, test_fraction: float = 0.2, validation_fraction: float = 0.0,
                 min_interactions: int = 5, seed: int = 0, relevant: Relevant = positive) -> Split:
    """Hold out a seeded random ``test_fraction`` of each user's interactions (at least one), then
    ``validation_fraction`` of the rest; the same seed gives the same split."""
    test_fraction, validation_fraction = _fraction("test_fraction", test_fraction), \
        _fraction("validation_fraction", validation_fraction)
    rng = np.random.default_rng(seed)
    users = _by_user(rows, min_interactions, False)
    shuffled = {u: [r[i] for i in rng.permutation(len(r))] for u, r in sorted(users.items(), key=lambda ur: str(ur[0]))}
    fractions = {"test": test_fraction, "validation": validation_fraction}

    def cut(user_rows: list[LogRow], part: str) -> int:
        return len(user_rows) - max(1, math.ceil(fractions[part] * len(user_rows)))

    protocol = {"split": "random", "test_fraction": test_fraction, "validation_fraction": validation_fraction,
                "min_interactions": min_interactions, "seed": seed}
    return _assemble(protocol, shuffled, cut, relevant, validation_fraction > 0)
