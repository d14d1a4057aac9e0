"""Who may claim a job: the board's rules, in the order a refusal names them. Pure.

The board applies the same rules in SQL (``fieldwork.selectors.job_board``); a claim reads the facts
from the database and asks ``claim_refusal`` which rule, if any, refuses it (403 with that code).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ClaimFacts:
    """Everything the claim rules read about one job and one auditor."""

    has_home: bool
    distance_km: float | None
    travel_radius_km: int
    rating: Decimal
    min_rating: Decimal | None
    missing_qualification: bool
    locked_out: bool
    claims_today: int
    daily_claim_cap: int


#: The refusal codes, in the order the rules are checked.
REFUSALS = {
    "no_home": "Set your home (PATCH /api/v1/me/auditor/) to claim jobs.",
    "too_far": "This job is beyond your travel radius.",
    "rating_too_low": "Your rating is below this job's minimum.",
    "missing_qualification": "This job's checklist needs a qualification you do not hold.",
    "lockout": "You visited this location too recently.",
    "daily_cap": "You have reached the daily number of claims.",
}


def claim_refusal(facts: ClaimFacts) -> str | None:
    """The code of the first rule that refuses the claim, or None when the auditor may claim it."""
    if not facts.has_home:
        return "no_home"
    if facts.distance_km is None or facts.distance_km > facts.travel_radius_km:
        return "too_far"
    if facts.min_rating is not None and facts.rating < facts.min_rating:
        return "rating_too_low"
    if facts.missing_qualification:
        return "missing_qualification"
    if facts.locked_out:
        return "lockout"
    if facts.claims_today >= facts.daily_claim_cap:
        return "daily_cap"
    return None
