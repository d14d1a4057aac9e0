"""Visits for report tests, from ``tests.factories``: Visit and Answer rows written directly.

Scores are given, not computed, so each test states exactly the numbers it expects.
"""

import datetime as dt
import zoneinfo

from audits.models import Answer, Visit
from audits.rollups import rollups_apply, visit_contribution
from tests.factories import AnswerFactory, VisitFactory


def local(text: str, tz: str) -> dt.datetime:
    """``"2026-03-29 01:30"`` in zone ``tz`` as an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=zoneinfo.ZoneInfo(tz))


def make_visit(
    *,
    location,
    checklist,
    started_at: dt.datetime,
    score: float | None = 80.0,
    passed: bool | None = None,
    kind: str = "mystery",
    status: str = "submitted",
    auditor=None,
    sections: dict[str, float | None] | None = None,
    answers: list[tuple] = (),
) -> Visit:
    """A visit at ``started_at`` with ``answers`` as ``(section, item, score[, value, comment])``."""
    visit = VisitFactory(
        location=location,
        checklist=checklist,
        started_at=started_at,
        ended_at=started_at + dt.timedelta(minutes=15),
        score=score,
        passed=(score is not None and score >= 80) if passed is None else passed,
        kind=kind,
        status=status,
        section_scores=[{"key": key, "score": value} for key, value in (sections or {}).items()],
        **({"auditor": auditor} if auditor is not None and kind == "mystery" else {}),
    )
    Answer.objects.bulk_create(
        AnswerFactory.build(
            visit=visit,
            position=position,
            section_key=answer[0],
            item_key=answer[1],
            score=answer[2],
            **({"value": answer[3]} if len(answer) > 3 else {}),
            comment=answer[4] if len(answer) > 4 else "",
            na=answer[2] is None and len(answer) <= 3,
        )
        for position, answer in enumerate(answers)
    )
    rollups_apply(before=visit_contribution(visit, answers=[]), after=visit_contribution(visit))
    return visit
