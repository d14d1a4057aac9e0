"""Jobs on the board, claims and releases, through the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from audits.models import Assignment
from checklists.models import Qualification
from fieldwork.models import AuditorProfile, AuditorQualification, JobClaim
from tests.factories import (
    AssignmentFactory,
    ChecklistFactory,
    LocationFactory,
    RegionFactory,
    UserFactory,
    VisitFactory,
)
from webhooks.models import Event

from .conftest import NEAR, UTRECHT

BOARD = "/api/v1/jobs/"


def claim(client, job):
    return client.post(f"/api/v1/jobs/{job.pk}/claim/")


def board_ids(client, **params):
    response = client.get(BOARD, params)
    assert response.status_code == 200, response.json()
    return [job["id"] for job in response.json()["results"]]


# --- creating jobs ----------------------------------------------------------------------------


def test_an_assignment_created_without_an_auditor_is_a_job(client_for, admin, location, checklist):
    response = client_for(admin).post(
        "/api/v1/assignments/",
        {
            "location": location.pk,
            "checklist": checklist.pk,
            "due_from": "2026-11-23T08:00:00+01:00",
            "due_until": "2026-11-29T20:00:00+01:00",
            "fee": "25.5",
            "expense_cap": "12.00",
            "min_rating": 6.5,
            "currency": "EUR",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["auditor"], body["fee"], body["expense_cap"], body["min_rating"]) == (
        None,
        "25.50",
        "12.00",
        6.5,
    )
    assert Assignment.objects.get(pk=body["id"]).is_job


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("fee", "-1.00", "min_value"),
        ("fee", "1.005", "max_decimal_places"),
        ("fee", 12.5, "invalid"),
        ("expense_cap", "abc", "invalid"),
        ("min_rating", 10.5, "max_value"),
        ("currency", "USD", "currency_mismatch"),
    ],
)
def test_bad_money_is_a_400_and_writes_nothing(client_for, admin, location, checklist, field, value, code):
    body = {
        "location": location.pk,
        "checklist": checklist.pk,
        "due_from": "2026-11-23T08:00:00+01:00",
        "due_until": "2026-11-29T20:00:00+01:00",
        field: value,
    }
    response = client_for(admin).post("/api/v1/assignments/", body, format="json")
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert not Assignment.objects.exists()


# --- the board --------------------------------------------------------------------------------


def test_the_board_shows_jobs_within_reach_with_their_distance(client_for, shopper, make_job, org):
    near = make_job(fee=Decimal("20.00"))
    make_job(at=UTRECHT)  # 34 km: beyond the 25 km radius
    response = client_for(shopper).get(BOARD)
    assert response.status_code == 200
    [job] = response.json()["results"]
    assert job["id"] == near.pk
    assert job["distance_km"] == pytest.approx(1.0, abs=0.1)
    assert (job["fee"], job["currency"], job["location"]["id"]) == ("20.00", org.currency, near.location_id)


def test_every_rule_hides_a_job(client_for, shopper, make_job, org, region):
    visible = make_job()
    make_job(due_until=timezone.now() - dt.timedelta(minutes=1))  # past its window
    make_job(status="cancelled")
    make_job(auditor=UserFactory(organization=org, role=Role.AUDITOR))  # claimed
    make_job(min_rating=Decimal("5.1"))  # the shopper rates 5.0
    qualification = Qualification.objects.create(organization=org, code="fr", name="French")
    needs_french = ChecklistFactory(organization=org)
    needs_french.required_qualifications.add(qualification)
    make_job(checklist=needs_french)
    visited = LocationFactory(region=region, latitude=NEAR[0], longitude=NEAR[1])
    VisitFactory(location=visited, auditor=shopper, started_at=timezone.now() - dt.timedelta(days=30))
    make_job(location=visited)  # within the 90-day lockout
    make_job(at=(NEAR[0], NEAR[1]), organization=org, is_job=False)  # an ordinary assignment
    assert board_ids(client_for(shopper)) == [visible.pk]

    AuditorQualification.objects.create(auditor=shopper, qualification=qualification)
    assert len(board_ids(client_for(shopper))) == 2


def test_the_daily_cap_empties_the_board(client_for, shopper, make_job, org):
    make_job()
    for _ in range(org.daily_claim_cap):
        JobClaim.objects.create(assignment=make_job(), auditor=shopper, claimed_at=timezone.now())
    assert board_ids(client_for(shopper)) == []


def test_an_auditor_without_a_home_sees_no_jobs(client_for, auditor, make_job):
    make_job()
    assert board_ids(client_for(auditor)) == []


def test_updated_since_narrows_the_board(client_for, shopper, make_job):
    old = make_job()
    Assignment.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(hours=2))
    new = make_job()
    since = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    assert board_ids(client_for(shopper), updated_since=since) == [new.pk]
    assert client_for(shopper).get(BOARD, {"updated_since": "yesterday"}).status_code == 400


def test_admins_and_managers_read_every_open_job_without_distance(
    client_for, admin, manager, staff, make_job, region, org
):
    job = make_job()
    elsewhere = make_job(location=LocationFactory(region=RegionFactory(organization=org)))
    make_job(status="cancelled")
    assert board_ids(client_for(admin)) == [job.pk, elsewhere.pk]
    assert board_ids(client_for(manager)) == [job.pk]
    assert board_ids(client_for(staff)) == []
    assert client_for(admin).get(BOARD).json()["results"][0]["distance_km"] is None


def test_the_board_costs_the_same_queries_however_many_jobs(
    client_for, shopper, make_job, django_assert_num_queries
):
    make_job()
    client = client_for(shopper)
    with django_assert_num_queries(3) as small:  # the user, the organization with the profile, the page
        assert len(board_ids(client)) == 1
    for _ in range(10):
        make_job()
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(board_ids(client)) == 11


# --- claims -----------------------------------------------------------------------------------


def test_a_claim_makes_the_job_the_auditors_assignment(client_for, shopper, make_job):
    job = make_job()
    client = client_for(shopper)
    response = claim(client, job)
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == job.pk
    job.refresh_from_db()
    assert job.auditor_id == shopper.pk
    assert Event.objects.filter(type="job.claimed").count() == 1
    # Now theirs: in their assignments, off the board; claiming again changes nothing.
    assert [a["id"] for a in client.get("/api/v1/assignments/").json()["results"]] == [job.pk]
    assert board_ids(client) == []
    assert claim(client, job).status_code == 200
    assert JobClaim.objects.count() == 1
    assert Event.objects.filter(type="job.claimed").count() == 1


def test_a_taken_job_is_409_already_claimed(client_for, shopper, make_job, org):
    job = make_job()
    rival = UserFactory(organization=org, role=Role.AUDITOR)
    AuditorProfile.objects.create(user=rival, organization=org, home_latitude=NEAR[0], home_longitude=NEAR[1])
    assert claim(client_for(rival), job).status_code == 200
    response = claim(client_for(shopper), job)
    assert (response.status_code, response.json()["errors"][0]["code"]) == (409, "already_claimed")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"status": "cancelled"}, "job_cancelled"),
        ({"status": "expired"}, "job_expired"),
        ({"due_until": timezone.now() - dt.timedelta(minutes=1)}, "job_expired"),
    ],
)
def test_a_cancelled_or_expired_job_is_409(client_for, shopper, make_job, fields, code):
    job = make_job(**fields)
    response = claim(client_for(shopper), job)
    assert (response.status_code, response.json()["errors"][0]["code"]) == (409, code)
    assert not JobClaim.objects.exists()


def _refusal(client_for, user, job):
    response = claim(client_for(user), job)
    assert response.status_code == 403, response.json()
    assert Assignment.objects.get(pk=job.pk).auditor_id is None
    return response.json()["errors"][0]["code"]


def test_each_rule_refuses_a_claim_with_its_code(client_for, shopper, auditor, make_job, org, region):
    assert _refusal(client_for, auditor, make_job()) == "no_home"
    assert _refusal(client_for, shopper, make_job(at=UTRECHT)) == "too_far"
    assert _refusal(client_for, shopper, make_job(min_rating=Decimal("7.0"))) == "rating_too_low"
    qualification = Qualification.objects.create(organization=org, code="fr", name="French")
    needs_french = ChecklistFactory(organization=org)
    needs_french.required_qualifications.add(qualification)
    assert _refusal(client_for, shopper, make_job(checklist=needs_french)) == "missing_qualification"
    visited = LocationFactory(region=region, latitude=NEAR[0], longitude=NEAR[1])
    VisitFactory(location=visited, auditor=shopper, started_at=timezone.now() - dt.timedelta(days=3))
    assert _refusal(client_for, shopper, make_job(location=visited)) == "lockout"
    for _ in range(org.daily_claim_cap):
        assert claim(client_for(shopper), make_job()).status_code == 200
    assert _refusal(client_for, shopper, make_job()) == "daily_cap"


def test_another_organizations_job_is_404(client_for, shopper, other_org):
    place = LocationFactory(region=RegionFactory(organization=other_org), latitude=NEAR[0], longitude=NEAR[1])
    foreign = AssignmentFactory(location=place, auditor=None, is_job=True)
    assert claim(client_for(shopper), foreign).status_code == 404
    assert client_for(shopper).post("/api/v1/jobs/99999999/claim/").status_code == 404


# --- releases ---------------------------------------------------------------------------------


def release(client, job):
    return client.post(f"/api/v1/assignments/{job.pk}/release/")


def test_a_claimed_job_goes_back_to_the_board_on_release(client_for, shopper, make_job):
    job = make_job()
    client = client_for(shopper)
    claim(client, job)
    response = release(client, job)
    assert response.status_code == 200, response.json()
    assert Assignment.objects.get(pk=job.pk).auditor_id is None
    assert board_ids(client) == [job.pk]
    assert release(client, job).status_code == 200  # resent: nothing changes
    assert JobClaim.objects.get().released_at is not None


def test_release_within_24_hours_of_the_deadline_is_409_too_late(client_for, shopper, make_job):
    job = make_job(due_until=timezone.now() + dt.timedelta(hours=23))
    client = client_for(shopper)
    assert claim(client, job).status_code == 200
    response = release(client, job)
    assert (response.status_code, response.json()["errors"][0]["code"]) == (409, "too_late")
    assert Assignment.objects.get(pk=job.pk).auditor_id == shopper.pk


def test_releasing_someone_elses_job_is_404(client_for, shopper, make_job, org):
    job = make_job()
    assert claim(client_for(shopper), job).status_code == 200
    other = UserFactory(organization=org, role=Role.AUDITOR)
    assert release(client_for(other), job).status_code == 404
    assert Assignment.objects.get(pk=job.pk).auditor_id == shopper.pk
