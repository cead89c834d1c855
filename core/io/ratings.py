"""How a log's rating becomes an interaction weight in [-1, 1].

Four mappings, each with a one-line description for the CLI and the lab (:meth:`RatingMapping.describe`):

- ``weights``: the column already holds weights in [-1, 1] and is used as it is;
- ``scale``: ratings ``low..high`` map linearly onto -1..+1 (``weight = 2 (r - low) / (high - low) - 1``),
  so on MovieLens' 0.5..5 stars 0.5 is -1, 2.75 is 0 and 5 is +1; a rating outside the scale is an error;
- ``threshold``: a rating ``>= threshold`` is a like (+1), anything below a dislike (-1);
- ``likes``: there is no rating column; every row is a like (+1), as in a log of purchases or plays.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidInputError
from core.io.cells import FLOAT, is_empty

__all__ = ["RATING_KINDS", "RatingMapping"]

RATING_KINDS = ("weights", "scale", "threshold", "likes")


@dataclass(frozen=True)
class RatingMapping:
    """One of :data:`RATING_KINDS`; ``low``/``high`` for a scale, ``threshold`` for a threshold."""

    kind: str
    low: float | None = None
    high: float | None = None
    threshold: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in RATING_KINDS:
            raise InvalidInputError(f"unknown rating mapping {self.kind!r}; use one of {', '.join(RATING_KINDS)}")
        given = {"low": self.low, "high": self.high, "threshold": self.threshold}
        needed = {"scale": ("low", "high"), "threshold": ("threshold",)}.get(self.kind, ())
        for name, value in given.items():
            if (name in needed) != (value is not None):
                raise InvalidInputError(f"a {self.kind} mapping takes {' and '.join(needed) or 'no numbers'}; "
                                        f"got {name}={value!r}")
            if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)
                                      or not math.isfinite(value)):
                raise InvalidInputError(f"{name} must be a finite number, got {value!r}")
        if self.kind == "scale" and not self.low < self.high:
            raise InvalidInputError(f"a rating scale needs low < high, got {self.low:g}..{self.high:g}")

    @classmethod
    def parse_scale(cls, text: str) -> RatingMapping:
        """``"0.5:5"`` (or ``"1..5"``) as a scale mapping."""
        low, sep, high = str(text).replace("..", ":").partition(":")
        try:
            bounds = (float(low), float(high)) if sep else None
        except ValueError:
            bounds = None
        if bounds is None:
            raise InvalidInputError(f"a rating scale is written LOW:HIGH, like 0.5:5 or 1:10; got {text!r}")
        return cls("scale", low=bounds[0], high=bounds[1])

    @classmethod
    def guess(cls, values: Sequence[Any]) -> RatingMapping:
        """Weights when every number lies in [-1, 1], else the observed min..max as the scale (a
        threshold when all ratings are equal: every row a like)."""
        found = [n for n in map(_number, values) if n is not None]
        if not found:
            return cls("weights")
        low, high = min(found), max(found)
        if -1.0 <= low and high <= 1.0:
            return cls("weights")
        return cls("scale", low=low, high=high) if low < high else cls("threshold", threshold=low)

    def weight(self, value: Any) -> float:
        """The weight of one rating cell; a bad cell raises ``ValueError`` naming the value."""
        if self.kind == "likes":
            return 1.0
        what = "weight" if self.kind == "weights" else "rating"
        if is_empty(value):
            raise ValueError(f"the {what} is missing; it must be a number" +
                             (" in [-1, 1]" if self.kind == "weights" else ""))
        number = _number(value)
        if self.kind == "weights":
            if number is None or not -1.0 <= number <= 1.0:
                raise ValueError(f"weight must be a number in [-1, 1], got {_shown(value)}")
            return number
        if number is None:
            raise ValueError(f"{value!r} is not a number")
        if self.kind == "threshold":
            return 1.0 if number >= self.threshold else -1.0
        if not self.low <= number <= self.high:
            raise ValueError(f"rating {number:g} is outside the scale {self.low:g}..{self.high:g}")
        return min(1.0, max(-1.0, 2.0 * (number - self.low) / (self.high - self.low) - 1.0))

    def describe(self) -> str:
        """The mapping in words, e.g. ``rating 0.5..5 → weight −1..+1 (linear)``."""
        if self.kind == "weights":
            return "weight as given (numbers in [-1, 1])"
        if self.kind == "likes":
            return "every row is a like (weight +1)"
        if self.kind == "threshold":
            return f"rating ≥ {self.threshold:g} → like (+1); below {self.threshold:g} → dislike (−1)"
        return (f"rating {self.low:g}..{self.high:g} → weight −1..+1 (linear: "
                f"weight = 2 × (rating − {self.low:g}) / {self.high - self.low:g} − 1)")

    def examples(self, values: Sequence[Any], limit: int = 12) -> list[tuple[float, float]]:
        """(rating, weight) for the distinct numeric ratings in ``values`` (at most ``limit``, spread
        over the range), for showing the mapping next to the data."""
        found = sorted({n for n in map(_number, values) if n is not None})
        if len(found) > limit:
            found = [found[round(i * (len(found) - 1) / (limit - 1))] for i in range(limit)]
        out = []
        for number in found:
            try:
                out.append((number, self.weight(number)))
            except ValueError:
                continue
        return out


def _number(value: Any) -> float | None:
    """A finite number from a number or number text; anything else (booleans too) is None."""
    if isinstance(value, str) and FLOAT.match(value.strip()):
        value = float(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = float(value)
        return value if math.isfinite(value) else None
    return None


def _shown(value: Any) -> str:
    if isinstance(value, str) and FLOAT.match(value.strip()):
        return repr(float(value))
    return repr(value)
