"""Integrity flags of a visit: pure rules, no database (the services gather the facts).

Each rule of the contract ("Integrity and calibration") is one function of ``VisitFacts``;
``visit_flags`` runs them all and returns ``[{code, detail}]`` in ``FLAG_CODES`` order. A visit's
``risk`` is the number of its flags. ``queue_key`` spells (risk, started_at, id) as one string
whose descending order is the review queue's, so that the queue is one indexed column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

FLAG_CODES = (
    "off_site",
    "outside_window",
    "reused_photo",
    "mock_location",
    "too_short",
    "late_submission",
    "straight_lining",
    "duplicate_text",
    "photo_time_mismatch",
)
#: The flags a photo upload may change (the rest only change with the visit's body).
PHOTO_FLAGS = frozenset({"reused_photo", "photo_time_mismatch"})
#: The flags a re-score (an upheld dispute) may change: it changes item scores only.
SCORE_FLAGS = frozenset({"straight_lining"})

LATE_AFTER = dt.timedelta(hours=24)
STRAIGHT_LINING_MIN_ANSWERS = 10
LONG_TEXT = 40
PHOTO_TIME_TOLERANCE = dt.timedelta(minutes=30)

Flag = dict[str, str]


@dataclass(frozen=True)
class PhotoFacts:
    """What a visit's own photos say: how many are reused, and the span of their capture times."""

    reused: int = 0
    earliest: dt.datetime | None = None
    latest: dt.datetime | None = None


@dataclass(frozen=True)
class VisitFacts:
    started_at: dt.datetime
    ended_at: dt.datetime
    received_at: dt.datetime
    off_site: bool = False
    outside_window: bool = False
    mock_location: bool = False
    min_duration_minutes: int | None = None
    item_scores: Sequence[float] = ()
    duplicate_texts: int = 0
    photos: PhotoFacts = field(default_factory=PhotoFacts)


def _minutes(delta: dt.timedelta) -> str:
    return f"{delta.total_seconds() / 60:.0f} min"


def too_short(facts: VisitFacts) -> str | None:
    minimum = facts.min_duration_minutes
    if not minimum:
        return None
    duration = facts.ended_at - facts.started_at
    if duration >= dt.timedelta(minutes=minimum):
        return None
    return f"The visit lasted {_minutes(duration)}; the checklist expects at least {minimum} min."


def late_submission(facts: VisitFacts) -> str | None:
    delay = facts.received_at - facts.ended_at
    if delay <= LATE_AFTER:
        return None
    return f"Received {delay.total_seconds() / 3600:.1f} h after the visit ended (more than 24 h)."


def straight_lining(facts: VisitFacts) -> str | None:
    scores = facts.item_scores
    if len(scores) < STRAIGHT_LINING_MIN_ANSWERS or len(set(scores)) != 1:
        return None
    return f"All {len(scores)} scored answers have the same item score ({scores[0]:g})."


DUPLICATE_TEXT_DETAIL = (
    f"A comment or note of {LONG_TEXT}+ characters equals one in another visit of the same auditor."
)


def duplicate_text(facts: VisitFacts) -> str | None:
    return DUPLICATE_TEXT_DETAIL if facts.duplicate_texts > 0 else None


def photo_time_mismatch(facts: VisitFacts) -> str | None:
    return _photo_time_mismatch(facts.started_at, facts.ended_at, facts.photos)


def _photo_time_mismatch(started_at: dt.datetime, ended_at: dt.datetime, photos: PhotoFacts) -> str | None:
    early = photos.earliest is not None and photos.earliest < started_at - PHOTO_TIME_TOLERANCE
    late = photos.latest is not None and photos.latest > ended_at + PHOTO_TIME_TOLERANCE
    if not (early or late):
        return None
    return "A photo was taken more than 30 min before the visit started or after it ended."


def photo_flags(started_at: dt.datetime, ended_at: dt.datetime, photos: PhotoFacts) -> list[Flag]:
    """The ``PHOTO_FLAGS`` the visit's photos raise (what a photo upload recomputes)."""
    details = {
        "reused_photo": f"{photos.reused} photo(s) match a photo of another visit."
        if photos.reused
        else None,
        "photo_time_mismatch": _photo_time_mismatch(started_at, ended_at, photos),
    }
    return [
        {"code": code, "detail": detail} for code in FLAG_CODES if (detail := details.get(code)) is not None
    ]


def _simple(facts: VisitFacts) -> dict[str, str | None]:
    return {
        "off_site": "The position is farther from the location than its geofence."
        if facts.off_site
        else None,
        "outside_window": "Started outside the assignment's window." if facts.outside_window else None,
        "mock_location": "The phone reported a mock location." if facts.mock_location else None,
    }


def visit_flags(facts: VisitFacts) -> list[Flag]:
    """Every flag the facts raise, in ``FLAG_CODES`` order."""
    details: dict[str, str | None] = {
        **_simple(facts),
        **{
            flag["code"]: flag["detail"]
            for flag in photo_flags(facts.started_at, facts.ended_at, facts.photos)
        },
        "too_short": too_short(facts),
        "late_submission": late_submission(facts),
        "straight_lining": straight_lining(facts),
        "duplicate_text": duplicate_text(facts),
    }
    return [
        {"code": code, "detail": detail} for code in FLAG_CODES if (detail := details.get(code)) is not None
    ]


def score_flags(item_scores: Sequence[float]) -> list[Flag]:
    """The flags that depend on the item scores alone (``SCORE_FLAGS``)."""
    detail = straight_lining(
        VisitFacts(started_at=_EPOCH, ended_at=_EPOCH, received_at=_EPOCH, item_scores=item_scores)
    )
    return [] if detail is None else [{"code": "straight_lining", "detail": detail}]


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def merge_flags(current: Iterable[Flag], replaced: Iterable[str], new: Iterable[Flag]) -> list[Flag]:
    """``current`` with the codes in ``replaced`` taken out and ``new`` put in, in ``FLAG_CODES`` order."""
    dropped = set(replaced)
    by_code = {flag["code"]: flag for flag in current if flag.get("code") not in dropped}
    by_code.update({flag["code"]: flag for flag in new})
    return [by_code[code] for code in FLAG_CODES if code in by_code]


def flag_codes(flags: Iterable[Flag]) -> list[str]:
    return [flag["code"] for flag in flags]


def queue_key(risk: int, started_at: dt.datetime, visit_id: Any) -> str:
    """A string whose order is (risk, started_at, id): the review queue sorts on it descending."""
    instant = started_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S%f")
    return f"{min(risk, 99):02d}{instant}{visit_id}"


def text_digests(texts: Iterable[str]) -> set[str]:
    """SHA-256 of every text of ``LONG_TEXT`` characters or more (surrounding blanks left out)."""
    return {
        hashlib.sha256(text.strip().encode("utf-8", "surrogatepass")).hexdigest()
        for text in texts
        if len(text.strip()) >= LONG_TEXT
    }
