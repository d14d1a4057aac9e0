"""Corrective-action fixtures: approved mystery visits that fail, and manual action bodies.

The FULL_SECTIONS checklist (pass threshold 80) has one critical item, ``solved``. FAILING answers
leave it unsolved (a critical failure, with the auditor's comment) and score 27.08, below the pass:
approving such a visit makes one ``critical_failure`` and one ``low_score`` action.
"""

import datetime as dt
import uuid
import zoneinfo

import pytest
from django.utils import timezone

from audits.services import visit_review
from tests.audits.conftest import GOOD_ANSWERS
from tests.disputes import conftest as disputes

FAILING = [
    {"item": "greeted", "value": False, "na": False, "comment": ""},
    {"item": "warmth", "value": 3, "na": False, "comment": ""},
    {"item": "offer", "value": "some", "na": False, "comment": ""},
    {"item": "wait_minutes", "value": 12, "na": False, "comment": ""},
    {"item": "solved", "value": False, "na": False, "comment": "Nobody called back."},
    {"item": "remarks", "value": "Slow.", "na": False, "comment": ""},
]
PASSING = GOOD_ANSWERS


# The disputes' checklist (FULL_SECTIONS) and auditor fixtures, and their way of submitting a visit.
checklist = disputes.checklist
auditor = disputes.auditor


def submit(location, checklist, auditor, answers=FAILING):
    return disputes.submit_visit(location, checklist, auditor, answers)


@pytest.fixture
def make_approved(checklist, auditor, admin):
    """``make_approved(location, answers=FAILING, by=admin)``: a submitted, then approved, mystery visit."""

    def make(location, answers=FAILING, by=None):
        visit = submit(location, checklist, auditor, answers)
        return visit_review(actor=by or admin, visit_id=visit.pk, decision="approve")

    return make


def today_at(location) -> dt.date:
    """The location's local date now."""
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(location.timezone)).date()


def action_url(action_id=None, suffix="") -> str:
    if action_id is None:
        return "/api/v1/actions/"
    return f"/api/v1/actions/{action_id}/{suffix}"


def manual_body(at, **overrides) -> dict:
    """A valid manual-action body for the location ``at`` (override anything, ``location`` too)."""
    body = {
        "id": str(uuid.uuid4()),
        "location": at.pk,
        "title": "Greet every caller by name",
        "description": "Brief the evening shift.",
        "due_date": (today_at(at) + dt.timedelta(days=7)).isoformat(),
    }
    body.update(overrides)
    return body


@pytest.fixture
def create_action(client_for, manager, location):
    """``create_action(by=manager, **body overrides)`` creates a manual action through the API; its JSON."""

    def make(by=None, at=None, **overrides):
        response = client_for(by or manager).post(
            action_url(), manual_body(at or location, **overrides), format="json"
        )
        assert response.status_code == 201, response.json()
        return response.json()

    return make
