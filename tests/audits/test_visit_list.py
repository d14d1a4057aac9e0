"""Reading visits: who sees which, the contract's filters, and a constant cost per page."""

import datetime as dt

import pytest

from accounts.models import Role
from audits.models import Visit
from audits.services import visit_submit
from tests.audits.conftest import self_assessment_body, visit_body
from tests.factories import AssignmentFactory, LocationFactory, PhotoFactory, UserFactory

URL = "/api/v1/visits/"


def ids(response):
    assert response.status_code == 200, response.json()
    return {v["id"] for v in response.json()["results"]}


def submit_at(job, started: dt.datetime):
    body = visit_body(
        job, started_at=started.isoformat(), ended_at=(started + dt.timedelta(minutes=15)).isoformat()
    )
    return str(visit_submit(actor=job.auditor, data=body)[0].pk)


@pytest.fixture
def world(org, location, other_location, checklist, auditor, staff):
    """Two mystery visits (one per region, November and October) and one self-assessment."""
    here = AssignmentFactory(organization=org, location=location, checklist=checklist, auditor=auditor)
    there = AssignmentFactory(organization=org, location=other_location, checklist=checklist)
    return {
        "here": submit_at(here, dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)),
        "there": submit_at(there, dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)),
        "self": str(visit_submit(actor=staff, data=self_assessment_body(location, checklist))[0].pk),
        "there_auditor": there.auditor,
    }


def test_admins_see_every_visit_of_the_organization(client_for, admin, world):
    assert ids(client_for(admin).get(URL)) == {world["here"], world["there"], world["self"]}


def test_managers_see_their_regions_visits(client_for, manager, world):
    assert ids(client_for(manager).get(URL)) == {world["here"], world["self"]}


def test_auditors_see_their_own_visits_only(client_for, auditor, world):
    assert ids(client_for(auditor).get(URL)) == {world["here"]}
    assert client_for(auditor).get(f"{URL}{world['there']}/").status_code == 404


def test_staff_see_their_locations_visits_mystery_ones_included(client_for, staff, world):
    response = client_for(staff).get(URL)
    assert ids(response) == {world["here"], world["self"]}
    assert all(v["auditor"] is None for v in response.json()["results"])


def test_another_organization_sees_nothing(client_for, foreign_admin, world):
    assert ids(client_for(foreign_admin).get(URL)) == set()
    assert client_for(foreign_admin).get(f"{URL}{world['here']}/").status_code == 404


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "12", "3f2b8c1e-0d4a-4b6e-9c7f-5a1e2d3c4b5a"])
def test_unknown_or_malformed_ids_are_404(client_for, admin, bad_id):
    response = client_for(admin).get(f"{URL}{bad_id}/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_filters_by_location_region_kind_and_status(client_for, admin, world, location, other_region):
    client = client_for(admin)
    assert ids(client.get(URL, {"location": location.pk})) == {world["here"], world["self"]}
    assert ids(client.get(URL, {"region": other_region.pk})) == {world["there"]}
    assert ids(client.get(URL, {"kind": "self_assessment"})) == {world["self"]}
    assert ids(client.get(URL, {"kind": "mystery", "location": location.pk})) == {world["here"]}
    assert ids(client.get(URL, {"status": "approved"})) == set()


def test_from_and_to_are_inclusive_local_dates(client_for, admin, world):
    client = client_for(admin)
    assert ids(client.get(URL, {"from": "2026-11-10", "to": "2026-11-10", "kind": "mystery"})) == {
        world["here"]
    }
    assert ids(client.get(URL, {"from": "2026-10-01", "to": "2026-10-31"})) == {world["there"]}
    assert ids(client.get(URL, {"to": "2026-10-04"})) == set()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("from", "2026-13-01"),
        ("to", "soon"),
        ("location", "abc"),
        ("region", "-1"),
        ("kind", "drive_by"),
        ("status", "lost"),
        ("location", "99999999999999999999999"),
    ],
)
def test_invalid_filter_values_answer_400_naming_the_parameter(client_for, admin, name, value):
    response = client_for(admin).get(URL, {name: value})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == name


def test_the_newest_visit_comes_first(client_for, admin, world):
    results = client_for(admin).get(URL, {"kind": "mystery"}).json()["results"]
    assert [v["id"] for v in results] == [world["here"], world["there"]]


def test_photos_missing_counts_the_visits_photos(client_for, admin, world, org):
    PhotoFactory(visit=Visit.objects.get(pk=world["here"]), item_key="storefront")
    here = client_for(admin).get(f"{URL}{world['here']}/").json()
    there = client_for(admin).get(f"{URL}{world['there']}/").json()
    assert here["photos_missing"] == []
    assert there["photos_missing"] == [{"item": "storefront", "missing": 1}]


def test_a_page_costs_the_same_queries_whatever_the_answers_and_photos(
    client_for, org, region, checklist, django_assert_max_num_queries
):
    admin = UserFactory(organization=org, role=Role.ADMIN)
    for n in range(12):
        job = AssignmentFactory(
            organization=org, location=LocationFactory(region=region), checklist=checklist
        )
        visit_id = submit_at(job, dt.datetime(2026, 11, 1 + n, 9, 0, tzinfo=dt.UTC))
        PhotoFactory.create_batch(n % 3, visit=Visit.objects.get(pk=visit_id), item_key="storefront")
    client = client_for(admin)
    with django_assert_max_num_queries(4):  # auth, visits with versions, answers, photos
        small = client.get(URL, {"page_size": 2})
    with django_assert_max_num_queries(4):
        large = client.get(URL, {"page_size": 12})
    assert len(small.json()["results"]) == 2 and len(large.json()["results"]) == 12
