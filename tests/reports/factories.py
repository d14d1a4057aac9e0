"""Hand-built visits for report tests: Visit and Answer rows written directly.

Scores are given, not computed, so each test states exactly the numbers it expects. Period keys
come from ``audits.periods.period_keys`` as the visit writer stores them.
"""

import datetime as dt
import uuid
import zoneinfo

from accounts.models import Role
from audits.models import Answer, Visit
from audits.periods import period_keys
from tests.factories import UserFactory


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
    version = checklist.versions.order_by("-number").first()
    keys = period_keys(started_at, location.timezone)
    if kind == "mystery" and auditor is None:
        auditor = UserFactory(organization=location.organization, role=Role.AUDITOR)
    visit = Visit.objects.create(
        id=uuid.uuid4(),
        organization=location.organization,
        location=location,
        checklist=checklist,
        checklist_version=version,
        kind=kind,
        status=status,
        auditor=auditor if kind == "mystery" else None,
        started_at=started_at,
        ended_at=started_at + dt.timedelta(minutes=15),
        score=score,
        passed=(score is not None and score >= 80) if passed is None else passed,
        section_scores=[{"key": key, "score": value} for key, value in (sections or {}).items()],
        local_date=keys.local_date,
        week_start=keys.week_start,
        month_start=keys.month_start,
        quarter_start=keys.quarter_start,
    )
    Answer.objects.bulk_create(
        Answer(
            visit=visit,
            position=position,
            section_key=answer[0],
            item_key=answer[1],
            score=answer[2],
            value=answer[3] if len(answer) > 3 else (None if answer[2] is None else answer[2] >= 0.5),
            comment=answer[4] if len(answer) > 4 else "",
            na=answer[2] is None and len(answer) <= 3,
        )
        for position, answer in enumerate(answers)
    )
    return visit
