"""A process-wide LLM call budget: sliding windows of one minute and one day.

A workshop often shares one API key among many participants. One :class:`CallBudget` lives as
long as the process (the lab keeps its :class:`~core.ranking.llm.client.LLMClient`, which owns the
budget, in ``st.cache_resource``) and every request asks it before calling the LLM. A refused
call sends nothing; the pipeline falls back to the local agent and shows the reason.

The clock is injected (``time.monotonic`` by default) so tests can move time by hand.
"""

from __future__ import annotations

import numbers
import threading
import time
from collections import deque
from collections.abc import Callable

from core.errors import InvalidInputError

MINUTE_S = 60.0
DAY_S = 24 * 60 * 60.0


def check_limit(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InvalidInputError(f"{name} must be a positive integer or None (no limit), got {value!r}")
    return int(value)


class CallBudget:
    """Thread-safe sliding-window counter of LLM calls (``None`` = no limit for that window)."""

    def __init__(self, per_minute: int | None = None, per_day: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = check_limit("per_minute", per_minute)
        self.per_day = check_limit("per_day", per_day)
        self._clock = clock
        self._lock = threading.Lock()
        self._minute: deque[float] = deque()
        self._day: deque[float] = deque()

    def try_acquire(self) -> str | None:
        """Take one call from the budget: ``None`` if allowed, else why not (nothing is taken)."""
        with self._lock:
            now = self._clock()
            _expire(self._minute, now - MINUTE_S)
            _expire(self._day, now - DAY_S)
            if self.per_minute is not None and len(self._minute) >= self.per_minute:
                return (f"LLM call budget exhausted: {len(self._minute)} calls in the last minute "
                        f"(limit {self.per_minute})")
            if self.per_day is not None and len(self._day) >= self.per_day:
                return (f"LLM call budget exhausted: {len(self._day)} calls in the last 24 hours "
                        f"(limit {self.per_day})")
            if self.per_minute is not None:
                self._minute.append(now)
            if self.per_day is not None:
                self._day.append(now)
            return None

    def used(self) -> dict[str, int]:
        """Calls counted in each limited window right now (for the lab's status line)."""
        with self._lock:
            now = self._clock()
            _expire(self._minute, now - MINUTE_S)
            _expire(self._day, now - DAY_S)
            return {"last_minute": len(self._minute), "last_day": len(self._day)}

    def __repr__(self) -> str:
        return f"CallBudget(per_minute={self.per_minute}, per_day={self.per_day})"


def _expire(window: deque[float], cutoff: float) -> None:
    while window and window[0] <= cutoff:
        window.popleft()
