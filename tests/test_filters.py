"""Known-answer tests for ``core.store.embedded.filter_eval`` plus a randomized check against a brute-force predicate.

The hand-made table has eight items keyed ``a``..``h``; ``hits(f)`` returns the keys that pass, so
each expected answer reads as a short string worked out by hand from the table.
"""

from __future__ import annotations

import fnmatch
import functools
import operator
import random
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import numpy as np
import pytest
from weaviate.classes.query import Filter, GeoCoordinate
from weaviate.collections.classes.filters import _Filters, _FilterValue, _Operator

from core.errors import InvalidInputError, UnsupportedFilterError
from core.ids import to_uuid
from core.store.embedded.filter_eval import FilterEvaluator, filter_to_text, validate_filter

UTC = timezone.utc
P = Filter.by_property

TABLE = {
    "a": {"title": "The Matrix", "year": 1999, "rating": 8.7, "genres": ["Sci-Fi", "Action"],
          "released": "1999-03-31T00:00:00Z", "available": True, "scores": [1, 5]},
    "b": {"title": "Dark Comedy!", "year": 2005, "rating": 6.5, "genres": ["Comedy", "Drama"],
          "released": "2005-06-01", "available": False},
    "c": {"title": "Romantic Comedy Hour", "year": 2010.0, "rating": 7, "genres": ["Romantic Comedy"],
          "released": "2010-01-01T12:00:00+02:00", "available": True},
    "d": {"title": "Star Wars", "year": 1977, "rating": 8.6, "genres": ["Sci-Fi", "Adventure"],
          "released": "1977-05-25T00:00:00Z"},
    "e": {"title": "Star Trek: Generations", "year": 1994, "rating": None, "genres": [], "released": "not a date"},
    "f": {"title": "", "year": None, "genres": None},
    "g": {},
    "h": {"title": "Film-Noir Classics", "year": 1950, "rating": 7.9, "genres": ["Film-Noir"],
          "released": "1950-01-01T00:00:00Z", "available": False, "scores": [3]},
}
KEYS = list(TABLE)
IDS = {k: to_uuid(k) for k in KEYS}
EVAL = FilterEvaluator([IDS[k] for k in KEYS], [TABLE[k] for k in KEYS])


def hits(f) -> str:
    mask = EVAL.mask(f)
    assert mask.dtype == bool and mask.shape == (len(KEYS),)
    return "".join(k for k, m in zip(KEYS, mask) if m)


ALL = "abcdefgh"


# -- known answers ----------------------------------------------------------------------------

def test_none_matches_everything():
    assert hits(None) == ALL
    validate_filter(None)


@pytest.mark.parametrize("f, expected", [
    (P("year").equal(1999), "a"),
    (P("year").equal(2010), "c"),            # stored as 2010.0
    (P("rating").equal(7.0), "c"),           # stored as int 7
    (P("year").not_equal(1999), "bcdefgh"),  # rows without a year match not_equal
    (P("year").greater_than(1990), "abce"),
    (P("year").greater_or_equal(1994), "abce"),
    (P("year").less_than(1977), "h"),
    (P("year").less_or_equal(1977), "dh"),
    (P("rating").greater_than(7.5), "adh"),
    (P("rating").less_or_equal(7), "bc"),
    (P("scores").greater_than(4), "a"),      # any element of a list
    (P("scores").equal(3), "h"),
])
def test_numbers(f, expected):
    assert hits(f) == expected


@pytest.mark.parametrize("f, expected", [
    (P("available").equal(True), "ac"),
    (P("available").equal(False), "bh"),
    (P("available").not_equal(True), "bdefgh"),
])
def test_booleans(f, expected):
    assert hits(f) == expected


@pytest.mark.parametrize("f, expected", [
    (P("title").equal("comedy"), "bc"),          # word tokens, case-insensitive
    (P("title").equal("Dark Comedy"), "b"),
    (P("title").equal("comedy DARK"), "b"),      # every token present, any order
    (P("title").equal("star"), "de"),
    (P("title").equal("Star Wars Trek"), ""),
    (P("title").equal("!!!"), ""),               # no tokens at all
    (P("title").not_equal("star"), "abcfgh"),
    (P("genres").equal("Sci-Fi"), "ad"),         # list: any element
    (P("genres").equal("comedy"), "bc"),
    (P("genres").equal("noir"), "h"),
])
def test_text_equality(f, expected):
    assert hits(f) == expected


@pytest.mark.parametrize("pattern, expected", [
    ("star*", "de"),
    ("*ar", "de"),     # "star" in both "Star Wars" and "Star Trek"
    ("?ark", "b"),
    ("STAR W*", "d"),
    ("Star Wars", "d"),
    ("*", "abcdeh"),   # every row with some text ("" and missing have none)
    ("gen?", ""),      # ? is exactly one character
    ("gen*s", "e"),
])
def test_like(pattern, expected):
    assert hits(P("title").like(pattern)) == expected


def test_like_on_list_property():
    assert hits(P("genres").like("sci*")) == "ad"


@pytest.mark.parametrize("f, expected", [
    (P("genres").contains_any(["Comedy", "Action"]), "abc"),
    (P("genres").contains_any(["romantic comedy"]), "c"),
    (P("genres").contains_all(["Comedy", "Drama"]), "b"),
    (P("genres").contains_all(["Sci-Fi", "Action"]), "a"),
    (P("genres").contains_none(["Sci-Fi"]), "bcefgh"),
    (P("scores").contains_any([5, 3]), "ah"),
    (P("scores").contains_all([1, 5]), "a"),
    (P("year").contains_any([1999, 1977]), "ad"),       # scalar property
    (P("title").contains_any(["matrix", "wars"]), "ad"),  # tokens of a text
    (P("title").contains_all(["star", "trek"]), "e"),
    (P("title").contains_none(["star"]), "abcfgh"),
])
def test_contains(f, expected):
    assert hits(f) == expected


@pytest.mark.parametrize("f, expected", [
    (P("title").is_none(True), "fg"),     # "" counts as none, as in Weaviate
    (P("genres").is_none(True), "efg"),   # [] / None / missing
    (P("genres").is_none(False), "abcdh"),
    (P("rating").is_none(True), "efg"),
])
def test_is_none(f, expected):
    assert hits(f) == expected


@pytest.mark.parametrize("f", [
    P("nope").equal(1), P("nope").greater_than(3), P("nope").like("x*"), P("nope").contains_any(["x"]),
    P("nope").not_equal(1), P("nope").contains_none(["x"]), P("nope").is_none(True),
    P("nope").equal(datetime(2000, 1, 1)), P("title").equal("x") & P("nope").equal(1),
])
def test_a_property_no_item_has_is_an_error_as_in_weaviate(f):
    # Weaviate: "no such prop with name 'nope' found in class ... in the schema"; silently matching nothing hid typos
    with pytest.raises(InvalidInputError, match=r"property 'nope': no item of this collection has it; its "
                                                r"properties are \['available', 'genres'"):
        hits(f)


@pytest.mark.parametrize("f, expected", [
    (P("released").greater_than(datetime(2000, 1, 1, tzinfo=UTC)), "bc"),
    (P("released").less_than(datetime(1980, 1, 1)), "dh"),
    (P("released").equal(datetime(1999, 3, 31, tzinfo=UTC)), "a"),
    (P("released").equal(datetime(1999, 3, 31)), "a"),               # naive = UTC
    (P("released").equal(datetime(2010, 1, 1, 10, tzinfo=UTC)), "c"),  # +02:00 in the data
    (P("released").equal(datetime(2010, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))), "c"),
    (P("released").equal(datetime(2005, 6, 1)), "b"),                # date-only string
    (P("released").contains_any([datetime(1950, 1, 1), datetime(1977, 5, 25)]), "dh"),
    (P("released").not_equal(datetime(1950, 1, 1)), "abcdefg"),
])
def test_dates(f, expected):
    assert hits(f) == expected


def test_by_id():
    a, c = IDS["a"], IDS["c"]
    unknown = UUID(int=12345)
    assert hits(Filter.by_id().equal(a)) == "a"
    assert hits(Filter.by_id().equal(str(c))) == "c"
    assert hits(Filter.by_id().not_equal(a)) == "bcdefgh"
    assert hits(Filter.by_id().contains_any([a, c, unknown])) == "ac"
    assert hits(Filter.by_id().contains_none([a, c])) == "bdefgh"
    assert hits(Filter.by_id().equal(unknown)) == ""


def test_and_or_not_nested():
    comedy = P("genres").contains_any(["Comedy"])
    recent = P("year").greater_than(2000)
    assert hits(comedy & recent) == "bc"
    assert hits(comedy | P("year").less_than(1960)) == "bch"
    assert hits(Filter.not_(comedy)) == "adefgh"
    assert hits(~comedy & P("title").like("star*")) == "de"
    deep = Filter.any_of([
        Filter.all_of([comedy, P("available").equal(True), recent]),
        Filter.not_(Filter.any_of([P("year").greater_than(1960), P("year").is_none(True)])),
        Filter.by_id().equal(IDS["e"]),
    ])
    assert hits(deep) == "ceh"
    assert hits(Filter.not_(Filter.not_(recent))) == hits(recent)


def test_masks_are_fresh_arrays():
    first = EVAL.mask(P("genres").is_none(False))
    first[:] = False
    assert hits(P("genres").is_none(False)) == "abcdh"


# -- errors -----------------------------------------------------------------------------------

def _unknown_filter():
    class Custom(_Filters):
        pass
    return Custom()


@pytest.mark.parametrize("f, needle", [
    (Filter.by_ref("director").by_property("name").equal("x"), "by_ref"),
    (Filter.by_ref_count("director").greater_than(1), "by_ref_count"),
    (Filter.by_creation_time().greater_than(datetime(2020, 1, 1)), "by_creation_time"),
    (Filter.by_update_time().less_than(datetime(2020, 1, 1)), "by_update_time"),
    (P("place").within_geo_range(GeoCoordinate(latitude=52.0, longitude=4.0), 1000.0), "within_geo_range"),
    (P("genres", length=True).equal(0), "length=True"),
    (P("year").equal(None), "is_none"),
    (P("year").equal([1999, 2000]), "contains_any"),
    (P("title").greater_than("m"), "greater_than"),
    (P("available").less_than(True), "less_than"),
    (_FilterValue(target="_id", operator=_Operator.LIKE, value="x*"), "like"),
    (_FilterValue(target="year", operator=_Operator.AND, value=1), "And"),
    (_unknown_filter(), "Custom"),
    (P("year").equal(1) & _unknown_filter(), "Custom"),
])
def test_unsupported_filters_raise_naming_the_operator(f, needle):
    with pytest.raises(UnsupportedFilterError, match=re.escape(needle)):
        validate_filter(f)
    with pytest.raises(UnsupportedFilterError, match=re.escape(needle)):
        EVAL.mask(f)


@pytest.mark.parametrize("f, needles", [
    (P("year").equal("1999"), ("year", "numbers", "text")),
    (P("title").equal(5), ("title", "text", "numbers")),
    (P("year").greater_than(datetime(2000, 1, 1)), ("year", "datetimes")),
    (P("title").less_than(datetime(2000, 1, 1)), ("title", "ISO-8601")),
    (P("available").equal(1), ("available", "booleans")),
    (P("year").like("19*"), ("like", "year")),
])
def test_type_mismatch_raises_naming_property_and_types(f, needles):
    validate_filter(f)  # the filter is well-formed; only the data shows the mismatch
    with pytest.raises(UnsupportedFilterError) as info:
        EVAL.mask(f)
    for needle in needles:
        assert needle in str(info.value)


@pytest.mark.parametrize("bad", [{"path": ["year"], "operator": "Equal"}, "year > 1990", 42, [P("year").equal(1)]])
def test_non_filter_input_raises_invalid_input(bad):
    with pytest.raises(InvalidInputError, match=type(bad).__name__):
        validate_filter(bad)
    with pytest.raises(InvalidInputError):
        EVAL.mask(bad)
    with pytest.raises(InvalidInputError):
        filter_to_text(bad)


def test_misaligned_rows_are_rejected():
    with pytest.raises(InvalidInputError, match="2 uuids and 1"):
        FilterEvaluator([UUID(int=1), UUID(int=2)], [{}])


# -- rendering and cache invalidation ---------------------------------------------------------

def test_filter_to_text():
    f = P("genres").contains_any(["Comedy"]) & P("year").greater_than(1990)
    assert filter_to_text(f) == "(genres contains_any ['Comedy'] AND year > 1990)"
    assert filter_to_text(None) == "(no filter)"
    assert filter_to_text(~P("title").like("star*") | P("x").is_none(True)) == "(NOT title like 'star*' OR x is none)"
    assert filter_to_text(P("x").is_none(False)) == "x is not none"
    assert filter_to_text(Filter.by_id().equal(IDS["a"])) == f"id = '{IDS['a']}'"
    assert filter_to_text(P("d").less_or_equal(datetime(2000, 1, 1, tzinfo=UTC))) == "d <= 2000-01-01T00:00:00+00:00"
    assert filter_to_text(P("n").contains_any(list(range(8)))) == "n contains_any [0, 1, 2, 3, 4, ... +3 more]"
    assert filter_to_text(Filter.by_ref("director").by_property("name").equal("x")) == "director.name = 'x'"


def test_rows_appended_in_place_are_seen_and_invalidate_drops_caches():
    uuids, props = [UUID(int=1)], [{"year": 1990}]
    ev = FilterEvaluator(uuids, props)
    assert ev.mask(P("year").greater_than(1980)).tolist() == [True]
    uuids.append(UUID(int=2))
    props.append({"year": 2000})
    assert ev.mask(P("year").greater_than(1980)).tolist() == [True, True]
    props[0]["year"] = 1970  # same length: needs an explicit invalidate()
    ev.invalidate()
    assert ev.mask(P("year").greater_than(1980)).tolist() == [False, True]


# -- randomized: vectorised masks equal a brute-force predicate -----------------------------------

GENRES = ["Comedy", "Drama", "Sci-Fi", "Romantic Comedy", "Action", "Film-Noir", "Documentary"]
WORDS = ["star", "wars", "dark", "Comedy", "the", "night", "w1", "w12", "w2", "alpha-beta", "Noir"]


def _random_rows(n: int, rng: random.Random) -> tuple[list[UUID], list[dict]]:
    rows = []
    for _ in range(n):
        p: dict = {}
        if rng.random() < 0.9:
            p["year"] = rng.choice([rng.randint(1950, 2024), rng.randint(1950, 2024) + 0.5, None])
        p["rating"] = round(rng.uniform(0, 10), 1) if rng.random() < 0.8 else rng.randint(0, 10)
        p["genres"] = rng.sample(GENRES, rng.randint(0, 3)) if rng.random() < 0.9 else rng.choice(GENRES)
        p["title"] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4))) + rng.choice(["", "!", ":"])
        if rng.random() < 0.8:
            p["active"] = rng.random() < 0.5
        p["scores"] = [rng.randint(0, 9) for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.85:
            day = datetime(1950, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 400), hours=rng.choice([0, 6]))
            shifted = day.astimezone(timezone(timedelta(hours=-5))).isoformat()
            p["released"] = rng.choice([day.isoformat(), day.strftime("%Y-%m-%dT%H:%M:%SZ"), shifted, "unknown"])
        rows.append(p)
    return [UUID(int=rng.getrandbits(128)) for _ in range(n)], rows


def _random_leaf(rng: random.Random, ids: list[UUID]):
    prop = rng.choice(["year", "rating", "genres", "title", "active", "scores", "released", "id"])
    if prop == "id":
        picked = rng.sample(ids, 3) + [UUID(int=7)]
        return rng.choice([Filter.by_id().equal(picked[0]), Filter.by_id().not_equal(picked[1]),
                           Filter.by_id().contains_any(picked), Filter.by_id().contains_none(picked)])
    if rng.random() < 0.1:
        return P(prop).is_none(rng.random() < 0.5)
    if prop in ("year", "rating", "scores"):
        value = rng.choice([rng.randint(1950, 2024), rng.uniform(1950, 2024)]) if prop == "year" else rng.randint(0, 10)
        op = rng.choice(["equal", "not_equal", "less_than", "less_or_equal", "greater_than", "greater_or_equal",
                         "contains_any", "contains_all", "contains_none"])
        if op.startswith("contains"):
            return getattr(P(prop), op)([value, value + 1, rng.randint(0, 10)])
        return getattr(P(prop), op)(value)
    if prop == "active":
        return rng.choice([P(prop).equal, P(prop).not_equal])(rng.random() < 0.5)
    if prop == "released":
        when = datetime(1950, 1, 1) + timedelta(days=rng.randint(0, 400))
        op = rng.choice(["equal", "not_equal", "less_than", "greater_or_equal", "contains_any"])
        return getattr(P(prop), op)([when, when + timedelta(days=1)] if op == "contains_any" else when)
    choices = GENRES if prop == "genres" else WORDS
    op = rng.choice(["equal", "not_equal", "like", "contains_any", "contains_all", "contains_none"])
    if op == "like":
        return P(prop).like(rng.choice(["*", "w1*", "?2", "com*", "*ar*", "s?ar w*", "night", "fi"]))
    if op.startswith("contains"):
        return getattr(P(prop), op)(rng.sample(choices, 2))
    return getattr(P(prop), op)(rng.choice(choices + ["star wars", "comedy dark"]))


def _random_filter(rng: random.Random, ids: list[UUID], depth: int = 0):
    roll = rng.random()
    if depth >= 3 or roll < 0.45:
        return _random_leaf(rng, ids)
    if roll < 0.6:
        return Filter.not_(_random_filter(rng, ids, depth + 1))
    parts = [_random_filter(rng, ids, depth + 1) for _ in range(rng.randint(2, 3))]
    return Filter.all_of(parts) if roll < 0.8 else Filter.any_of(parts)


COMPARE = {"LessThan": operator.lt, "LessThanEqual": operator.le,
           "GreaterThan": operator.gt, "GreaterThanEqual": operator.ge}


class _Oracle:
    """A straightforward per-item predicate, written independently of the vectorised code."""

    def __init__(self, uuids: list[UUID], rows: list[dict]) -> None:
        self.uuids, self.rows = uuids, rows
        self.memo: dict[tuple, Any] = {}

    def facts(self, i: int, prop: str) -> tuple[list, set, list]:
        """(non-empty elements, word tokens of the text elements, parsed dates) of one cell."""
        key = (i, prop)
        if key not in self.memo:
            value = self.rows[i].get(prop)
            elems = [e for e in (value if isinstance(value, list) else [value]) if e is not None and e != ""]
            words = set().union(*(self.words(e) for e in elems if isinstance(e, str)))
            dates = [d for d in map(self.as_date, elems) if d is not None]
            self.memo[key] = (elems, words, dates)
        return self.memo[key]

    @staticmethod
    @functools.cache
    def words(text: str) -> frozenset[str]:
        return frozenset(re.findall(r"[^\W_]+", text.lower()))

    @staticmethod
    def as_date(e):
        if isinstance(e, str) and re.match(r"\d{4}-\d{2}", e):
            try:
                d = datetime.fromisoformat(e.replace("Z", "+00:00"))
            except ValueError:
                return None
            return d if d.tzinfo else d.replace(tzinfo=UTC)
        return None

    def matches(self, i: int, f) -> bool:
        if not isinstance(f, _FilterValue):
            results = [self.matches(i, c) for c in f.filters]
            kind = type(f).__name__
            return all(results) if kind == "_FilterAnd" else any(results) if kind == "_FilterOr" else not results[0]
        op = f.operator.value
        if f.target == "_id":
            found = self.uuids[i] in self.id_set(f)
            return not found if op in ("NotEqual", "ContainsNone") else found
        positive = {"NotEqual": "Equal", "ContainsNone": "ContainsAny"}.get(op, op)
        result = self.positive(self.facts(i, f.target), positive, f.value)
        return not result if positive != op else result

    def id_set(self, f) -> set[UUID]:
        key = ("ids", id(f))  # filters are not hashable; they live as long as the check does
        if key not in self.memo:
            self.memo[key] = {UUID(str(v)) for v in (f.value if isinstance(f.value, list) else [f.value])}
        return self.memo[key]

    @staticmethod
    @functools.cache
    def patterns(value: str) -> tuple[str, ...]:
        return tuple(re.findall(r"[\w*?]+", value.lower().replace("_", " ")) or [""])

    def positive(self, facts: tuple[list, set, list], op: str, value) -> bool:
        elems, words, _ = facts
        if op == "IsNull":
            return (not elems) == value
        if op == "ContainsAny":
            return any(self.equal(facts, v) for v in value)
        if op == "ContainsAll":
            return all(self.equal(facts, v) for v in value)
        if op == "Equal":
            return self.equal(facts, value)
        if op == "Like":
            return all(any(fnmatch.fnmatchcase(w, p) for w in words) for p in self.patterns(value))
        return any(COMPARE[op](x, self.target(value)) for x in self.comparable(facts, value))

    @staticmethod
    def target(v):
        return v if not isinstance(v, datetime) or v.tzinfo else v.replace(tzinfo=UTC)

    @staticmethod
    def comparable(facts: tuple[list, set, list], v) -> list:
        elems, _, dates = facts
        if isinstance(v, bool):
            return [e for e in elems if isinstance(e, bool)]
        if isinstance(v, (int, float)):
            return [e for e in elems if isinstance(e, (int, float)) and not isinstance(e, bool)]
        return dates

    def equal(self, facts: tuple[list, set, list], v) -> bool:
        if isinstance(v, str):
            wanted = self.words(v)
            return bool(wanted) and wanted <= facts[1]
        return any(x == self.target(v) for x in self.comparable(facts, v))


@pytest.fixture(scope="module")
def random_table():
    rng = random.Random(20240601)
    uuids, rows = _random_rows(20_000, rng)
    return rng, uuids, rows


def _check_against_oracle(uuids, rows, filters) -> None:
    ev, oracle = FilterEvaluator(uuids, rows), _Oracle(uuids, rows)
    for f in filters:
        expected = np.fromiter((oracle.matches(i, f) for i in range(len(rows))), dtype=bool, count=len(rows))
        got = ev.mask(f)
        bad = np.flatnonzero(got != expected)
        assert not len(bad), f"{filter_to_text(f)}: row {bad[0]} {rows[bad[0]]} got {got[bad[0]]}"


@pytest.mark.slow
def test_random_filters_match_brute_force_on_small_table(random_table):
    rng, uuids, rows = random_table
    filters = [_random_filter(rng, uuids[:2000]) for _ in range(200)]
    _check_against_oracle(uuids[:2000], rows[:2000], filters)


@pytest.mark.slow
def test_random_filters_match_brute_force_at_20k(random_table):
    rng, uuids, rows = random_table
    filters = [P("year").greater_than(1990) & P("rating").less_or_equal(7.5),
               P("genres").contains_any(["Comedy", "Drama"]),
               P("title").like("s?ar*"),
               P("released").less_than(datetime(1950, 6, 1)) | Filter.by_id().contains_any(uuids[:50])]
    filters += [_random_filter(rng, uuids) for _ in range(3)]
    _check_against_oracle(uuids, rows, filters)
