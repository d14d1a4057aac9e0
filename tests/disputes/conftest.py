"""Dispute fixtures: a scored mystery visit with room for challenge, and helpers to open and decide.

The visit (FULL_SECTIONS) scores 43.75: greeting 37.5 (not greeted, warmth 3 of 5), service 56.25
(offer "some", waited 12 minutes against a 5-minute bound, problem solved). Upholding a two-minute
wait lifts service to 81.25 and the visit to 52.08.
"""

import uuid

import pytest

from accounts.models import Role
from audits.services import visit_submit
from tests.audits.conftest import FULL_SECTIONS, visit_body
from tests.factories import AssignmentFactory, ChecklistFactory, UserFactory

ANSWERS = [
    {"item": "greeted", "value": False, "na": False, "comment": ""},
    {"item": "warmth", "value": 3, "na": False, "comment": ""},
    {"item": "offer", "value": "some", "na": False, "comment": ""},
    {"item": "wait_minutes", "value": 12, "na": False, "comment": ""},
    {"item": "solved", "value": True, "na": False, "comment": ""},
    {"item": "remarks", "value": "Slow.", "na": False, "comment": ""},
]


@pytest.fixture
def checklist(org):
    return ChecklistFactory(organization=org, sections=FULL_SECTIONS)


@pytest.fixture
def auditor(org):
    return UserFactory(
        organization=org, role=Role.AUDITOR, username="otto-secret", display_name="Otto Secretus"
    )


def submit_visit(location, checklist, auditor, answers=None):
    assignment = AssignmentFactory(
        organization=location.organization,
        location=location,
        checklist=checklist,
        checklist_version=checklist.versions.get(number=1),
        auditor=auditor,
    )
    visit, _ = visit_submit(actor=auditor, data=visit_body(assignment, answers=answers or ANSWERS))
    return visit


@pytest.fixture
def visit(location, checklist, auditor):
    return submit_visit(location, checklist, auditor)


@pytest.fixture
def make_visit(checklist, auditor):
    def make(location, answers=None):
        return submit_visit(location, checklist, auditor, answers)

    return make


def dispute_body(*items, comment="The receipt says otherwise.", id=None):
    """A dispute body; ``items`` are ``(item, value)`` or ``(item, value, na)`` tuples."""
    if not items:
        items = (("wait_minutes", 2),)
    return {
        "id": str(id or uuid.uuid4()),
        "comment": comment,
        "items": [
            {
                "item": entry[0],
                "reason": f"We disagree about {entry[0]}.",
                "proposed": {"value": entry[1], "na": entry[2] if len(entry) > 2 else False},
            }
            for entry in items
        ],
    }


def open_url(visit) -> str:
    return f"/api/v1/visits/{visit.pk}/disputes/"


def decision_url(dispute_id) -> str:
    return f"/api/v1/disputes/{dispute_id}/decision/"


def decide_body(*pairs, comment="Checked the till log."):
    return {"comment": comment, "items": [{"item": item, "decision": decision} for item, decision in pairs]}


@pytest.fixture
def open_dispute(client_for, staff, visit):
    """``open_dispute(*items, by=staff, on=visit)`` opens one through the API and returns its JSON."""

    def make(*items, by=None, on=None):
        response = client_for(by or staff).post(open_url(on or visit), dispute_body(*items), format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return make
