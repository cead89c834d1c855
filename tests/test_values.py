"""The one typed-value grammar (``core.values``) and its users: CLI ``--prop``, where-expressions, the lab."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from core import InvalidInputError, format_value, parse_condition, parse_scalar, parse_value
from core.cli.context import prop as _prop
from lab import persona_props


@pytest.mark.parametrize("text, value", [
    ("42", 42), ("-3", -3), ("+3", 3), ("0", 0), ("0.5", 0.5), (".5", 0.5), ("2.", 2.0), ("1e3", 1000.0),
    ("007", "007"), ("02139", "02139"), ("-01", "-01"), ("00", "00"),  # a leading zero marks a code
    ("true", True), ("FALSE", False), ("null", None),
    ("hello world", "hello world"), ("  padded  ", "padded"), ("nan", "nan"), ("inf", "inf"), ("1,000", "1,000"),
    ('"007"', "007"), ("'true'", "true"), ('"42"', "42"), ('""', ""), ('"a|b"', "a|b"), ("'half\"", "'half\""),
    ("a|b", ["a", "b"]), ("1|2", [1, 2]), ("007|008", ["007", "008"]), ("Sci-Fi|Drama", ["Sci-Fi", "Drama"]),
    ("a||b|", ["a", "b"]), ("Comedy|", ["Comedy"]), ("|", []), ('"a|b"|c', ["a|b", "c"]), ('"x"|\'y\'', ["x", "y"]),
    ("true|1|x", [True, 1, "x"]), ("null|x", ["null", "x"]),  # null is a whole value only
    ('["a", 1]', ["a", 1]), ('{"x": [1]}', {"x": [1]}), ("", ""),
])
def test_parse_value_known_answers(text, value):
    parsed = parse_value(text)
    assert parsed == value and type(parsed) is type(value)
    assert json.dumps(parsed) == json.dumps(value)  # strict: 1, 1.0 and True differ


@pytest.mark.parametrize("text", ["[1, 2", "{x: 1}", "[NaN]", "{\"a\": Infinity}"])
def test_text_that_starts_like_json_must_be_json(text):
    with pytest.raises(InvalidInputError, match=r"starts like JSON but is not valid JSON.*quote it"):
        parse_value(text)


def test_parse_value_takes_text_only():
    with pytest.raises(InvalidInputError, match="written as text, got int 7"):
        parse_value(7)


def test_scalars_and_dates():
    assert parse_scalar("2020-01-31", dates=True) == datetime(2020, 1, 31, tzinfo=timezone.utc)
    assert parse_scalar("2020-01-31T12:00+02:00", dates=True).utcoffset().total_seconds() == 7200
    assert parse_scalar("2020-01-31") == "2020-01-31"  # dates only where asked (filter values)
    assert parse_scalar('"2020-01-31"', dates=True) == "2020-01-31"
    assert parse_scalar("2020-13-45", dates=True) == "2020-13-45"
    assert parse_scalar("a|b") == "a|b"  # lists are parse_value's


@pytest.mark.parametrize("value", [["Sci-Fi", "Drama"], ["only"], [], 42, 4.0, True, None, "12", "007", "a|b",
                                   " padded", "true", "[x]", "", {"x": [1]}, "plain", ["1", 2], "it's"])
def test_format_value_round_trips(value):
    assert json.dumps(parse_value(format_value(value))) == json.dumps(value)


# The disagreements this module ended: before, "007" was '007' in the CLI but 7 in the lab and in
# filters, and "1|2" was ['1', '2'] in the CLI but [1, 2] in the lab.

def test_cli_lab_and_filters_agree_on_007():
    assert _prop("code=007") == ("code", "007")
    assert persona_props.rows_to_properties([{"key": "code", "value": "007"}]) == {"code": "007"}
    assert parse_condition("code=007").value == "007"


def test_cli_and_lab_agree_on_lists():
    assert _prop("ids=1|2") == ("ids", [1, 2])
    assert persona_props.rows_to_properties([{"key": "ids", "value": "1|2"}]) == {"ids": [1, 2]}


def test_cli_prop_errors_name_the_property():
    with pytest.raises(InvalidInputError, match=r"--prop meta: '\{oops' starts like JSON"):
        _prop("meta={oops")
