"""The shared validation toolkit: one collector, one set of JSON predicates, one rounding."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.validation import (
    MAX_JSON_INT,
    Problems,
    canonical_json,
    describe,
    is_integer,
    is_number,
    round_half_up,
)


def test_problems_report_every_mistake_at_once_grouped_by_path():
    problems = Problems()
    problems.add("answers.0.value", "A number is required.", "invalid_type")
    problems.add("kind", "Required.", "required")
    problems.add("answers.0.value", "Out of range.", "out_of_range")

    assert "kind" in problems and "notes" not in problems and bool(problems)
    with pytest.raises(ValidationError) as raised:
        problems.raise_if_any()
    codes = {path: [e.code for e in errors] for path, errors in raised.value.error_dict.items()}
    assert codes == {"answers.0.value": ["invalid_type", "out_of_range"], "kind": ["required"]}


def test_no_problems_raise_nothing():
    problems = Problems()
    problems.raise_if_any()
    assert not problems and list(problems) == []


@pytest.mark.parametrize(
    "value, number, integer",
    [
        (3, True, True),
        (3.0, True, True),
        (3.5, True, False),
        (Decimal("2.00"), True, True),
        (Decimal("2.5"), True, False),
        (MAX_JSON_INT, True, True),
        (-MAX_JSON_INT - 1, False, False),
        (True, False, False),
        (math.inf, False, False),
        (math.nan, False, False),
        (Decimal("NaN"), False, False),
        ("3", False, False),
        (None, False, False),
    ],
)
def test_json_predicates_have_one_rule(value, number, integer):
    assert (is_number(value), is_integer(value)) == (number, integer)


def test_describe_names_json_types():
    assert (describe(True), describe(3), describe("x")) == ("boolean", "int", "str")


def test_canonical_json_is_one_text_per_value():
    assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


@pytest.mark.parametrize(
    "value, places, expected",
    [
        (0.125, 2, "0.13"),  # the float is read as the decimal it prints as
        (Fraction(1, 8), 2, "0.13"),
        (Fraction(5, 2), 0, "3"),
        (Decimal("-0.125"), 2, "-0.13"),  # ties go away from zero
        (Fraction(-1, 8), 2, "-0.13"),
        (Fraction(-1, 1000), 2, "0.00"),  # no negative zero
        (2.675, 2, "2.68"),
        (7, 2, "7.00"),
        ("80.555", 2, "80.56"),
    ],
)
def test_round_half_up(value, places, expected):
    assert round_half_up(value, places) == Decimal(expected)
    assert str(round_half_up(value, places)) == expected


@pytest.mark.parametrize("value", [True, math.inf])
def test_round_half_up_refuses_what_is_not_a_finite_number(value):
    with pytest.raises((TypeError, ValueError)):
        round_half_up(value, 2)


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=6), st.integers(min_value=0, max_value=5))
def test_exact_fractions_round_like_their_decimals(value, places):
    assert round_half_up(Fraction(value), places) == round_half_up(value, places)
