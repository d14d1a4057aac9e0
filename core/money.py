"""Money as the API speaks it: a decimal string with at most two places, never a float.

``money_parse`` reads ``"12.50"`` into ``Decimal("12.50")`` and refuses JSON numbers (a float has
already lost the exact value), negative amounts, more than two decimal places and amounts beyond
``MAX_MONEY``; ``money_text`` spells a stored amount back as the API writes it. Pure functions.
"""

from __future__ import annotations

import re
from decimal import Decimal

#: Twelve digits, two of them decimals: the columns' ``max_digits``/``decimal_places``.
MAX_MONEY = Decimal("9999999999.99")
PLACES = Decimal("0.01")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class MoneyError(ValueError):
    """Why a value is not an amount of money: ``code`` is the API's error code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def money_parse(raw: object) -> Decimal:
    """``raw`` (a decimal string such as ``"12.5"``) as an exact ``Decimal`` with two places."""
    if not isinstance(raw, str) or not _DECIMAL.fullmatch(raw):
        raise MoneyError('A decimal string such as "12.50" is required (not a number).', "invalid")
    value = Decimal(raw)
    if value < 0:
        raise MoneyError("Must not be negative.", "min_value")
    if -value.as_tuple().exponent > 2:  # type: ignore[operator]  # a finite Decimal's exponent is an int
        raise MoneyError("At most two decimal places.", "max_decimal_places")
    if value > MAX_MONEY:
        raise MoneyError(f"At most {MAX_MONEY}.", "max_value")
    return value.quantize(PLACES)


def money_text(value: Decimal | None) -> str | None:
    """A stored amount as the API writes it: ``"12.50"``, or None."""
    return None if value is None else str(value.quantize(PLACES))
