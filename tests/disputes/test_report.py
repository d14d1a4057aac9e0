"""The disputes report: rates, upheld rate and median hours to decision, from SQL, in few queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from audits.services import visit_review
from disputes.services import dispute_decide, dispute_open
from tests.factories import LocationFactory, UserFactory

from .conftest import decide_body, dispute_body

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/disputes/"
T0 = timezone.now().replace(microsecond=0)


def dispute(visit, opener, decider=None, *, hours=None, decisions=None):
    items = tuple((key, value) for key, value, _ in decisions) if decisions else (("wait_minutes", 2),)
    opened, _ = dispute_open(actor=opener, visit_id=visit.pk, data=dispute_body(*items), now=T0)
    if decider is not None:
        pairs = tuple((key, verdict) for key, _, verdict in decisions)
        dispute_decide(
            actor=decider, dispute_id=opened.pk, data=decide_body(*pairs), now=T0 + dt.timedelta(hours=hours)
        )
    return opened


@pytest.fixture
def story(org, location, other_location, make_visit, staff, manager, admin):

    second_admin = UserFactory(organization=org, role=Role.ADMIN)
    a = [make_visit(location) for _ in range(4)]
    b = [make_visit(other_location) for _ in range(2)]
    wait = ("wait_minutes", 2)
    dispute(a[0], staff, manager, hours=10, decisions=[(*wait, "upheld")])
    dispute(a[1], staff, manager, hours=30, decisions=[(*wait, "rejected")])
    dispute(a[2], staff)
    dispute(b[0], admin, second_admin, hours=5, decisions=[(*wait, "upheld"), ("offer", "great", "rejected")])
    rejected = make_visit(location)  # not counted by trends, nor are its disputes
    dispute(rejected, staff)
    visit_review(actor=admin, visit_id=rejected.pk, decision="reject", comment="Void.")
    return a, b


def test_figures_per_location_and_overall(client_for, admin, location, other_location, story):
    response = client_for(admin).get(URL)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["results"] == [
        {
            "location": {"id": location.pk, "code": location.code, "name": location.name},
            "visits": 4,
            "disputes": 3,
            "dispute_rate": 75.0,
            "decided": 2,
            "upheld": 1,
            "upheld_rate": 50.0,
            "median_hours_to_decision": 20.0,
        },
        {
            "location": {"id": other_location.pk, "code": other_location.code, "name": other_location.name},
            "visits": 2,
            "disputes": 1,
            "dispute_rate": 50.0,
            "decided": 1,
            "upheld": 1,
            "upheld_rate": 100.0,
            "median_hours_to_decision": 5.0,
        },
    ]
    assert data["overall"] == {
        "visits": 6,
        "disputes": 4,
        "dispute_rate": 66.67,
        "decided": 3,
        "upheld": 2,
        "upheld_rate": 66.67,
        "median_hours_to_decision": 10.0,
    }


def test_scope_and_narrowing(client_for, manager, staff, admin, location, other_location, region, story):
    for client in (client_for(manager), client_for(staff)):
        rows = client.get(URL).json()["results"]
        assert [row["location"]["id"] for row in rows] == [location.pk]
    admin_client = client_for(admin)
    assert [
        r["location"]["id"] for r in admin_client.get(f"{URL}?location={other_location.pk}").json()["results"]
    ] == [other_location.pk]
    assert admin_client.get(f"{URL}?region={region.pk}").json()["overall"]["visits"] == 4
    assert (
        client_for(manager).get(f"{URL}?location={other_location.pk}").json()["errors"][0]["attr"]
        == "location"
    )


def test_auditors_do_not_read_it(client_for, auditor):
    assert client_for(auditor).get(URL).status_code == 403


def test_an_empty_window_has_null_rates(client_for, admin, story):
    data = client_for(admin).get(f"{URL}?from=2001-01-01&to=2001-12-31").json()
    assert data == {
        "overall": {
            "visits": 0,
            "disputes": 0,
            "dispute_rate": None,
            "decided": 0,
            "upheld": 0,
            "upheld_rate": None,
            "median_hours_to_decision": None,
        },
        "results": [],
    }


def test_query_count_does_not_grow_with_locations(client_for, admin, region, make_visit, staff, manager):
    client = client_for(admin)

    def add_location():
        site = LocationFactory(region=region)
        staff.locations.add(site)
        for hours in (3, 8):
            dispute(make_visit(site), staff, manager, hours=hours, decisions=[("wait_minutes", 2, "upheld")])

    add_location()
    with CaptureQueriesContext(connection) as one:
        first = client.get(URL).json()
    for _ in range(4):
        add_location()
    with CaptureQueriesContext(connection) as five:
        second = client.get(URL).json()
    assert len(first["results"]) == 1 and len(second["results"]) == 5
    assert second["overall"]["median_hours_to_decision"] == 5.5
    assert len(five) == len(one)
