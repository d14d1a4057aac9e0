"""``seed_demo`` fills the actions board: every state, on the API and in the report."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from actions.models import Action, ActionHistory
from tests.conftest import jwt_client

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_actions_in_every_state():
    call_command("seed_demo", weeks=8, stdout=io.StringIO())

    statuses = set(Action.objects.values_list("status", flat=True))
    assert statuses == {"open", "resolved", "verified", "cancelled"}
    assert Action.objects.filter(Action.overdue_q(timezone.now())).exists()
    assert Action.objects.filter(status="open", overdue_at__gt=timezone.now()).exists()  # open, not yet due
    assert ActionHistory.objects.filter(step="reopened").exists()
    assert set(Action.objects.values_list("source", flat=True)) == {"critical_failure", "low_score", "manual"}
    manager = jwt_client(User.objects.get(username="demo-manager"))
    board = manager.get("/api/v1/actions/?overdue=true").json()["results"]
    assert board and all(row["overdue"] for row in board)
    report = manager.get("/api/v1/reports/actions/").json()
    assert report["overall"]["verified"] > 0 and report["overall"]["on_time_rate"] is not None
    staff = jwt_client(User.objects.get(username="demo-staff"))
    assert staff.get("/api/v1/actions/?source=manual").json()["results"]
