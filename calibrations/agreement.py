"""Agreement between raters, with Krippendorff's alpha from the ``krippendorff`` package.

Data are ``coders x units`` rows with ``None`` for a missing value (an N/A or hidden answer, an
auditor who was not there): missing values are left out, never counted as zeros. ``alpha`` is
``None`` wherever it is undefined: fewer than two pairable values, or no variation at all (the
expected disagreement is zero), which the package reports as an error or a NaN.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import krippendorff
import numpy as np

Matrix = Sequence[Sequence[float | None]]
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def alpha(data: Matrix, level: str) -> float | None:
    """Krippendorff's alpha of ``data`` (coders x units) at ``level``; ``None`` where undefined."""
    if level not in LEVELS:
        raise ValueError(f"Unknown level of measurement: {level}")
    pairable = sum(1 for unit in zip(*data, strict=True) if sum(v is not None for v in unit) >= 2)
    if not data or pairable == 0:
        return None
    values = np.array([[math.nan if v is None else float(v) for v in row] for row in data], dtype=float)
    if len({v for v in values.flatten() if not math.isnan(v)}) < 2:
        return None  # no variation: the expected disagreement is zero
    try:
        # A zero expected disagreement divides by zero (NaN), which the checks below turn into None.
        with np.errstate(divide="ignore", invalid="ignore"):
            result = float(
                krippendorff.alpha(reliability_data=values, level_of_measurement=level)  # type: ignore[arg-type]
            )
    except (ValueError, ZeroDivisionError):
        return None
    return result if math.isfinite(result) else None


def all_agree(values: Sequence[float | None]) -> bool | None:
    """True when every rater gave the same value; ``None`` unless every rater gave one (2 or more)."""
    if len(values) < 2 or any(v is None for v in values):
        return None
    return len(set(values)) == 1


def percent_agreement(agreements: Sequence[bool | None]) -> float | None:
    """The percent of units answered by all on which all agree; ``None`` when there is none."""
    answered = [a for a in agreements if a is not None]
    if not answered:
        return None
    return 100 * sum(answered) / len(answered)


def distance_from_consensus(
    mine: Sequence[float | None], others: Sequence[Sequence[float | None]]
) -> float | None:
    """Mean over units of ``|my value - median of the others' values|`` where both exist."""
    distances = []
    for index, value in enumerate(mine):
        theirs = [other for row in others if (other := row[index]) is not None]
        if value is None or not theirs:
            continue
        distances.append(abs(value - statistics.median(theirs)))
    return sum(distances) / len(distances) if distances else None
