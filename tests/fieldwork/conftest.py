"""Fixtures for fieldwork: an auditor at home in Amsterdam, jobs around them, a visit body for a job."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from accounts.models import Role
from fieldwork.models import AuditorProfile
from tests.factories import AssignmentFactory, ChecklistFactory, LocationFactory, UserFactory

HOME = (52.3676, 4.9041)  # Amsterdam
NEAR = (52.3700, 4.8900)  # about 1 km away
UTRECHT = (52.0907, 5.1214)  # about 34 km away


@pytest.fixture
def checklist(org):
    return ChecklistFactory(organization=org)


@pytest.fixture
def shopper(org):
    """An auditor with a home in Amsterdam and a 25 km radius."""
    user = UserFactory(organization=org, role=Role.AUDITOR)
    AuditorProfile.objects.create(
        user=user, organization=org, home_latitude=HOME[0], home_longitude=HOME[1], travel_radius_km=25
    )
    return user


@pytest.fixture
def make_job(region, checklist):
    def make(at=NEAR, **fields):
        location = fields.pop("location", None) or LocationFactory(
            region=region, latitude=at[0], longitude=at[1]
        )
        defaults = {
            "location": location,
            "checklist": checklist,
            "auditor": None,
            "is_job": True,
            "due_from": timezone.now() - dt.timedelta(hours=1),
            "due_until": timezone.now() + dt.timedelta(days=3),
        }
        return AssignmentFactory(**{**defaults, **fields})

    return make


def visit_body(assignment, **extra):
    now = timezone.now()
    return {
        "id": str(uuid.uuid4()),
        "assignment": assignment.pk,
        "kind": "mystery",
        "started_at": (now - dt.timedelta(minutes=30)).isoformat(),
        "ended_at": (now - dt.timedelta(minutes=10)).isoformat(),
        "answers": [
            {"item": "greeted_within_30s", "value": True},
            {"item": "smile", "value": 4},
            {"item": "problem_solved", "value": True},
            {"item": "remarks", "value": "Fine."},
        ],
        **extra,
    }
