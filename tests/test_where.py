"""Known-answer tests for ``core.where``: the small filter expressions of ``--where`` and the lab.

Each case is an expression and the :class:`Condition` (or error) worked out by hand from the
grammar in the module docstring; ``build_filter`` is checked against filters built directly with
the weaviate client.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from weaviate.classes.query import Filter

from core import InvalidInputError
from core.where import Condition, build_filter, parse_condition


@pytest.mark.parametrize("expr, op, value", [
    ("year=2000", "equal", 2000),
    ("year==2000", "equal", 2000),
    ("year!=2000", "not_equal", 2000),
    ("year<2000", "less_than", 2000),
    ("year<=2000", "less_or_equal", 2000),
    ("year>2000", "greater_than", 2000),
    ("year>=2000", "greater_or_equal", 2000),
    ("year~1999,2000", "contains_any", [1999, 2000]),
    ("year!~1999,2000", "contains_none", [1999, 2000]),
    ("year like 19*", "like", "19*"),
])
def test_each_operator(expr, op, value):
    assert parse_condition(expr) == Condition("year", op, value)


@pytest.mark.parametrize("raw, value", [
    ("2000", 2000),
    ("-3", -3),
    ("+3", 3),
    ("007", "007"),  # a leading zero marks a code: text, as for persona properties (core.values)
    ("3.5", 3.5),
    (".5", 0.5),
    ("2.", 2.0),
    ("1e3", 1000.0),
    ("-2.5E-1", -0.25),
    ("true", True),
    ("FALSE", False),
    ("Star Wars", "Star Wars"),
    ("1,000", "1,000"),
    ("nan", "nan"),
    ('"007"', "007"),
    ("'2000'", "2000"),
    ('"true"', "true"),
    ("'Star Wars'", "Star Wars"),
    ('"it\'s"', "it's"),
    ("'half\"", "'half\""),  # mismatched quotes are not quotes
    ('""', ""),
    ("b=c", "b=c"),  # only the first operator splits
])
def test_values_are_typed(raw, value):
    condition = parse_condition(f"p={raw}")
    assert condition == Condition("p", "equal", value)
    assert type(condition.value) is type(value)


@pytest.mark.parametrize("raw, value", [
    ("2020-01-31", datetime(2020, 1, 31, tzinfo=UTC)),
    ("2020-01-31T10:30", datetime(2020, 1, 31, 10, 30, tzinfo=UTC)),
    ("2020-01-31 10:30:15.5", datetime(2020, 1, 31, 10, 30, 15, 500000, tzinfo=UTC)),
    ("2020-01-31T10:30:00Z", datetime(2020, 1, 31, 10, 30, tzinfo=UTC)),
    ("2020-01-31T10:30:00+02:00", datetime(2020, 1, 31, 10, 30, tzinfo=timezone(timedelta(hours=2)))),
    ("2020-01-31T10:30:00-0500", datetime(2020, 1, 31, 10, 30, tzinfo=timezone(timedelta(hours=-5)))),
    ("2020-01-31Z", datetime(2020, 1, 31, tzinfo=UTC)),
])
def test_iso_dates_become_aware_datetimes(raw, value):
    condition = parse_condition(f"added>={raw}")
    assert condition == Condition("added", "greater_or_equal", value)
    assert condition.value.utcoffset() == value.utcoffset()


def test_text_that_only_looks_like_a_date_stays_text():
    assert parse_condition("added=2020-13-01") == Condition("added", "equal", "2020-13-01")
    assert parse_condition("added='2020-01-31'") == Condition("added", "equal", "2020-01-31")
    assert parse_condition("added=31/01/2020") == Condition("added", "equal", "31/01/2020")


def test_whitespace_and_lists():
    assert parse_condition("  rating <  3.5 ") == Condition("rating", "less_than", 3.5)
    assert parse_condition("genres ~ Comedy, Drama ,") == Condition("genres", "contains_any", ["Comedy", "Drama"])
    assert parse_condition("tags~'a,b'") == Condition("tags", "contains_any", ["'a", "b'"])  # commas always split
    assert parse_condition("genres!~Horror") == Condition("genres", "contains_none", ["Horror"])
    assert parse_condition("ids~1,x,2.5") == Condition("ids", "contains_any", [1, "x", 2.5])


def test_like_keeps_the_pattern_as_text():
    assert parse_condition("title LIKE *Star*") == Condition("title", "like", "*Star*")
    assert parse_condition("title like 2000") == Condition("title", "like", "2000")
    assert parse_condition('title like "The ?ight*"') == Condition("title", "like", "The ?ight*")


@pytest.mark.parametrize("expr, detail", [
    ("year 2000", "expected PROP OP VALUE"),
    ("year>=", "expected PROP OP VALUE"),
    (">=2000", "expected PROP OP VALUE"),
    ("", "expected PROP OP VALUE"),
    ("year", "expected PROP OP VALUE"),
    ("year>=soon", ">= needs a number or an ISO date, got 'soon'"),
    ("year<'2000'", "< needs a number or an ISO date, got \"'2000'\""),
    ("spicy>true", "> needs a number or an ISO date, got 'true'"),
    ("added<=2020-13-01", "<= needs a number or an ISO date"),
    ("genres~ , ", "~ needs values like a,b"),
    ("genres!~,", "!~ needs values like a,b"),
])
def test_bad_expressions_name_the_expression(expr, detail):
    with pytest.raises(InvalidInputError) as caught:
        parse_condition(expr)
    assert str(caught.value).startswith(f"bad where expression {expr!r}: ")
    assert detail in str(caught.value)


def test_the_caller_names_the_expression():
    with pytest.raises(InvalidInputError, match=r"^bad --where expression 'year 2000': "):
        parse_condition("year 2000", what="--where expression")


def test_build_filter():
    assert build_filter([]) is None
    year = Filter.by_property("year").greater_or_equal(2000)
    assert build_filter([parse_condition("year>=2000")]) == year
    both = build_filter([parse_condition("year>=2000"), parse_condition("title like *Star*")])
    assert both.filters == [year, Filter.by_property("title").like("*Star*")]
    when = datetime(2020, 1, 31, tzinfo=UTC)
    assert build_filter([parse_condition("added<2020-01-31")]) == Filter.by_property("added").less_than(when)
