"""Assignments: who sends whom where, changes while open, expiry, and phone sync with updated_since."""

import datetime as dt
from urllib.parse import quote

import pytest
from django.utils import timezone

from accounts.models import Role
from audits.models import Assignment, AssignmentStatus
from audits.services import visit_submit
from audits.tasks import expire_assignments
from checklists.models import ChecklistVersion
from tests.audits.conftest import FULL_SECTIONS, visit_body
from tests.factories import AssignmentFactory, ChecklistFactory, UserFactory

URL = "/api/v1/assignments/"


def attrs(response) -> set:
    return {error["attr"] for error in response.json()["errors"]}


@pytest.fixture
def new_assignment(location, checklist, auditor):
    now = timezone.now()
    return {
        "location": location.pk,
        "checklist": checklist.pk,
        "auditor": auditor.pk,
        "due_from": now.isoformat(),
        "due_until": (now + dt.timedelta(days=7)).isoformat(),
        "instructions": "Ask about the loyalty card.",
    }


# --- creating ---------------------------------------------------------------------------------


def test_an_admin_sends_an_auditor_with_the_current_version_by_default(
    client_for, admin, new_assignment, checklist
):
    ChecklistVersion.objects.create(
        checklist=checklist, number=2, pass_threshold=70, sections=FULL_SECTIONS, etag="v2"
    )
    response = client_for(admin).post(URL, new_assignment, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["checklist_version"] == 2
    assert created["status"] == "open" and created["visit"] is None
    assert created["auditor"] == new_assignment["auditor"]
    assert set(created) >= {
        "id",
        "location",
        "checklist",
        "checklist_version",
        "auditor",
        "due_from",
        "due_until",
        "status",
        "instructions",
        "visit",
        "updated_at",
    }


def test_a_manager_assigns_in_their_regions_only(client_for, manager, new_assignment, other_location):
    assert client_for(manager).post(URL, new_assignment, format="json").status_code == 201
    elsewhere = dict(new_assignment, location=other_location.pk)
    response = client_for(manager).post(URL, elsewhere, format="json")
    assert response.status_code == 400 and attrs(response) == {"location"}


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.STAFF])
def test_auditors_and_staff_cannot_assign(client_for, org, location, new_assignment, role):
    user = UserFactory(organization=org, role=role, locations=[location])
    assert client_for(user).post(URL, new_assignment, format="json").status_code == 403


def test_a_write_key_may_assign_and_a_read_key_may_not(key_client_for, org, new_assignment):
    assert key_client_for(org, ["read"]).post(URL, new_assignment, format="json").status_code == 403
    assert key_client_for(org, ["read", "write"]).post(URL, new_assignment, format="json").status_code == 201


def test_every_problem_of_a_new_assignment_is_named(client_for, admin, org, new_assignment, foreign_admin):
    inactive = UserFactory(organization=org, role=Role.AUDITOR, is_active=False)
    body = dict(
        new_assignment,
        auditor=inactive.pk,
        due_until=new_assignment["due_from"],
        checklist_version=9,
    )
    response = client_for(admin).post(URL, body, format="json")
    assert attrs(response) == {"auditor", "due_until", "checklist_version"}
    body = dict(new_assignment, auditor=admin.pk, checklist=10**6, colour="red")
    assert attrs(client_for(admin).post(URL, body, format="json")) == {"colour"}
    body.pop("colour")
    assert attrs(client_for(admin).post(URL, body, format="json")) == {"auditor", "checklist"}


def test_another_organizations_location_or_auditor_is_unknown(
    client_for, admin, new_assignment, foreign_assignment
):
    body = dict(
        new_assignment, location=foreign_assignment.location_id, auditor=foreign_assignment.auditor_id
    )
    assert attrs(client_for(admin).post(URL, body, format="json")) == {"location", "auditor"}


# --- reading ----------------------------------------------------------------------------------


def test_auditors_see_their_own_assignments_without_auditor_identity(
    client_for, org, assignment, auditor, location
):
    AssignmentFactory(organization=org, location=location)  # someone else's
    results = client_for(auditor).get(URL).json()["results"]
    assert [a["id"] for a in results] == [assignment.pk]
    assert results[0]["auditor"] is None


def test_managers_see_their_regions_assignments_with_auditors(
    client_for, manager, org, assignment, other_location
):
    AssignmentFactory(organization=org, location=other_location)
    results = client_for(manager).get(URL).json()["results"]
    assert [a["id"] for a in results] == [assignment.pk]
    assert results[0]["auditor"] == assignment.auditor_id


def test_staff_see_no_assignments(client_for, staff, assignment):
    assert client_for(staff).get(URL).json()["results"] == []
    assert client_for(staff).get(f"{URL}{assignment.pk}/").status_code == 404


def test_api_keys_read_assignments_without_auditor_identity(key_client_for, org, assignment):
    results = key_client_for(org).get(URL).json()["results"]
    assert [a["id"] for a in results] == [assignment.pk] and results[0]["auditor"] is None


def test_another_organizations_assignment_is_404(client_for, foreign_admin, assignment):
    client = client_for(foreign_admin)
    assert client.get(f"{URL}{assignment.pk}/").status_code == 404
    assert client.patch(f"{URL}{assignment.pk}/", {"status": "cancelled"}, format="json").status_code == 404
    assert client.get(URL).json()["results"] == []


def test_an_assignment_shows_its_visit_once_submitted(client_for, admin, assignment, auditor):
    visit, _ = visit_submit(actor=auditor, data=visit_body(assignment))
    shown = client_for(admin).get(f"{URL}{assignment.pk}/").json()
    assert shown["visit"] == str(visit.pk) and shown["status"] == "submitted"


def test_the_list_costs_the_same_queries_whatever_its_length(
    client_for, admin, org, location, checklist, django_assert_max_num_queries
):
    for _ in range(30):
        AssignmentFactory(organization=org, location=location, checklist=checklist)
    with django_assert_max_num_queries(4):  # auth, expiry update, page (version and visit joined)
        response = client_for(admin).get(URL)
    assert len(response.json()["results"]) == 30


# --- changing ---------------------------------------------------------------------------------


def test_an_open_assignment_can_be_rescheduled_and_reworded(client_for, manager, assignment):
    new_until = (assignment.due_until + dt.timedelta(days=3)).isoformat()
    response = client_for(manager).patch(
        f"{URL}{assignment.pk}/",
        {"due_until": new_until, "instructions": "Order a flat white."},
        format="json",
    )
    assert response.status_code == 200
    assignment.refresh_from_db()
    assert assignment.instructions == "Order a flat white."
    assert assignment.due_until == dt.datetime.fromisoformat(new_until)


def test_a_window_must_stay_in_order(client_for, admin, assignment):
    before = (assignment.due_from - dt.timedelta(days=1)).isoformat()
    response = client_for(admin).patch(f"{URL}{assignment.pk}/", {"due_until": before}, format="json")
    assert response.status_code == 400 and attrs(response) == {"due_until"}


def test_cancelling_works_once_and_then_conflicts(client_for, admin, assignment):
    client = client_for(admin)
    first = client.patch(f"{URL}{assignment.pk}/", {"status": "cancelled"}, format="json")
    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    again = client.patch(f"{URL}{assignment.pk}/", {"status": "cancelled"}, format="json")
    assert again.status_code == 409
    assert client.patch(f"{URL}{assignment.pk}/", {"instructions": "x"}, format="json").status_code == 409


def test_a_submitted_assignment_cannot_be_changed(client_for, admin, assignment, auditor):
    visit_submit(actor=auditor, data=visit_body(assignment))
    response = client_for(admin).patch(f"{URL}{assignment.pk}/", {"status": "cancelled"}, format="json")
    assert response.status_code == 409


def test_only_cancelled_may_be_set_as_status(client_for, admin, assignment):
    response = client_for(admin).patch(f"{URL}{assignment.pk}/", {"status": "submitted"}, format="json")
    assert response.status_code == 400 and attrs(response) == {"status"}


def test_auditors_see_but_cannot_change_their_assignment(client_for, auditor, assignment):
    response = client_for(auditor).patch(f"{URL}{assignment.pk}/", {"status": "cancelled"}, format="json")
    assert response.status_code == 403


def test_put_and_delete_are_not_offered(client_for, admin, assignment):
    assert client_for(admin).delete(f"{URL}{assignment.pk}/").status_code == 405


# --- expiry and sync --------------------------------------------------------------------------


def _set(assignment, **fields):
    Assignment.objects.filter(pk=assignment.pk).update(**fields)


def test_an_overdue_assignment_without_visit_turns_expired_and_moves_in_the_sync(
    client_for, auditor, assignment
):
    now = timezone.now()
    _set(
        assignment,
        due_from=now - dt.timedelta(days=3),
        due_until=now - dt.timedelta(minutes=1),
        updated_at=now - dt.timedelta(days=3),
    )
    synced_at = now - dt.timedelta(hours=1)
    response = client_for(auditor).get(URL, {"updated_since": synced_at.isoformat()})
    results = response.json()["results"]
    assert [(a["id"], a["status"]) for a in results] == [(assignment.pk, "expired")]
    assert dt.datetime.fromisoformat(results[0]["updated_at"]) > synced_at
    assert client_for(auditor).get(URL, {"status": "expired"}).json()["results"][0]["id"] == assignment.pk
    assert client_for(auditor).get(URL, {"status": "open"}).json()["results"] == []


def test_updated_since_returns_exactly_the_rows_changed_after_it(client_for, admin, org, location, checklist):
    now = timezone.now()
    old, edge, fresh, cancelled = (
        AssignmentFactory(organization=org, location=location, checklist=checklist) for _ in range(4)
    )
    _set(old, updated_at=now - dt.timedelta(hours=3))
    _set(edge, updated_at=now - dt.timedelta(hours=2))
    _set(fresh, updated_at=now - dt.timedelta(minutes=30))
    _set(cancelled, updated_at=now - dt.timedelta(minutes=10), status=AssignmentStatus.CANCELLED)
    since = (now - dt.timedelta(hours=2)).isoformat()  # exactly edge's updated_at: not after it
    results = client_for(admin).get(URL, {"updated_since": since}).json()["results"]
    assert [a["id"] for a in results] == [fresh.pk, cancelled.pk]  # oldest change first
    assert results[1]["status"] == "cancelled"


def test_updated_since_accepts_an_offset_whose_plus_arrived_as_a_space(client_for, admin, assignment):
    _set(assignment, updated_at=timezone.now() - dt.timedelta(hours=5))
    since = (timezone.now() - dt.timedelta(hours=6)).astimezone(dt.timezone(dt.timedelta(hours=1)))
    raw = since.isoformat()
    assert "+01:00" in raw
    unencoded = raw.replace("+", " ")
    assert len(client_for(admin).get(f"{URL}?updated_since={quote(unencoded)}").json()["results"]) == 1
    later = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    assert client_for(admin).get(URL, {"updated_since": later}).json()["results"] == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("updated_since", "last tuesday"),
        ("updated_since", "0001-01-01T00:00:00+10:00"),
        ("updated_since", "9999-12-31T23:59:59-10:00"),
        ("status", "lost"),
        ("location", "x"),
    ],
)
def test_bad_filters_answer_400_naming_the_parameter(client_for, admin, name, value):
    response = client_for(admin).get(URL, {name: value})
    assert response.status_code == 400 and attrs(response) == {name}


def test_a_phone_can_page_through_a_sync(client_for, auditor, org, location, checklist):
    jobs = [
        AssignmentFactory(organization=org, location=location, checklist=checklist, auditor=auditor)
        for _ in range(5)
    ]
    client = client_for(auditor)
    seen, url = [], f"{URL}?page_size=2"
    while url:
        page = client.get(url).json()
        seen += [a["id"] for a in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(j.pk for j in jobs) and len(seen) == 5


def test_the_expire_task_flips_overdue_assignments(assignment):

    _set(
        assignment,
        due_until=timezone.now() - dt.timedelta(seconds=1),
        due_from=timezone.now() - dt.timedelta(days=1),
    )
    expire_assignments.call()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.EXPIRED


def test_another_checklist_of_the_org_can_be_assigned(client_for, admin, org, new_assignment):
    other = ChecklistFactory(organization=org)
    response = client_for(admin).post(URL, dict(new_assignment, checklist=other.pk), format="json")
    assert response.status_code == 201 and response.json()["checklist"] == other.pk
