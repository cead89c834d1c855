"""Per-property columns for the embedded filter evaluator: flattened, typed and vectorised.

Internal to :mod:`core.store.embedded.filter_eval` (which documents the semantics). A :class:`Column` flattens
one property over all rows (list elements pooled, ``None``/``[]``/``""`` counted as missing),
splits the elements by type, and answers ``equal``, ranges, ``contains_*`` and ``like`` as numpy
row masks; text goes through a lazily built inverted index of Weaviate ``word`` tokens.
"""

from __future__ import annotations

import operator
import re
from datetime import UTC, datetime, timedelta
from functools import cached_property
from itertools import chain, repeat
from typing import Any

import numpy as np

from core.errors import UnsupportedFilterError
from core.store.embedded.wildcard import wildcard_matcher
from core.store.filter_parse import kind_of, normalize
from core.text import word_tokens as _tokens

__all__ = ["Column"]

_COMPARE = {"less_than": np.less, "less_or_equal": np.less_equal,
            "greater_than": np.greater, "greater_or_equal": np.greater_equal}
_WILDCARD_TOKEN = re.compile(r"(?:[^\W_]|[*?])+")
_CODES = {"number": 0, "bool": 1, "text": 2, "date": 3}
_TYPE_CODES = {int: 0, float: 0, bool: 1, str: 2, datetime: 3, type(None): -2}
_HOUR, _MINUTE, _SECOND, _MICROSECOND = map(operator.attrgetter, ("hour", "minute", "second", "microsecond"))
_UNIX_ORDINAL = datetime(1970, 1, 1).toordinal()
_KIND_PLURALS = {"number": "numbers", "bool": "booleans", "text": "text", "date": "datetimes"}


class Column:
    """One property, flattened: every scalar element with the row it came from, per type."""

    def __init__(self, name: str, values: list[Any]) -> None:
        self.name = name
        self.n = len(values)
        rows, elems = _flatten(values)
        # Classify by exact type in C (map over dict.get); only unusual types take the slow path.
        codes = np.fromiter(map(_TYPE_CODES.get, map(type, elems), repeat(-1)), dtype=np.int8, count=len(elems))
        for j in np.flatnonzero(codes == -1):
            codes[j] = _CODES.get(kind_of(elems[j]), -3)  # -3: present but not comparable (e.g. a dict)
        objs = np.fromiter(elems, dtype=object, count=len(elems))
        text = codes == _CODES["text"]
        codes[text] = np.where(objs[text] == "", -2, codes[text])  # "" counts as none, as in Weaviate
        self.present = np.zeros(self.n, dtype=bool)
        self.present[rows[codes != -2]] = True
        self._rows = {k: rows[codes == c] for k, c in _CODES.items()}
        self._vals = {k: objs[codes == c] for k, c in _CODES.items()}
        self.kinds = {k for k, r in self._rows.items() if len(r)}

    def _array(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Row indices and values of the elements of one kind, as numpy arrays (cached)."""
        key = "_arr_" + kind
        if key not in self.__dict__:
            if kind == "date":
                self.__dict__[key] = self._dates()
            else:
                dtype = np.float64 if kind == "number" else bool
                self.__dict__[key] = (self._rows[kind], self._vals[kind].astype(dtype))
        return self.__dict__[key]

    def _dates(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows and epoch microseconds of datetime elements and of text elements that parse as ISO-8601."""
        given = [normalize(d) for d in self._vals["date"].tolist()]
        parsed = list(map(_parse_iso, self._vals["text"].tolist()))
        ok = np.fromiter((d is not None for d in parsed), dtype=bool, count=len(parsed))
        rows = np.concatenate([self._rows["date"], self._rows["text"][ok]])
        return rows, _micros(given + [d for d in parsed if d is not None])

    @cached_property
    def postings(self) -> dict[str, np.ndarray]:
        """Inverted index of the text elements: token -> rows that contain it."""
        return _postings(self._rows["text"], self._vals["text"].tolist())

    def _scatter(self, kind: str, hit: np.ndarray) -> np.ndarray:
        """Row mask from a per-element mask: a row passes when any of its elements does."""
        rows = self._array(kind)[0]
        layout = self._layout(kind)
        if layout == "identity":  # one element per row, every row: the element mask is the row mask
            return hit
        if layout == "unique":
            out = np.zeros(self.n, dtype=bool)
            out[rows] = hit
            return out
        return self._rows_mask(rows[hit])

    def _layout(self, kind: str) -> str:
        """How elements map to rows: "identity" (scalar, never missing), "unique" (scalar) or "lists"."""
        key = "_layout_" + kind
        if key not in self.__dict__:
            rows = self._array(kind)[0]
            if len(rows) == self.n and bool((rows == np.arange(self.n)).all()):
                self.__dict__[key] = "identity"
            else:
                self.__dict__[key] = "unique" if len(np.unique(rows)) == len(rows) else "lists"
        return self.__dict__[key]

    def _rows_mask(self, rows: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        out[rows] = True
        return out

    def check(self, op: str, kind: str, value: Any) -> bool:
        """False when the property holds nothing comparable; raises on a type mismatch."""
        if not self.kinds:
            return False
        have = self.kinds | ({"date"} if kind == "date" and len(self._array("date")[0]) else set())
        if kind in have:
            return True
        held = " and ".join(_KIND_PLURALS[k] for k in sorted(self.kinds))
        held += " (none of them ISO-8601 dates)" if "text" in self.kinds and kind == "date" else ""
        raise UnsupportedFilterError(
            f"{op} on property {self.name!r}: the property holds {held}, "
            f"but the filter value {value!r:.80} is {_KIND_PLURALS[kind]}; use a value of the property's type")

    def equal(self, kind: str, value: Any) -> np.ndarray:
        """Rows where some element equals ``value`` (for text: holds all of its tokens)."""
        if kind == "text":
            return self._all_tokens(_tokens(value))
        target = _micros([value])[0] if kind == "date" else value
        return self._scatter(kind, self._array(kind)[1] == target)

    def compare(self, op: str, kind: str, value: Any) -> np.ndarray:
        """Rows where some element satisfies the range operator ``op`` against ``value``."""
        target = _micros([value])[0] if kind == "date" else value
        return self._scatter(kind, _COMPARE[op](self._array(kind)[1], target))

    def isin(self, kind: str, values: tuple) -> np.ndarray:
        """Rows that :meth:`equal` any of ``values``."""
        if kind == "text":
            return np.logical_or.reduce([self.equal(kind, v) for v in values])
        targets = _micros(list(values)) if kind == "date" else list(values)
        return self._scatter(kind, np.isin(self._array(kind)[1], targets))

    def like(self, pattern: str) -> np.ndarray:
        """Rows where every token of ``pattern`` (``*`` and ``?`` wildcards) matches some token."""
        out = np.ones(self.n, dtype=bool)
        for token in _WILDCARD_TOKEN.findall(pattern.lower()) or [""]:
            if "*" not in token and "?" not in token:
                out &= self._rows_mask(self.postings.get(token, np.empty(0, np.int64)))
                continue
            matches = wildcard_matcher(token)  # linear in each token; a regex of .* backtracks exponentially
            hits = [r for t, r in self.postings.items() if matches(t)]
            out &= self._rows_mask(np.concatenate(hits) if hits else np.empty(0, np.int64))
        return out

    def _all_tokens(self, tokens: list[str]) -> np.ndarray:
        out = np.full(self.n, bool(tokens))
        for token in tokens:
            out &= self._rows_mask(self.postings.get(token, np.empty(0, np.int64)))
        return out


def _micros(dates: list[datetime]) -> np.ndarray:
    """Exact microseconds since the epoch of timezone-aware datetimes.

    Field by field through C-level ``map`` calls: ``timestamp()`` floats lose microseconds
    outside ~1900-2100, and numpy's datetime conversion of Python objects is slow.
    """
    def field(getter: Any) -> np.ndarray:
        return np.fromiter(map(getter, dates), dtype=np.int64, count=len(dates))

    seconds = (field(datetime.toordinal) - _UNIX_ORDINAL) * 86400 + field(_HOUR) * 3600 \
        + field(_MINUTE) * 60 + field(_SECOND)
    offsets = list(map(datetime.utcoffset, dates))
    offset_us = {o: o // timedelta(microseconds=1) for o in set(offsets)}
    return seconds * 1_000_000 + field(_MICROSECOND) - np.fromiter(
        map(offset_us.__getitem__, offsets), dtype=np.int64, count=len(dates))


def _parse_iso(s: str) -> datetime | None:
    try:
        d = datetime.fromisoformat(s)  # Python 3.11+ accepts a trailing "Z"
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def _flatten(values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Row index of every scalar or list element (None included), and the elements themselves."""
    wrapped = [v if type(v) is list or type(v) is tuple else (v,) for v in values]
    lengths = np.fromiter(map(len, wrapped), dtype=np.int64, count=len(wrapped))
    return np.repeat(np.arange(len(wrapped), dtype=np.int64), lengths), list(chain.from_iterable(wrapped))


def _postings(rows: np.ndarray, texts: list[str]) -> dict[str, np.ndarray]:
    """Token -> rows, tokenizing each distinct string once and fanning out with numpy.

    Python work is one dict look-up per element plus one tokenization per distinct string, so a
    categorical column (genres) costs little more than a numeric one.
    """
    distinct: dict[str, int] = {}
    codes = np.fromiter((distinct.setdefault(t, len(distinct)) for t in texts), dtype=np.int64, count=len(texts))
    vocab: dict[str, int] = {}
    per_text = [[vocab.setdefault(tok, len(vocab)) for tok in dict.fromkeys(_tokens(t))] for t in distinct]
    lengths = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
    flat = np.fromiter(chain.from_iterable(per_text), dtype=np.int64, count=int(lengths.sum()))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    each = lengths[codes]  # tokens per element
    first = np.repeat(starts[codes] - (np.cumsum(each) - each), each)
    token_of_pair = flat[first + np.arange(int(each.sum()))]
    row_of_pair = np.repeat(rows, each)
    order = np.argsort(token_of_pair, kind="stable")
    groups = np.split(row_of_pair[order], np.cumsum(np.bincount(token_of_pair, minlength=len(vocab)))[:-1])
    return dict(zip(vocab, groups))
