"""Dashboard fixtures: a small organization with weeks of history, and ways to read pages as people do.

``world`` is built through the real services (assignments, ``visit_submit``, reviews, disputes), so
every report has something to show: two regions (the manager sees North only), three locations,
mystery visits spread over the last twelve weeks with varied answers, fortnightly self-assessments
at Amsterdam, approvals (their corrective actions, one overdue), and an open dispute by the staff.
The auditor has a name nobody but admins and managers may ever read on a page.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from audits.services import visit_review, visit_submit
from disputes.services import dispute_open
from tests.audits.conftest import FULL_SECTIONS
from tests.conftest import jwt_client
from tests.factories import (
    AssignmentFactory,
    ChecklistFactory,
    LocationFactory,
    OrganizationFactory,
    RegionFactory,
    UserFactory,
)

AUDITOR_NAME = "Otto Secretus"
AUDITOR_USERNAME = "otto-secret"
FOREIGN_NAME = "Rotterdam Blaak"
FOREIGN_CODE = "RTM-01"


def answers(quality: int) -> list[dict]:
    """Answers to FULL_SECTIONS, better as ``quality`` (0..4) grows."""
    return [
        {"item": "greeted", "value": quality >= 2, "na": False, "comment": ""},
        {"item": "warmth", "value": 1 + quality, "na": False, "comment": ""},
        {
            "item": "offer",
            "value": ("none", "some", "some", "great", "great")[quality],
            "na": False,
            "comment": "",
        },
        {"item": "wait_minutes", "value": 12 - 2 * quality, "na": False, "comment": ""},
        {"item": "solved", "value": quality >= 1, "na": False, "comment": ""},
        {"item": "remarks", "value": f"Quality {quality}.", "na": False, "comment": ""},
    ]


@dataclass
class World:
    org: object
    north: object
    south: object
    amsterdam: object
    utrecht: object
    rotterdam: object
    checklist: object
    admin: object
    manager: object
    staff: object
    auditor: object
    visits: list
    submitted: object  # a mystery visit at Amsterdam still waiting for review
    disputed: object  # the visit with the staff's open dispute


def _mystery(world_parts, location, when, quality):
    checklist, auditor = world_parts
    assignment = AssignmentFactory(
        organization=location.organization,
        location=location,
        checklist=checklist,
        checklist_version=checklist.versions.get(number=1),
        auditor=auditor,
        due_from=when - dt.timedelta(days=2),
        due_until=when + dt.timedelta(days=2),
    )
    body = {
        "id": str(uuid.uuid4()),
        "assignment": assignment.pk,
        "location": location.pk,
        "checklist": checklist.pk,
        "checklist_version": 1,
        "kind": "mystery",
        "started_at": when.isoformat(),
        "ended_at": (when + dt.timedelta(minutes=20)).isoformat(),
        "answers": answers(quality),
        "notes": "Busy.",
    }
    visit, _ = visit_submit(actor=auditor, data=body, now=when + dt.timedelta(minutes=30))
    return visit


def _self_assessment(staff, location, checklist, when, quality):
    body = {
        "id": str(uuid.uuid4()),
        "location": location.pk,
        "checklist": checklist.pk,
        "kind": "self_assessment",
        "started_at": when.isoformat(),
        "ended_at": (when + dt.timedelta(minutes=20)).isoformat(),
        "answers": answers(quality),
    }
    visit, _ = visit_submit(actor=staff, data=body, now=when + dt.timedelta(minutes=30))
    return visit


@pytest.fixture
def world(db) -> World:
    org = OrganizationFactory(name="Dashboard Coffee")
    north = RegionFactory(organization=org, code="NORTH", name="North")
    south = RegionFactory(organization=org, code="SOUTH", name="South")
    amsterdam = LocationFactory(region=north, code="AMS-01", name="Amsterdam Centraal")
    utrecht = LocationFactory(region=north, code="UTR-01", name="Utrecht Neude")
    rotterdam = LocationFactory(region=south, code=FOREIGN_CODE, name=FOREIGN_NAME)
    checklist = ChecklistFactory(organization=org, name="Store visit", sections=FULL_SECTIONS)
    admin = UserFactory(organization=org, role=Role.ADMIN, username="ada", display_name="Ada Admin")
    manager = UserFactory(
        organization=org, role=Role.MANAGER, username="max", display_name="Max Manager", regions=[north]
    )
    staff = UserFactory(
        organization=org,
        role=Role.STAFF,
        username="stella",
        display_name="Stella Staff",
        locations=[amsterdam],
    )
    auditor = UserFactory(
        organization=org, role=Role.AUDITOR, username=AUDITOR_USERNAME, display_name=AUDITOR_NAME
    )
    now = timezone.now()
    visits = []
    for location, qualities in (
        (amsterdam, (1, 2, 3, 4)),
        (utrecht, (4, 3, 2, 2)),
        (rotterdam, (3, 1, 4, 0)),
    ):
        for week in range(12, 0, -1):
            when = now - dt.timedelta(days=7 * week - 1, hours=3)
            visit = _mystery((checklist, auditor), location, when, qualities[week % 4])
            visits.append(visit)
            if week == 10:  # approved long ago: its actions are overdue by now
                visit_review(
                    actor=admin, visit_id=visit.pk, decision="approve", now=when + dt.timedelta(days=1)
                )
            elif week % 3 == 0:
                visit_review(actor=admin, visit_id=visit.pk, decision="approve")
            elif week == 5:
                visit_review(actor=admin, visit_id=visit.pk, decision="reject")
            if location == amsterdam and week % 2 == 0:
                _self_assessment(
                    staff, location, checklist, when - dt.timedelta(days=1), min(4, qualities[week % 4] + 1)
                )
    submitted = _mystery((checklist, auditor), amsterdam, now - dt.timedelta(hours=5), 1)
    disputed = _mystery((checklist, auditor), amsterdam, now - dt.timedelta(days=2), 0)
    dispute_open(
        actor=staff,
        visit_id=disputed.pk,
        data={
            "id": str(uuid.uuid4()),
            "comment": "The till log says otherwise.",
            "items": [
                {"item": "solved", "reason": "It was solved.", "proposed": {"value": True, "na": False}}
            ],
        },
    )
    return World(
        org=org,
        north=north,
        south=south,
        amsterdam=amsterdam,
        utrecht=utrecht,
        rotterdam=rotterdam,
        checklist=checklist,
        admin=admin,
        manager=manager,
        staff=staff,
        auditor=auditor,
        visits=visits,
        submitted=submitted,
        disputed=disputed,
    )


@pytest.fixture
def browse():
    """``browse(user)``: a test client signed in as ``user`` (a session, as the login form makes)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api():
    """``api(user)``: the API as ``user`` reads it (a real JWT)."""
    return jwt_client


# --- reading pages -----------------------------------------------------------------------------


def chart_specs(html: str) -> dict[str, dict]:
    """Every chart spec of a page: ``{chart id: {type, data, options, keys, height}}``."""
    found = {}
    for chart_id, body in re.findall(
        r'<script id="([^"]+)-data" type="application/json">(.*?)</script>', html, re.S
    ):
        found[chart_id] = json.loads(body)
    return found


def series(spec: dict, name: str) -> list:
    """The values of the chart's series ``name``, in order."""
    for entry in spec["data"]:
        if entry["name"] == name:
            return [point[1] for point in entry["data"]]
    raise KeyError(name)


def window_of(html: str) -> dict[str, str]:
    """The page's window as the filter bar states it: ``{from, to, period}``."""
    match = re.search(r'data-from="([\d-]+)" data-to="([\d-]+)" data-period="(\w+)"', html)
    assert match, "the page states no window"
    return {"from": match.group(1), "to": match.group(2), "period": match.group(3)}


def kpi(html: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}" data-value="([^"]*)"', html)
    assert match, f"no figure {name}"
    return match.group(1)


def kpi_before(html: str, name: str) -> str:
    """The figure of the window before, as the page holds it."""
    match = re.search(rf'data-kpi="{name}" data-value="[^"]*" data-previous="([^"]*)"', html)
    assert match, f"no earlier figure {name}"
    return match.group(1)


def number(text: str):
    return None if text == "" else float(text)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        self.parts.extend(
            value for name, value in attrs if value and name in ("value", "aria-label", "title", "alt")
        )


def visible_text(html: str) -> str:
    """What a page says to anyone: its text, option values, labels and alternative texts."""
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def collect(client, url: str) -> list:
    """Every result of an API list, paged through."""
    results = []
    while url:
        body = client.get(url).json()
        results.extend(body["results"])
        url = body["next"]
    return results
