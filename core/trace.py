"""The trace every response carries: one :class:`~core.models.TraceStep` per stage, with its timing.

:class:`Tracer` times the stages of one request; :func:`~core.models.jsonable` turns the details a
stage records (numpy numbers and arrays, UUIDs, datetimes, nested dicts and lists) into plain JSON
values, so a trace can be shown, stored and compared.
"""

from __future__ import annotations

import time
from typing import Any

from core.models import TraceStep, jsonable

__all__ = ["Tracer", "jsonable"]


class Tracer:
    """Collects :class:`TraceStep` records with wall-clock timing."""

    def __init__(self) -> None:
        self.steps: list[TraceStep] = []
        self._t = time.perf_counter()

    def record(self, name: str, **details: Any) -> None:
        """Close the stage ``name`` (its time is measured since the previous record) with ``details``."""
        now = time.perf_counter()
        # the engine's own values: built without re-validation (a request records a handful of steps)
        self.steps.append(TraceStep.model_construct(name=name, seconds=now - self._t, details=details))
        self._t = now

