"""Weaviate's autocut (``auto_limit``): cut a ranked list at its ``jumps``-th jump in score.

As in Weaviate (``entities/autocut``): the scores ``y`` (best first; any direction) are normalised
to ``(y_i - y_0) / (y_last - y_0)`` and compared with the straight line ``i / (n - 1)``; every
local maximum of ``normalised - line`` after the first position is a jump, and the list keeps the
items before the ``jumps``-th one. Fewer jumps (or all scores equal) keep everything.
"""

from __future__ import annotations

from collections.abc import Sequence


def autocut(scores: Sequence[float], jumps: int) -> int:
    """How many of ``scores`` to keep; ``jumps <= 0`` turns autocut off (keeps all)."""
    n = len(scores)
    if jumps <= 0 or n <= 1:
        return n
    span = scores[-1] - scores[0]
    if span == 0:
        return n
    diff = [(y - scores[0]) / span - i / (n - 1) for i, y in enumerate(scores)]
    found = 0
    for i in range(1, n):
        after = diff[i - 2] if i == n - 1 else diff[i + 1]  # the last point has no next: compare two back
        if diff[i] > diff[i - 1] and diff[i] > after:
            found += 1
            if found >= jumps:
                return i
    return n
