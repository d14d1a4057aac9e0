"""List pages cost the same number of queries however many rows they hold."""

import pytest

from accounts.models import Role
from tests.factories import AssignmentFactory, LocationFactory, UserFactory


@pytest.mark.parametrize("rows", [2, 20])
def test_users_page_costs_constant_queries(
    rows, admin, client_for, org, region, location, django_assert_num_queries
):
    for n in range(rows - 1):  # plus the admin
        if n % 2:
            UserFactory(organization=org, role=Role.MANAGER, regions=[region])
        else:
            UserFactory(organization=org, role=Role.STAFF, locations=[location])
    client = client_for(admin)

    # The JWT's user, the page of users, their regions, their locations.
    with django_assert_num_queries(4):
        response = client.get("/api/v1/users/")

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [2, 20])
def test_locations_page_costs_constant_queries(rows, admin, client_for, region, django_assert_num_queries):
    for _ in range(rows):
        LocationFactory(region=region)
    client = client_for(admin)

    # The JWT's user, the page of locations.
    with django_assert_num_queries(2):
        response = client.get("/api/v1/locations/", {"search": "store"})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [2, 20])
def test_auditors_locations_page_costs_constant_queries(
    rows, auditor, client_for, region, django_assert_num_queries
):

    for _ in range(rows):
        AssignmentFactory(location=LocationFactory(region=region), auditor=auditor)
    client = client_for(auditor)

    with django_assert_num_queries(2):
        response = client.get("/api/v1/locations/")

    assert len(response.json()["results"]) == rows
