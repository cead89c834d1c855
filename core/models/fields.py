"""The base model of the vocabulary and the field checks every model and config shares.

:class:`Model` is a pydantic v2 model whose validation errors surface as
:class:`~core.errors.InvalidInputError` (a ``ValueError``) naming the field, the bad value and
what would be valid, whether the error comes from construction, ``model_validate``,
``model_validate_json`` or attribute assignment. The annotated field types below (``Int``,
``Real``, ``Flag``, ``ID``, ...) accept numpy numbers as plain ``int`` / ``float`` and reject
booleans, strings and NaN where a number is meant, so a config is valid when built or never.
"""

from __future__ import annotations

import math
import numbers
from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainValidator, ValidationError, ValidationInfo

from core.checks import check_flag, describe, plain_json
from core.errors import InvalidInputError
from core.ids import to_uuid


class Model(BaseModel):
    """A validated model: unknown fields are rejected, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, arbitrary_types_allowed=True)
    qualify_errors: ClassVar[bool] = False
    """Prefix error messages with the class name (``"LLMConfig.timeout_s must be ..."``)."""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise invalid_input(type(self), exc) from exc

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any):  # type: ignore[override]
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            raise invalid_input(cls, exc) from exc

    @classmethod
    def model_validate_json(cls, json_data: Any, **kwargs: Any):  # type: ignore[override]
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as exc:
            raise invalid_input(cls, exc) from exc

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            raise invalid_input(type(self), exc) from exc

    def validated_copy(self, **update: Any):
        """A copy with ``update`` applied and validated (``model_copy`` alone does not validate)."""
        return type(self).model_validate({**self.__dict__, **update})


class Config(Model):
    """A frozen engine config: validated at construction, never changed afterwards."""

    model_config = ConfigDict(frozen=True)
    qualify_errors: ClassVar[bool] = True


def invalid_input(cls: type[BaseModel], exc: ValidationError) -> InvalidInputError:
    """One :class:`InvalidInputError` for a pydantic ``ValidationError`` (its first problem)."""
    errors = exc.errors()
    prefix = f"{cls.__name__}." if getattr(cls, "qualify_errors", False) else ""
    extra = [".".join(map(str, e["loc"])) for e in errors if e["type"] == "extra_forbidden"]
    if extra:
        return InvalidInputError(f"unknown {cls.__name__} field(s) {extra}; valid fields are {sorted(cls.model_fields)}")
    first = errors[0]
    where = ".".join(map(str, first["loc"]))
    original = (first.get("ctx") or {}).get("error")
    if isinstance(original, InvalidInputError):  # from a field check, or from __init__ (pydantic runs it) already prefixed
        text = str(original)
        return InvalidInputError(text if text.startswith(prefix) else prefix + text)
    if first["type"] == "frozen_instance":
        return InvalidInputError(f"{cls.__name__} is frozen: build a new one (or use validated_copy) "
                                 f"instead of setting {where!r}")
    if first["type"] == "missing":
        return InvalidInputError(f"{prefix}{where} is required")
    return InvalidInputError(f"{prefix}{where}: {first['msg'].lower()}, got {describe(first.get('input'))}")


# --- field checks ------------------------------------------------------------------------------

def _name(info: ValidationInfo) -> str:
    return info.field_name or "value"


def _is_real(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real)


def int_check(low: int | None = None, high: int | None = None):
    """A before-validator: an integer (numpy integers too) in ``[low, high]``, as ``int``."""
    if high is not None:
        wanted = f"an integer from {low} to {high}"
    else:
        wanted = f"an integer >= {low}" if low is not None else "an integer"

    def check(value: Any, info: ValidationInfo) -> int:
        ok = not isinstance(value, bool) and isinstance(value, numbers.Integral) \
            and (low is None or value >= low) and (high is None or value <= high)
        if not ok:
            raise InvalidInputError(f"{_name(info)} must be {wanted}, got {describe(value)}")
        return int(value)
    return check


def real_check(low: float | None = None, high: float | None = None, *, positive: bool = False, unit: str = ""):
    """A before-validator: a finite real number (numpy numbers too), as ``float``.

    ``positive`` means ``> 0``; otherwise the range ``[low, high]`` (either end may be open-ended).
    """
    def check(value: Any, info: ValidationInfo) -> float:
        return check_real(value, _name(info), low, high, positive=positive, unit=unit)
    return check


def _finite(value: Any) -> bool:
    """A real number that is finite as a float (NaN, infinity and ints beyond any float are not)."""
    try:
        return _is_real(value) and math.isfinite(value)
    except OverflowError:
        return False


def check_real(value: Any, what: str, low: float | None = None, high: float | None = None, *,
               positive: bool = False, unit: str = "") -> float:
    """``value`` as ``float`` if it is a finite real number in range (see :func:`real_check`), else an error."""
    ok = _finite(value) and (value > 0 if positive else True) \
        and (low is None or value >= low) and (high is None or value <= high)
    if ok:
        return float(value)
    if positive:
        wanted = "a positive number"
    elif low is not None and high is not None:
        wanted = f"a number in [{low:g}, {high:g}]"
    else:
        wanted = f"a finite number >= {low:g}" if low is not None else "a finite number"
    raise InvalidInputError(f"{what} must be {wanted}{' ' + unit if unit else ''}, got {describe(value)}")


def _flag(value: Any, info: ValidationInfo) -> bool:
    return check_flag(value, _name(info))


def _uuid(value: Any, info: ValidationInfo) -> UUID:
    return to_uuid(value, what=_name(info))


def _optional(check):
    def wrapped(value: Any, info: ValidationInfo) -> Any:
        return None if value is None else check(value, info)
    return wrapped


def Int(low: int | None = None, high: int | None = None) -> Any:
    return Annotated[int, BeforeValidator(int_check(low, high))]


def OptionalInt(low: int | None = None, high: int | None = None) -> Any:
    return Annotated[int | None, BeforeValidator(_optional(int_check(low, high)))]


def Real(low: float | None = None, high: float | None = None, *, positive: bool = False, unit: str = "") -> Any:
    return Annotated[float, BeforeValidator(real_check(low, high, positive=positive, unit=unit))]


def OptionalReal(low: float | None = None, high: float | None = None) -> Any:
    return Annotated[float | None, BeforeValidator(_optional(real_check(low, high)))]


Flag = Annotated[bool, BeforeValidator(_flag)]
ID = Annotated[UUID, BeforeValidator(_uuid)]


# --- values shared with the rest of the engine ---------------------------------------------------

EARLIEST = datetime(1, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
"""The range of times the engine stores (as unix seconds, which must read back as a datetime)."""
_RANGE = ("from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z "
          f"(unix seconds {EARLIEST.timestamp():.0f} to {LATEST.timestamp():.0f})")


def to_datetime(value: Any, *, what: str = "created_at") -> datetime:
    """A timezone-aware UTC datetime from a datetime, ISO-8601 string or unix seconds, in :data:`EARLIEST`..:data:`LATEST`.

    Naive datetimes are taken as UTC (the official agent sends them unchanged, which Weaviate
    stores as UTC). A time outside the range (``1e20`` seconds, ``9999-12-31T23:59:59-05:00``) is
    an error naming the range: it could not be stored and read back.
    """
    wanted = f"{what} must be a datetime, ISO-8601 string or unix seconds"
    stamp = value
    try:
        if isinstance(value, str) and len(value) < 100:
            stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if isinstance(stamp, datetime):
            stamp = stamp.replace(tzinfo=timezone.utc) if stamp.tzinfo is None else stamp.astimezone(timezone.utc)
        elif _finite(value):
            stamp = datetime.fromtimestamp(float(value), tz=timezone.utc)
        elif isinstance(value, int) and not isinstance(value, bool):
            stamp = None  # beyond any float: out of range
        elif _is_real(value):
            raise InvalidInputError(f"{what} must be a finite number of unix seconds, got {value!r}")
        else:
            raise InvalidInputError(f"{wanted}, got {describe(value)}")
    except OverflowError:
        stamp = None
    except (OSError, ValueError) as exc:
        if isinstance(exc, InvalidInputError):
            raise
        if isinstance(stamp, str):
            raise InvalidInputError(f"{wanted} (e.g. '2024-05-01T12:00:00Z'), got {describe(value)}") from None
        stamp = None
    if stamp is None or not EARLIEST <= stamp <= LATEST:
        raise InvalidInputError(f"{what} must be a time {_RANGE}, got {describe(value)}")
    return stamp


def _datetime(value: Any, info: ValidationInfo) -> datetime | None:
    return None if value is None else to_datetime(value, what=_name(info))


OptionalDatetime = Annotated[datetime | None, BeforeValidator(_datetime)]


def check_weight(value: Any, *, what: str = "weight") -> float:
    """A weight as float in [-1, 1]; booleans, NaN, strings and other non-numbers are rejected."""
    if not _finite(value) or not -1.0 <= value <= 1.0:
        raise InvalidInputError(f"{what} must be a number in [-1, 1], got {describe(value)}")
    return float(value)


def _weight(value: Any, info: ValidationInfo) -> float:
    return check_weight(value, what=_name(info))


Weight = Annotated[float, BeforeValidator(_weight)]


def copy_json(value: Any) -> Any:
    """A copy of nested dicts and lists (scalars shared): results never alias a store's own data."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def _properties(value: Any, info: ValidationInfo) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInputError(f"{_name(info)} must be a dict, got {type(value).__name__}")
    return plain_json(value, _name(info))


Properties = Annotated[dict[str, Any], BeforeValidator(_properties)]
"""A dict of properties as a plain-JSON copy (:func:`core.checks.plain_json`): what the store gives back."""


def _dict(value: Any, info: ValidationInfo) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInputError(f"{_name(info)} must be a dict, got {type(value).__name__}")
    return value


ItemProperties = Annotated[dict[str, Any], PlainValidator(_dict)]
"""A dict of properties, taken as it is (not copied): for catalog items, which a store builds by
the hundred thousand; whether to hand out copies is the store's decision."""
