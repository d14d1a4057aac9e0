"""Corrective actions tell the location's staff: new ones (``action.created``) and, once, those
that fall overdue (the periodic sweep)."""

import datetime as dt

import pytest
from django.utils import timezone

from actions.models import Action, ActionStatus
from actions.services import action_resolve
from audits.services import visit_review
from notifications import tasks
from notifications.digest import IsoWeek, digest_build
from notifications.models import EmailStatus, Notification, OverdueNotice
from notifications.services import overdue_actions_notify
from tests.actions.conftest import manual_body
from tests.conftest import jwt_client
from tests.factories import UserFactory

from .conftest import CRITICAL_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(org, location):
    return UserFactory(organization=org, role="staff", username="carl", locations=[location])


def told(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "key"))


def test_an_approved_failure_tells_the_locations_staff_of_each_new_action(
    staff,
    colleague,
    other_location,
    org,
    manager,
    location,
    make_visit,
    smtp_settings,
    smtp,
    work,
    django_capture_on_commit_callbacks,
):
    UserFactory(organization=org, role="staff", username="sven", locations=[other_location])
    visit = make_visit(location, CRITICAL_ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        visit_review(actor=manager, visit_id=visit.pk, decision="approve")

    actions = list(Action.objects.order_by("source"))
    assert [a.source for a in actions] == ["critical_failure", "low_score"]
    assert told("action_assigned") == sorted(
        (person, f"action.created:{action.pk}") for person in ("carl", "stella") for action in actions
    )
    work()
    mails = [m for m in smtp.inbox.wait_for(5) if m.rcpt_tos == [staff.email]]  # 2 + 2 staff, 1 manager
    assert len(mails) == 2
    mail = next(m for m in mails if "critical" in m.text)
    assert mail.subject.startswith("New action for Amsterdam Centraal: ")
    assert f"https://audits.acme.example/dashboard/actions/{actions[0].pk}/" in mail.text
    for part in (mail.text, mail.html, mail.subject):
        assert "otto-secret" not in part and "Otto Secretus" not in part


def create(manager, location, **fields):
    """A manual action, through the API (as a manager's tool makes it)."""
    response = jwt_client(manager).post("/api/v1/actions/", manual_body(location, **fields), format="json")
    assert response.status_code == 201, response.json()
    return Action.objects.get(pk=response.json()["id"])


def test_a_managers_own_action_tells_the_staff(staff, manager, location):
    action = create(manager, location, title="Fix the door bell")

    (row,) = Notification.objects.filter(kind="action_assigned")
    assert row.recipient == staff
    assert (
        row.subject
        == f"New action for Amsterdam Centraal: Fix the door bell (due {action.due_date.isoformat()})"
    )


def overdue_action(manager, location, days_late=2):
    action = create(manager, location, title="Repaint the sign")
    Action.objects.filter(pk=action.pk).update(
        overdue_at=timezone.now() - dt.timedelta(days=days_late),
        due_date=timezone.localdate() - dt.timedelta(days=days_late + 1),
    )
    return Action.objects.get(pk=action.pk)


def test_an_overdue_action_tells_its_staff_once(staff, colleague, manager, location, smtp_settings):
    action = overdue_action(manager, location)
    Notification.objects.all().delete()

    assert overdue_actions_notify() == 1
    assert overdue_actions_notify() == 0  # handled once, whatever runs again

    assert told("action_overdue") == [
        ("carl", f"action_overdue:{action.pk}"),
        ("stella", f"action_overdue:{action.pk}"),
    ]
    row = Notification.objects.get(recipient=staff)
    assert row.subject.startswith("Overdue action at Amsterdam Centraal: Repaint the sign (due ")
    assert "is overdue" in row.body_text and "is <strong>overdue</strong>" in row.body_html
    assert OverdueNotice.objects.filter(action=action).exists()


def test_actions_not_yet_overdue_or_no_longer_open_tell_nobody(staff, manager, location):
    create(manager, location)
    done = overdue_action(manager, location)
    action_resolve(actor=staff, action_id=done.pk, resolution="Painted.")

    assert overdue_actions_notify() == 0
    assert not Notification.objects.filter(kind="action_overdue").exists()
    assert Action.objects.get(pk=done.pk).status == ActionStatus.RESOLVED


def test_staff_who_switched_it_off_are_not_told_and_the_action_is_not_looked_at_again(
    staff, manager, location
):
    staff.notification_settings = {"action_overdue": False}
    staff.save()
    overdue_action(manager, location)

    assert overdue_actions_notify() == 1
    assert not Notification.objects.filter(kind="action_overdue").exists()
    assert overdue_actions_notify() == 0


def test_the_sweep_task_tells_of_overdue_actions(staff, manager, location, queue):
    overdue_action(manager, location)

    tasks.sweep.call()

    assert Notification.objects.filter(kind="action_overdue", email_status=EmailStatus.PENDING).count() == 1


def test_the_digest_counts_the_overdue_actions_the_api_shows(staff, manager, location, client_for):
    late = overdue_action(manager, location)
    create(manager, location)

    digest = digest_build(staff, IsoWeek.of(timezone.localdate()).previous())

    api = client_for(staff).get("/api/v1/actions/", {"overdue": "true"}).json()["results"]
    assert digest.overdue_actions == len(api) == 1
    assert digest.actions[0].link.endswith(f"/dashboard/actions/{late.pk}/")
