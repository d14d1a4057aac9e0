"""The auditor rating, exactly as the contract states it. Pure functions.

rating = (3 x 5 + sum of points) / (3 + n) over the auditor's last n <= 20 decided mystery visits:
approved without a return 10, approved after a return 7, rejected 0, minus 2 per upheld disputed
item of that visit (never below 0). One decimal, half up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from core.validation import round_half_up

PRIOR_WEIGHT = 3
PRIOR_POINTS = 5
MAX_VISITS = 20


@dataclass(frozen=True)
class DecidedVisit:
    approved: bool
    returned: bool
    upheld_items: int = 0


def visit_points(visit: DecidedVisit) -> int:
    """The points one decided visit earns (0-10)."""
    base = (7 if visit.returned else 10) if visit.approved else 0
    return max(0, base - 2 * visit.upheld_items)


def rating(latest_first: Sequence[DecidedVisit]) -> Decimal:
    """The rating over the most recent ``MAX_VISITS`` of ``latest_first`` (newest decision first)."""
    counted = latest_first[:MAX_VISITS]
    points = sum(visit_points(visit) for visit in counted)
    exact = Fraction(PRIOR_WEIGHT * PRIOR_POINTS + points, PRIOR_WEIGHT + len(counted))
    return round_half_up(exact, 1)
