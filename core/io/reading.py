"""Bounded reading: a file's bytes from a path, bytes or an upload, never more than a limit.

A path is read in chunks and stops one chunk past :attr:`ReadLimits.max_bytes` (``/dev/zero`` or a
FIFO cannot exhaust memory); gzip is unpacked as a stream under the same limit, so a small
archive cannot expand without bound; a text format whose first chunk holds NUL bytes is binary
and rejected at once, as is a "Parquet" file without Parquet's magic bytes. The limits come
from the caller (``limits=ReadLimits(...)``) or the environment (:meth:`ReadLimits.from_env`):

- ``PERSONALIZATION_MAX_FILE_MB`` (default 256): bytes of a file or upload, and of its content
  once gunzipped;
- ``PERSONALIZATION_MAX_DECODED_MB`` (default 1024): a Parquet file's data once decoded
  (checked from its metadata and then batch by batch, see :mod:`core.io.parquet`).

Every refusal is a :class:`~core.errors.CatalogImportError` naming the limit and how to raise it.
"""

from __future__ import annotations

import io
import os
import stat
import zlib
from dataclasses import dataclass
from typing import Any

from core.errors import CatalogImportError, InvalidInputError

__all__ = ["FORMATS", "MIB", "ReadLimits", "Source", "read_source"]

FORMATS: tuple[str, ...] = ("csv", "tsv", "json", "jsonl", "parquet")
_FORMAT_ALIASES = {"ndjson": "jsonl", "pq": "parquet", "txt": "csv"}
MIB = 1 << 20
_CHUNK = 1 << 20
_ENV = {"max_bytes": ("PERSONALIZATION_MAX_FILE_MB", 256), "max_decoded_bytes": ("PERSONALIZATION_MAX_DECODED_MB", 1024)}

Source = str | os.PathLike | bytes | bytearray | memoryview | io.IOBase | Any
"""A file path, the file's bytes, a binary/text file-like (e.g. a Streamlit upload) or a DataFrame."""


@dataclass(frozen=True)
class ReadLimits:
    """How much a reader takes in: ``max_bytes`` of file (and of gunzipped content),
    ``max_decoded_bytes`` of decoded Parquet data."""

    max_bytes: int = 256 * MIB
    max_decoded_bytes: int = 1024 * MIB

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_decoded_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInputError(f"ReadLimits.{name} must be a positive number of bytes, got {value!r}")

    @classmethod
    def from_env(cls) -> ReadLimits:
        """The limits set by ``PERSONALIZATION_MAX_FILE_MB`` / ``PERSONALIZATION_MAX_DECODED_MB`` (MiB)."""
        values = {}
        for field, (variable, default) in _ENV.items():
            text = os.environ.get(variable, "").strip()
            try:
                megabytes = float(text) if text else default
            except ValueError:
                megabytes = -1.0
            if not 0 < megabytes < 1 << 30:
                raise InvalidInputError(f"{variable} must be a positive number of MiB, got {text!r}")
            values[field] = max(1, int(megabytes * MIB))
        return cls(**values)

    def too_big(self, what: str, field: str = "max_bytes") -> CatalogImportError:
        """The error for ``what`` ("the file", "the unpacked gzip content") exceeding a limit."""
        variable = _ENV[field][0]
        return CatalogImportError(f"{what} is larger than the limit of {_mib(getattr(self, field))}; split it, or "
                                  f"raise the limit with {variable}=<MiB> (or limits=ReadLimits({field}=...))")


def read_source(source: Source, format: str | None, limits: ReadLimits) -> tuple[bytes | str, str]:
    """The source's content (gunzipped) and its format, within ``limits``."""
    name = getattr(source, "name", None)
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        fmt = format_of(format, name)
        data: bytes | str = _read_path(name, fmt, limits)
    else:
        fmt = format_of(format, name if isinstance(name, str) else None)
        data = _read_object(source, limits)
    if isinstance(data, bytes) and data[:2] == b"\x1f\x8b":  # gzip (interactions.csv.gz)
        data = _gunzip(data, limits)
    if isinstance(data, bytes):
        _check_kind(data, fmt)
    return data, fmt


def format_of(format: str | None, name: str | None) -> str:
    """The format named by ``format`` (a format or a file name) or by the file's ``name``."""
    for hint in (format, name):
        if not hint:
            continue
        key = hint.lower().strip().removesuffix(".gz")
        key = key.rsplit(".", 1)[-1] if "." in key else key
        key = _FORMAT_ALIASES.get(key, key)
        if key in FORMATS:
            return key
        if hint is format:
            raise InvalidInputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    raise InvalidInputError(f"cannot tell the file format of {name!r}; pass format= one of {', '.join(FORMATS)}")


def _read_path(name: str, fmt: str, limits: ReadLimits) -> bytes:
    if "\x00" in name:
        raise CatalogImportError(f"the file name {name!r} holds a NUL byte; no file can have that name")
    try:
        with open(name, "rb") as file:
            info = os.fstat(file.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > limits.max_bytes:
                raise limits.too_big(f"the file {name!r} ({_mib(info.st_size)})")
            first = file.read(_CHUNK)
            if first[:2] != b"\x1f\x8b":
                _check_kind(first, fmt)
            return _bounded(first, file, limits, f"the file {name!r}")
    except OSError as exc:
        raise CatalogImportError(f"cannot read the file {name!r}: {exc.strerror or exc}") from None


def _read_object(source: Any, limits: ReadLimits) -> bytes | str:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data: bytes | str = bytes(source)
    elif hasattr(source, "getvalue"):
        data = source.getvalue()
    elif hasattr(source, "read"):
        data = _bounded(source.read(_CHUNK), source, limits, "the file")
    else:
        raise InvalidInputError(f"source must be a path, bytes or a file object, got {type(source).__name__}")
    if len(data) > limits.max_bytes:
        raise limits.too_big(f"the file ({_mib(len(data))})")
    return data


def _bounded(first: bytes | str, file: Any, limits: ReadLimits, what: str) -> bytes | str:
    """``first`` and the rest of ``file``, stopping as soon as the total passes ``limits.max_bytes``."""
    parts, size = [first], len(first)
    while size <= limits.max_bytes and (chunk := file.read(_CHUNK)):
        parts.append(chunk)
        size += len(chunk)
    if size > limits.max_bytes:
        raise limits.too_big(what)
    return first[:0].join(parts)


def _gunzip(data: bytes, limits: ReadLimits) -> bytes:
    """Unpack gzip members as a stream, never producing more than ``limits.max_bytes``."""
    parts, size = [], 0
    try:
        while data:
            unpack = zlib.decompressobj(wbits=31)
            while data and not unpack.eof:
                parts.append(unpack.decompress(data, limits.max_bytes + 1 - size))
                size += len(parts[-1])
                if size > limits.max_bytes:
                    raise limits.too_big("the unpacked gzip content")
                data = unpack.unconsumed_tail
            if not unpack.eof:
                raise CatalogImportError("the file looks gzip-compressed but ends before its end (truncated?)")
            data = unpack.unused_data.lstrip(b"\x00")  # concatenated members, padding
    except zlib.error as exc:
        raise CatalogImportError(f"the file looks gzip-compressed but cannot be unpacked: {exc}") from None
    return b"".join(parts)


def _check_kind(head: bytes, fmt: str) -> None:
    """Refuse at once what cannot be the format: binary "text", "Parquet" without its magic bytes."""
    if fmt == "parquet":
        if head and head[:4] != b"PAR1":
            raise CatalogImportError(f"not a Parquet file: it starts with {head[:4]!r}, not Parquet's b'PAR1'")
    elif (at := head.find(b"\x00")) >= 0:
        hint = "UTF-16? save it as UTF-8" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "a binary file?"
        line = head.count(b"\n", 0, at) + 1
        raise CatalogImportError(f"the file holds a NUL byte at byte offset {at} (line {line}); "
                                 f"{fmt.upper()} text has none ({hint})")


def _mib(size: int) -> str:
    if size % MIB == 0:
        return f"{size // MIB:,} MiB"
    return f"{size / MIB:,.1f} MiB" if size >= MIB else f"{size:,} bytes"
