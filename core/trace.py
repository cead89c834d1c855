"""The trace every response carries: one :class:`~core.models.TraceStep` per stage, with its timing.

:class:`Tracer` times the stages of one request; :func:`jsonable` turns the details a stage records
(numpy numbers and arrays, UUIDs, datetimes, nested dicts and lists) into plain JSON values, so a
trace can be shown, stored and compared.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from uuid import UUID

import numpy as np

from core.models import TraceStep


class Tracer:
    """Collects :class:`TraceStep` records with wall-clock timing."""

    def __init__(self) -> None:
        self.steps: list[TraceStep] = []
        self._t = time.perf_counter()

    def record(self, name: str, **details: Any) -> None:
        """Close the stage ``name`` (its time is measured since the previous record) with ``details``."""
        now = time.perf_counter()
        self.steps.append(TraceStep(name=name, seconds=now - self._t, details=details))
        self._t = now


def jsonable(value: Any) -> Any:
    """``value`` with every part JSON-able: UUIDs and other objects as text, numpy values as Python ones."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
