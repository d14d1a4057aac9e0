"""The validation toolkit shared by checklist definitions and visit submissions.

- ``Problems`` collects every mistake of one request under its field path (``answers.3.value``)
  and raises them together as one Django ``ValidationError``, which the exception handler renders
  as one error per problem with the path in ``attr``.
- JSON predicates: what counts as a number or an integer in a parsed JSON body (``is_number``,
  ``is_integer``: booleans are not numbers, ``3.0`` is the integer 3, integers beyond
  ``MAX_JSON_INT`` are typos).
- ``canonical_json``: one text per JSON value (sorted keys, no spaces, UTF-8), for fingerprints.
- ``round_half_up``: the one half-up rounding (ties away from zero, never to even), exact.

Pure functions and plain classes: no database, no HTTP.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError

#: Integers beyond this are typos, and beyond what a float column keeps exactly.
MAX_JSON_INT = 10**15


# --- collecting problems -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    code: str = "invalid"


class Problems:
    """Validation problems keyed by field path, in the order found; one pass reports them all."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._paths: set[str] = set()

    def add(self, path: str, message: str, code: str = "invalid") -> None:
        self.problems.append(Problem(path, message, code))
        self._paths.add(path)

    def __contains__(self, path: str) -> bool:
        return path in self._paths

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def as_dict(self) -> dict[str, list[ValidationError]]:
        return problems_as_dict(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ValidationError(self.as_dict())


def problems_as_dict(problems: Iterable[Problem]) -> dict[str, list[ValidationError]]:
    """Group problems by path, as Django's ``ValidationError`` (and the API's ``attr``) expect."""
    grouped: dict[str, list[ValidationError]] = {}
    for problem in problems:
        grouped.setdefault(problem.path, []).append(ValidationError(problem.message, code=problem.code))
    return grouped


# --- JSON predicates -----------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    """A finite JSON number: not a boolean, an integer within ``MAX_JSON_INT``, a finite float."""
    kind = type(value)
    if kind is int:
        within: bool = -MAX_JSON_INT <= value <= MAX_JSON_INT  # value is Any: an int here
        return within
    if kind is float:
        return math.isfinite(value)
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -MAX_JSON_INT <= value <= MAX_JSON_INT
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, Decimal) and value.is_finite()


def is_integer(value: Any) -> bool:
    """A number with no fractional part (JSON does not tell ``3`` from ``3.0``)."""
    if not is_number(value):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    integral: bool = value == value.to_integral_value()  # a Decimal here
    return integral


def describe(value: Any) -> str:
    """A JSON value's type as an error message names it (``boolean``, not ``bool``)."""
    return type(value).__name__ if not isinstance(value, bool) else "boolean"


# --- canonical JSON ------------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text: equal values always give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


# --- rounding ------------------------------------------------------------------------------------

_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(0, 10)}


def round_half_up(value: Fraction | Decimal | float | int | str, places: int) -> Decimal:
    """Round to ``places`` decimals, ties away from zero, exactly.

    A float is read as the shortest decimal that prints it (``0.125`` is one eighth, not the
    binary fraction just below it), a ``Fraction`` is rounded as the exact rational it is.
    """
    quantum = _QUANTA.get(places) or Decimal(1).scaleb(-places)
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers here")
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return Decimal(value.numerator).quantize(quantum)
        scaled = abs(value) * 10**places
        count, remainder = divmod(scaled.numerator, scaled.denominator)
        if 2 * remainder >= scaled.denominator:
            count += 1
        magnitude = (Decimal(count) * quantum).quantize(quantum)
        return -magnitude if value < 0 and magnitude else magnitude
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        value = Decimal(repr(value))
    elif not isinstance(value, Decimal):
        value = Decimal(value)
    return value.quantize(quantum, rounding=ROUND_HALF_UP)
