"""The board's compiled SQL answers exactly what the ORM queryset answers, page after page.

``fieldwork.selectors.compiled_board`` compiles the board once per shape and reruns it with the
caller's values (``reports.compiled``). Here every example reads the board through the API twice,
compiled and through the plain ORM queryset (``job_board``), following every ``next`` link and then
every ``previous`` link back, with other homes (one whose reach crosses the antimeridian, one with a
pole in reach, none), radii, ratings, qualifications, lockouts, claim caps, ``updated_since`` and
page sizes; the bodies must be identical, links included.
"""

import datetime as dt
import random
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Role
from checklists.models import Qualification
from fieldwork import selectors
from fieldwork.models import AuditorProfile, AuditorQualification, JobClaim
from reports import compiled
from tests.factories import ChecklistFactory, UserFactory, VisitFactory

BOARD = "/api/v1/jobs/"
HOMES = {
    "amsterdam": (52.3676, 4.9041),
    "fiji": (-17.0, 179.95),  # the reach crosses the antimeridian
    "pole": (89.95, 10.0),  # the north pole in reach: every longitude
}


@pytest.fixture
def world(org, region, checklist, shopper, make_job):
    """Jobs around each home at 0-45 km, some sharing a deadline, some needing French, some a
    minimum rating, some changed long ago; a recent visit and claims of the shopper."""
    rng = random.Random(20)
    now = timezone.now()
    french = Qualification.objects.create(organization=org, code="fr", name="French")
    needs_french = ChecklistFactory(organization=org)
    needs_french.required_qualifications.add(french)
    deadlines = [now + dt.timedelta(days=2, hours=h) for h in (0, 0, 0, 5, 9, 30, 30, 70)]
    jobs = []
    for lat, lon in HOMES.values():
        for i in range(18):
            reach = rng.uniform(0, 45) / 111.2
            at = (
                max(-89.99, min(89.99, lat + rng.uniform(-reach, reach))),
                (lon + rng.uniform(-reach, reach) * 1.5 + 180) % 360 - 180,
            )
            jobs.append(
                make_job(
                    at=at,
                    checklist=needs_french if i % 4 == 0 else checklist,
                    min_rating=rng.choice([None, None, Decimal("4.0"), Decimal("5.0"), Decimal("6.5")]),
                    due_until=rng.choice(deadlines),
                    fee=rng.choice([None, Decimal("12.5"), Decimal("0.1")]),
                    expense_cap=rng.choice([None, Decimal("8.00")]),
                )
            )
    for job in jobs[::5]:
        type(job).objects.filter(pk=job.pk).update(updated_at=now - dt.timedelta(days=3))
    VisitFactory(location=jobs[1].location, auditor=shopper, started_at=now - dt.timedelta(days=10))
    VisitFactory(location=jobs[20].location, auditor=shopper, started_at=now - dt.timedelta(days=40))
    for job, hours in ((jobs[2], 2), (jobs[3], 30)):
        JobClaim.objects.create(assignment=job, auditor=shopper, claimed_at=now - dt.timedelta(hours=hours))
    return {"french": french, "now": now}


def pages(client, params):
    """Every page from the first along ``next``, then back along ``previous``."""
    bodies = [client.get(BOARD, params).json()]
    while bodies[-1]["next"]:
        bodies.append(client.get(bodies[-1]["next"]).json())
    while bodies[-1]["previous"]:
        bodies.append(client.get(bodies[-1]["previous"]).json())
    return bodies


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    home=st.sampled_from([*HOMES, None]),
    radius=st.sampled_from([1, 10, 25, 60]),
    rating=st.sampled_from([Decimal("3.5"), Decimal("5.0"), Decimal("9.9")]),
    french=st.booleans(),
    lockout_days=st.sampled_from([0, 30, 90]),
    cap=st.sampled_from([1, 2, 10]),
    since_days=st.sampled_from([None, 1, 5]),
    page_size=st.sampled_from([None, 1, 4, 7]),
)
def test_the_compiled_board_answers_what_the_orm_answers(
    client_for, org, shopper, world, home, radius, rating, french, lockout_days, cap, since_days, page_size
):
    lat, lon = HOMES[home] if home else (None, None)
    AuditorProfile.objects.filter(user=shopper).update(
        home_latitude=lat, home_longitude=lon, travel_radius_km=radius, rating=rating
    )
    held = AuditorQualification.objects.filter(auditor=shopper, qualification=world["french"])
    if french:
        held.get_or_create(auditor=shopper, qualification=world["french"])
    else:
        held.delete()
    type(org).objects.filter(pk=org.pk).update(lockout_days=lockout_days, daily_claim_cap=cap)
    params = {}
    if since_days is not None:
        params["updated_since"] = (world["now"] - dt.timedelta(days=since_days)).isoformat()
    if page_size is not None:
        params["page_size"] = str(page_size)
    client = client_for(shopper)

    compiled_pages = pages(client, params)
    with mock.patch.object(selectors, "compiled_board", selectors.job_board):
        orm_pages = pages(client, params)

    assert compiled_pages == orm_pages
    board = [
        (key, template)
        for key, template in compiled._templates.items()
        if key[1] in ("board", "board_caller")
    ]
    if home is not None:
        assert board and all(template is not compiled._UNUSABLE for _, template in board)


def test_the_compiled_board_sees_changes_at_once_and_costs_three_queries(
    client_for, org, shopper, make_job, django_assert_num_queries
):
    """Values are parameters, never baked into the cached SQL: a new home, radius or job shows on
    the next read, with the same three queries."""
    client = client_for(shopper)
    near = make_job()
    assert [job["id"] for job in client.get(BOARD).json()["results"]] == [near.pk]
    far = make_job(at=(52.0907, 5.1214))  # Utrecht, 34 km
    AuditorProfile.objects.filter(user=shopper).update(travel_radius_km=40)
    with django_assert_num_queries(3):
        body = client.get(BOARD).json()
    assert {job["id"] for job in body["results"]} == {near.pk, far.pk}
    AuditorProfile.objects.filter(user=shopper).update(
        home_latitude=52.0907, home_longitude=5.1214, travel_radius_km=25
    )
    with django_assert_num_queries(3):
        body = client.get(BOARD, {"page_size": "1"}).json()
    assert [job["id"] for job in body["results"]] == [far.pk]
    assert [job["distance_km"] for job in body["results"]] == [0.0]


def test_the_caller_of_another_organization_is_read_with_the_same_sql(
    client_for, shopper, other_org, make_job
):
    """``board_caller`` is compiled too: another organization's auditor gets their organization's
    jobs, none of this one's."""
    job = make_job()
    stranger = UserFactory(organization=other_org, role=Role.AUDITOR)
    AuditorProfile.objects.create(
        user=stranger,
        organization=other_org,
        home_latitude=job.location.latitude,
        home_longitude=job.location.longitude,
    )
    assert client_for(stranger).get(BOARD).json()["results"] == []
