"""Visits for the photo tests, written directly (the audit loop is another suite's concern)."""

import datetime as dt

from django.utils import timezone

from audits.models import Visit, VisitKind, VisitStatus
from audits.periods import period_keys
from tests.factories import ChecklistFactory

PHOTO_SECTIONS = [
    {
        "key": "outside",
        "title": "Outside",
        "weight": 1,
        "items": [
            {
                "key": "storefront",
                "prompt": "Photo of the storefront",
                "type": "photo",
                "weight": 1,
                "photo": {"min": 1, "max": 2},
            },
            {
                "key": "clean_windows",
                "prompt": "Windows clean?",
                "type": "yes_no",
                "weight": 1,
                "photo": {"min": 0, "max": 1},
            },
            {"key": "no_rule", "prompt": "An item without a photo rule", "type": "yes_no", "weight": 1},
        ],
    }
]


def photo_checklist(organization):
    return ChecklistFactory(organization=organization, sections=PHOTO_SECTIONS)


def make_visit(
    *, location, auditor=None, checklist=None, kind=VisitKind.MYSTERY, status=VisitStatus.SUBMITTED
):
    checklist = checklist or photo_checklist(location.organization)
    started = timezone.now() - dt.timedelta(hours=2)
    keys = period_keys(started, location.timezone)
    return Visit.objects.create(
        organization=location.organization,
        location=location,
        checklist=checklist,
        checklist_version=checklist.versions.order_by("-number").first(),
        kind=kind,
        status=status,
        auditor=auditor,
        started_at=started,
        ended_at=started + dt.timedelta(minutes=20),
        local_date=keys.local_date,
        week_start=keys.week_start,
        month_start=keys.month_start,
        quarter_start=keys.quarter_start,
    )
