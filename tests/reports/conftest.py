"""Fixtures for report tests: a checklist, locations in three time zones, report URLs."""

import pytest

from tests.factories import ChecklistFactory, LocationFactory


@pytest.fixture
def checklist(org):
    return ChecklistFactory(organization=org, name="Store visit")


@pytest.fixture
def new_york(region):
    return LocationFactory(
        region=region, code="NYC-01", name="New York Fifth Ave", timezone="America/New_York"
    )


@pytest.fixture
def tokyo(region):
    return LocationFactory(region=region, code="TYO-01", name="Tokyo Shibuya", timezone="Asia/Tokyo")


@pytest.fixture
def amsterdam(location):
    assert location.timezone == "Europe/Amsterdam"
    return location
