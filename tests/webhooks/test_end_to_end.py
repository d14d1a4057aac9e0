"""From a submitted visit to the integrator's receiver: one signed ``visit.submitted`` delivery."""

import json

import pytest

from audits.services import visit_submit
from tests.audits.conftest import FULL_SECTIONS, visit_body
from tests.factories import AssignmentFactory, ChecklistFactory
from webhooks.models import Event
from webhooks.signing import verify

from .conftest import SECRET, run_queued

pytestmark = pytest.mark.django_db


def test_submitted_visit_reaches_the_receiver_signed(
    org, location, auditor, make_webhook, receiver, allow_private, queue, django_capture_on_commit_callbacks
):
    make_webhook(url=receiver.url, events=["visit.submitted"])
    checklist = ChecklistFactory(organization=org, sections=FULL_SECTIONS)
    assignment = AssignmentFactory(
        organization=org,
        location=location,
        checklist=checklist,
        checklist_version=checklist.versions.get(number=1),
        auditor=auditor,
    )
    with django_capture_on_commit_callbacks(execute=True):
        visit, created = visit_submit(actor=auditor, data=visit_body(assignment))
    assert created
    assert run_queued(queue) == ["delivered"]

    (received,) = receiver.requests
    event = Event.objects.get(type="visit.submitted")
    assert received.headers["X-Webhook-Id"] == str(event.pk)
    assert verify(SECRET, received.headers, received.body)
    payload = json.loads(received.body)
    assert payload["type"] == "visit.submitted"
    assert str(payload["data"]["id"]) == str(visit.pk)
    assert payload["data"]["auditor"] is None  # Read as an API key reads it: no auditor identity.
