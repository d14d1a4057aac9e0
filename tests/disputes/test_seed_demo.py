"""``seed_demo`` leaves disputes of every outcome, so the disputes report has something to show."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from disputes.models import Dispute
from tests.conftest import jwt_client

pytestmark = pytest.mark.django_db


def test_seed_demo_includes_open_upheld_and_rejected_disputes():
    call_command("seed_demo", weeks=4, stdout=io.StringIO())

    statuses = sorted(Dispute.objects.values_list("status", flat=True))
    assert statuses == ["open", "open", "partially_upheld", "rejected", "upheld"]
    report = jwt_client(User.objects.get(username="demo-admin")).get("/api/v1/reports/disputes/").json()
    assert report["overall"]["disputes"] == 5
    assert report["overall"]["upheld"] == 2 and report["overall"]["median_hours_to_decision"] is not None
