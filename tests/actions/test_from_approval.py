"""Approving a mystery visit turns its failures into actions, in the approval's transaction."""

import datetime as dt

import pytest
from django.utils import timezone

from actions import services
from actions.models import Action, ActionHistory
from audits.models import VisitStatus
from audits.services import visit_review
from webhooks.models import Event

from .conftest import PASSING, submit


@pytest.fixture
def failing_visit(location, checklist, auditor):
    return submit(location, checklist, auditor)


def test_the_failing_visit_fails_twice(failing_visit):
    assert failing_visit.critical_failures == ["solved"]
    assert failing_visit.score < 80 and failing_visit.passed is False


def test_approval_makes_one_action_per_critical_failure_and_one_for_the_low_score(
    client_for, manager, failing_visit
):
    response = client_for(manager).post(
        f"/api/v1/visits/{failing_visit.pk}/review/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 200, response.json()
    actions = {a.source: a for a in Action.objects.filter(visit=failing_visit)}
    assert set(actions) == {"critical_failure", "low_score"}
    critical, low = actions["critical_failure"], actions["low_score"]
    assert critical.item_key == "solved"
    assert critical.title == "Critical failure: Problem solved on first contact?"
    assert critical.description == "Nobody called back."
    assert low.item_key == ""
    assert low.title == f"Score {failing_visit.score:g} below the pass threshold 80"
    for action in (critical, low):
        assert action.status == "open" and action.location_id == failing_visit.location_id
        assert action.local_date == failing_visit.local_date
        history = list(action.history.all())
        assert [h.step for h in history] == ["created"] and history[0].actor_id == manager.pk


def test_the_due_date_is_the_approval_date_in_the_location_time_zone_plus_the_setting(
    org, location, checklist, auditor, admin
):
    org.action_due_days = 10
    org.save()
    location.timezone = "Pacific/Kiritimati"  # UTC+14: already tomorrow for most of the world
    location.save()
    visit = submit(location, checklist, auditor)
    approved_at = dt.datetime(2026, 3, 1, 11, 30, tzinfo=dt.UTC)  # 2 March, 01:30 in Kiritimati
    visit_review(actor=admin, visit_id=visit.pk, decision="approve", now=approved_at)
    action = Action.objects.get(visit=visit, source="critical_failure")
    assert action.due_date == dt.date(2026, 3, 12)
    # Overdue from the start of 13 March in Kiritimati, which is 12 March 10:00 UTC.
    assert action.overdue_at == dt.datetime(2026, 3, 12, 10, 0, tzinfo=dt.UTC)


def test_a_passing_visit_makes_no_action(location, checklist, auditor, admin):
    visit = submit(location, checklist, auditor, answers=PASSING)
    visit_review(actor=admin, visit_id=visit.pk, decision="approve")
    assert not Action.objects.filter(visit=visit).exists()


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_only_an_approval_makes_actions(failing_visit, admin, decision):
    visit_review(actor=admin, visit_id=failing_visit.pk, decision=decision, comment="Check the wait.")
    assert not Action.objects.exists()


def test_each_action_is_announced_as_an_event_in_the_same_transaction(failing_visit, admin):
    visit_review(actor=admin, visit_id=failing_visit.pk, decision="approve")
    events = Event.objects.filter(type="action.created").order_by("id")
    assert sorted(e.data["source"] for e in events) == ["critical_failure", "low_score"]
    critical = next(e.data for e in events if e.data["source"] == "critical_failure")
    assert critical["visit"] == str(failing_visit.pk) and critical["item"] == "solved"
    assert critical["overdue"] is False and critical["status"] == "open"
    assert "otto" not in str(critical).lower()  # an action never names the auditor


def test_a_failure_while_making_the_actions_undoes_the_approval(failing_visit, admin, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(services, "action_event_publish", broken)
    with pytest.raises(RuntimeError):
        visit_review(actor=admin, visit_id=failing_visit.pk, decision="approve")
    failing_visit.refresh_from_db()
    assert failing_visit.status == VisitStatus.SUBMITTED
    assert not Action.objects.exists() and not ActionHistory.objects.exists()


def test_self_assessments_make_no_actions(client_for, staff, location, checklist, admin):
    from tests.audits.conftest import visit_body  # noqa: PLC0415 - a helper of another test package

    body = visit_body(answers=[{**a} for a in PASSING], kind="self_assessment")
    body.update(location=location.pk, checklist=checklist.pk, checklist_version=1)
    body["answers"][4]["value"] = False  # the critical item fails
    response = client_for(staff).post("/api/v1/visits/", body, format="json")
    assert response.status_code == 201, response.json()
    visit_id = response.json()["id"]
    review = client_for(admin).post(
        f"/api/v1/visits/{visit_id}/review/", {"decision": "approve"}, format="json"
    )
    assert review.status_code == 200, review.json()
    assert not Action.objects.filter(visit_id=visit_id).exists()


def test_due_dates_follow_the_organization_setting_at_approval_time(org, location, checklist, auditor, admin):
    org.action_due_days = 3
    org.save()
    visit = submit(location, checklist, auditor)
    visit_review(actor=admin, visit_id=visit.pk, decision="approve")
    today = timezone.localtime(timezone.now(), timezone=dt.UTC).date()  # the location is in UTC
    assert {a.due_date for a in Action.objects.filter(visit=visit)} == {today + dt.timedelta(days=3)}
