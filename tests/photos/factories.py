"""Visits for the photo tests, from ``tests.factories`` (the audit loop is another suite's concern)."""

from audits.models import VisitKind, VisitStatus
from tests.factories import ChecklistFactory, VisitFactory

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
    return VisitFactory(
        location=location,
        checklist=checklist or photo_checklist(location.organization),
        kind=kind,
        status=status,
        auditor=auditor,
    )
