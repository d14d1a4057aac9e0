"""Fixtures for the audit loop: a checklist, an open assignment, and visit bodies as a phone sends them."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from accounts.models import Role
from tests.factories import AssignmentFactory, ChecklistFactory, LocationFactory, RegionFactory, UserFactory

#: Every item type, with weights, N/A, a critical item and photo evidence.
FULL_SECTIONS = [
    {
        "key": "greeting",
        "title": "Greeting",
        "weight": 2,
        "items": [
            {
                "key": "greeted",
                "prompt": "Greeted within 30 seconds?",
                "type": "yes_no",
                "weight": 1,
                "critical": False,
                "allow_na": False,
                "photo": {"min": 0, "max": 3},
            },
            {
                "key": "warmth",
                "prompt": "How warm?",
                "type": "scale",
                "scale_min": 1,
                "scale_max": 5,
                "weight": 3,
                "critical": False,
                "allow_na": False,
                "photo": {"min": 0, "max": 3},
            },
        ],
    },
    {
        "key": "service",
        "title": "Service",
        "weight": 1,
        "items": [
            {
                "key": "offer",
                "prompt": "What was offered?",
                "type": "choice",
                "weight": 1,
                "options": [
                    {"key": "none", "label": "Nothing", "points": 0},
                    {"key": "some", "label": "Something", "points": 1},
                    {"key": "great", "label": "A tailored offer", "points": 4},
                ],
                "critical": False,
                "allow_na": True,
                "photo": {"min": 0, "max": 3},
            },
            {
                "key": "wait_minutes",
                "prompt": "Minutes waited",
                "type": "number",
                "pass_max": 5,
                "weight": 1,
                "critical": False,
                "allow_na": False,
                "photo": {"min": 0, "max": 3},
            },
            {
                "key": "solved",
                "prompt": "Problem solved on first contact?",
                "type": "yes_no",
                "weight": 2,
                "critical": True,
                "allow_na": True,
                "photo": {"min": 0, "max": 3},
            },
            {
                "key": "remarks",
                "prompt": "Anything else?",
                "type": "text",
                "weight": 1,
                "critical": False,
                "allow_na": False,
                "photo": {"min": 0, "max": 3},
            },
            {
                "key": "storefront",
                "prompt": "Photo of the storefront",
                "type": "photo",
                "weight": 1,
                "critical": False,
                "allow_na": False,
                "photo": {"min": 1, "max": 5},
            },
        ],
    },
]

GOOD_ANSWERS = [
    {"item": "greeted", "value": True, "na": False, "comment": ""},
    {"item": "warmth", "value": 5, "na": False, "comment": ""},
    {"item": "offer", "value": "great", "na": False, "comment": ""},
    {"item": "wait_minutes", "value": 3, "na": False, "comment": ""},
    {"item": "solved", "value": True, "na": False, "comment": ""},
    {"item": "remarks", "value": "Lovely.", "na": False, "comment": ""},
]


@pytest.fixture
def checklist(org):
    return ChecklistFactory(organization=org, sections=FULL_SECTIONS)


@pytest.fixture
def assignment(org, location, checklist, auditor):
    return AssignmentFactory(
        organization=org,
        location=location,
        checklist=checklist,
        checklist_version=checklist.versions.get(number=1),
        auditor=auditor,
    )


def visit_body(assignment=None, /, *, answers=None, **overrides) -> dict:
    """A valid mystery visit body for ``assignment`` (override anything)."""
    started = timezone.now() - dt.timedelta(hours=1)
    body = {
        "id": str(uuid.uuid4()),
        "kind": "mystery",
        "started_at": started.isoformat(),
        "ended_at": (started + dt.timedelta(minutes=17)).isoformat(),
        "position": {"latitude": 52.3676, "longitude": 4.9041, "accuracy_m": 12},
        "answers": _copy(GOOD_ANSWERS if answers is None else answers),
        "notes": "Busy lunchtime.",
    }
    if assignment is not None:
        body.update(
            assignment=assignment.pk,
            location=assignment.location_id,
            checklist=assignment.checklist_id,
            checklist_version=assignment.checklist_version.number,
        )
    body.update(overrides)
    return body


def _copy(answers):
    if isinstance(answers, list):
        return [dict(a) if isinstance(a, dict) else a for a in answers]
    return answers


def self_assessment_body(location, checklist, **overrides) -> dict:
    body = visit_body(None, kind="self_assessment", location=location.pk, checklist=checklist.pk)
    body.update(overrides)
    return body


@pytest.fixture
def make_body():
    return visit_body


@pytest.fixture
def foreign_assignment(other_org):
    """An open assignment in another organization, on the same kind of checklist."""

    site = LocationFactory(region=RegionFactory(organization=other_org))
    checklist = ChecklistFactory(organization=other_org, sections=FULL_SECTIONS)
    return AssignmentFactory(
        organization=other_org,
        location=site,
        checklist=checklist,
        checklist_version=checklist.versions.get(number=1),
        auditor=UserFactory(organization=other_org, role=Role.AUDITOR),
    )
