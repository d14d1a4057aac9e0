"""Who is told of what: recorded in the transaction of the change, by role, scope and settings."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from audits.events import visit_event_data
from audits.services import visit_submit
from core.events import EventType, event_publish
from disputes.services import dispute_decide, dispute_open
from notifications.models import EmailStatus, Notification
from notifications.services import notifications_muted
from tests.audits.conftest import self_assessment_body, visit_body
from tests.audits.test_submit_visit import MAX_SUBMIT_QUERIES
from tests.conftest import jwt_client
from tests.disputes.conftest import decide_body, dispute_body, submit_visit
from tests.factories import AssignmentFactory, LocationFactory, UserFactory

from .conftest import CRITICAL_ANSWERS, LOW_ANSWERS, PASSING_ANSWERS

pytestmark = pytest.mark.django_db


def told(kind=None):
    rows = Notification.objects.all() if kind is None else Notification.objects.filter(kind=kind)
    return sorted(rows.values_list("recipient__username", "kind"))


@pytest.fixture
def people(org, region, other_region, location, other_location):
    """Everyone around ``location`` (region North) and ``other_location`` (region South)."""
    return {
        "admin": UserFactory(organization=org, role=Role.ADMIN, username="alice"),
        "gone_admin": UserFactory(organization=org, role=Role.ADMIN, username="ghost", is_active=False),
        "manager": UserFactory(organization=org, role=Role.MANAGER, username="manny", regions=[region]),
        "south_manager": UserFactory(
            organization=org, role=Role.MANAGER, username="sue", regions=[other_region]
        ),
        "staff": UserFactory(organization=org, role=Role.STAFF, username="stella", locations=[location]),
        "south_staff": UserFactory(
            organization=org, role=Role.STAFF, username="sven", locations=[other_location]
        ),
    }


def test_a_critical_failure_tells_the_regions_managers_and_the_admins(people, location, make_visit):
    make_visit(location, CRITICAL_ANSWERS)

    assert told() == [("alice", "critical_failure"), ("manny", "critical_failure")]


def test_a_visit_below_threshold_without_critical_failure_is_a_low_score(people, location, make_visit):
    visit = make_visit(location, LOW_ANSWERS)

    assert not visit.passed and not visit.critical_failures
    assert told() == [("alice", "low_score"), ("manny", "low_score")]


def test_a_passing_visit_tells_nobody_and_costs_no_query(people, location, make_visit, checklist, auditor):

    with CaptureQueriesContext(connection) as passing:
        submit_visit(location, checklist, auditor, PASSING_ANSWERS)
    with notifications_muted(), CaptureQueriesContext(connection) as muted:
        submit_visit(location, checklist, auditor, PASSING_ANSWERS)

    assert not Notification.objects.exists()
    assert len(passing) == len(muted)  # the receiver looked at the event's data only


def test_the_other_regions_locations_tell_their_own_managers(people, other_location, make_visit):
    make_visit(other_location, CRITICAL_ANSWERS)

    assert told() == [("alice", "critical_failure"), ("sue", "critical_failure")]


def test_a_failing_self_assessment_tells_nobody(people, location, checklist):

    visit, _ = visit_submit(
        actor=people["staff"], data=self_assessment_body(location, checklist, answers=CRITICAL_ANSWERS)
    )

    assert visit.critical_failures and not Notification.objects.exists()


def test_settings_choose_between_critical_failure_and_low_score(people, location, make_visit):
    people["admin"].notification_settings = {"critical_failure": False}
    people["admin"].save()
    people["manager"].notification_settings = {"critical_failure": False, "low_score": False}
    people["manager"].save()

    make_visit(location, CRITICAL_ANSWERS)

    # Alice does not want critical failures but still hears the visit was below its threshold.
    assert told() == [("alice", "low_score")]


def test_one_visit_is_one_notification_per_person_whatever_publishes_it_again(
    people, location, make_visit, org
):
    visit = make_visit(location, CRITICAL_ANSWERS)

    event_publish(organization=org, type=EventType.VISIT_SUBMITTED, data=visit_event_data(visit))

    assert Notification.objects.count() == 2


def test_notifications_roll_back_with_the_change(people, location, make_visit):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_visit(location, CRITICAL_ANSWERS)
        assert Notification.objects.count() == 2  # recorded inside the change's transaction
        raise RuntimeError("the change fails")

    assert not Notification.objects.exists()


def test_a_person_without_an_email_address_gets_the_inbox_entry_only(people, location, make_visit):
    people["manager"].email = ""
    people["manager"].save()

    make_visit(location, CRITICAL_ANSWERS)

    row = Notification.objects.get(recipient=people["manager"])
    assert (row.email_status, row.next_attempt_at) == (EmailStatus.SKIPPED, None)
    assert Notification.objects.get(recipient=people["admin"]).email_status == EmailStatus.PENDING


def test_muted_changes_tell_nobody(people, location, make_visit):
    with notifications_muted():
        make_visit(location, CRITICAL_ANSWERS)

    assert not Notification.objects.exists()


def test_a_new_dispute_tells_the_managers_and_admins_but_not_who_opened_it(people, location, make_visit):
    visit = make_visit(location, LOW_ANSWERS)
    Notification.objects.all().delete()

    dispute_open(actor=people["manager"], visit_id=visit.pk, data=dispute_body())

    assert told() == [("alice", "dispute_opened")]


def test_a_dispute_opened_by_staff_tells_admins_and_the_regions_manager(people, location, make_visit):
    visit = make_visit(location, LOW_ANSWERS)
    Notification.objects.all().delete()

    dispute_open(actor=people["staff"], visit_id=visit.pk, data=dispute_body())

    assert told() == [("alice", "dispute_opened"), ("manny", "dispute_opened")]


def test_a_decision_tells_the_locations_staff(people, location, make_visit, org):
    colleague = UserFactory(organization=org, role=Role.STAFF, username="carl", locations=[location])
    visit = make_visit(location, LOW_ANSWERS)
    dispute, _ = dispute_open(actor=people["staff"], visit_id=visit.pk, data=dispute_body())
    Notification.objects.all().delete()

    dispute_decide(
        actor=people["manager"], dispute_id=dispute.pk, data=decide_body(("wait_minutes", "upheld"))
    )

    assert told() == [("carl", "dispute_decided"), ("stella", "dispute_decided")]
    assert colleague.notifications.get().subject.startswith("Dispute upheld: Amsterdam Centraal")


def test_an_event_about_an_action_that_is_not_there_tells_nobody(people, location, org):
    # Recipients come from the rows, not the event's data (real actions: tests/notifications/test_actions.py).
    data = {"id": "7b0d3c1e-1d9a-4c53-9d8b-0f0f1c2d3e4f", "location": location.pk, "title": "Ghost"}

    event_publish(organization=org, type="action.created", data=data)
    event_publish(organization=org, type="action.created", data={**data, "id": "not-a-uuid"})

    assert not Notification.objects.exists()


def test_another_organizations_people_never_hear(people, other_org, make_visit):
    UserFactory(organization=other_org, role=Role.ADMIN, username="mallory")
    make_visit(LocationFactory(region=people["manager"].regions.get()), CRITICAL_ANSWERS)

    assert "mallory" not in {name for name, _ in told()}


def test_a_failing_visit_costs_four_more_queries_when_people_are_told(
    people, location, checklist, auditor, django_assert_max_num_queries
):

    job = AssignmentFactory(
        organization=location.organization,
        location=location,
        checklist=checklist,
        checklist_version=checklist.versions.get(number=1),
        auditor=auditor,
    )
    client = jwt_client(auditor)
    # the visit with its version, who oversees the location, the notifications, their ids
    with django_assert_max_num_queries(MAX_SUBMIT_QUERIES + 4):
        response = client.post("/api/v1/visits/", visit_body(job, answers=CRITICAL_ANSWERS), format="json")
    assert response.status_code == 201
    assert Notification.objects.count() == 2
