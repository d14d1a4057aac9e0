"""``seed_demo`` leaves calibrations and flagged visits: the review queue and agreement report show something."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from tests.conftest import jwt_client

pytestmark = pytest.mark.django_db


def test_seed_demo_includes_calibrations_and_flagged_visits():
    call_command("seed_demo", weeks=4, stdout=io.StringIO())
    client = jwt_client(User.objects.get(username="demo-admin"))

    queue = client.get("/api/v1/visits/", {"ordering": "-risk", "status": "submitted"}).json()["results"]
    codes = {flag["code"] for visit in queue for flag in visit["flags"]}
    assert {"mock_location", "late_submission", "duplicate_text", "off_site"} <= codes
    assert queue[0]["risk"] >= 3
    assert len(client.get("/api/v1/calibrations/").json()["results"]) == 2
    rows = client.get("/api/v1/reports/agreement/").json()["results"]
    assert rows and max(row["calibrations"] for row in rows) == 2  # N/A and hidden items: fewer
    assert any(row["alpha"] is not None for row in rows)
    assert client.get("/api/v1/reports/auditors/").json()["results"]
