"""Ids no database column can hold are a 400 naming the field (bodies) or the parameter (filters).

SQLite raises ``OverflowError`` for an integer beyond 64 bits where PostgreSQL quietly finds
nothing, so an unchecked id was a 500 on one database only.
"""

import datetime as dt

import pytest
from django.utils import timezone

from tests.audits.conftest import visit_body

HUGE = [2**63, 2**64, 10**30, -(2**63) - 1]


@pytest.fixture
def new_assignment(location, checklist, auditor):
    now = timezone.now()
    return {
        "location": location.pk,
        "checklist": checklist.pk,
        "checklist_version": 1,
        "auditor": auditor.pk,
        "due_from": now.isoformat(),
        "due_until": (now + dt.timedelta(days=7)).isoformat(),
    }


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("field", ["location", "checklist", "checklist_version", "auditor"])
def test_an_assignment_with_an_id_beyond_64_bits_is_a_400(client_for, admin, new_assignment, field, value):
    response = client_for(admin).post("/api/v1/assignments/", {**new_assignment, field: value}, format="json")

    assert response.status_code == 400, response.content
    assert [error["attr"] for error in response.json()["errors"]] == [field]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("field", ["assignment", "location", "checklist", "checklist_version"])
def test_a_visit_with_an_id_beyond_64_bits_is_a_400(client_for, auditor, assignment, field, value):
    response = client_for(auditor).post(
        "/api/v1/visits/", {**visit_body(assignment), field: value}, format="json"
    )

    assert response.status_code == 400, response.content
    assert field in {error["attr"] for error in response.json()["errors"]}


@pytest.mark.parametrize("value", [str(2**63), str(2**64), "9" * 40, "-" + str(2**63 + 1)])
@pytest.mark.parametrize(
    "path,parameter",
    [
        ("/api/v1/assignments/", "location"),
        ("/api/v1/visits/", "location"),
        ("/api/v1/visits/", "region"),
        ("/api/v1/visits/", "checklist"),
        ("/api/v1/locations/", "region"),
        ("/api/v1/exports/visits.csv", "location"),
        ("/api/v1/exports/visits.csv", "region"),
        ("/api/v1/exports/visits.csv", "checklist"),
        ("/api/v1/reports/location-ranking/", "region"),
        ("/api/v1/reports/item-performance/", "location"),
        ("/api/v1/reports/perception-gap/", "checklist"),
    ],
)
def test_a_filter_id_beyond_64_bits_is_a_400_naming_it(client_for, admin, path, parameter, value):
    response = client_for(admin).get(path, {parameter: value})

    assert response.status_code == 400, response.content
    assert [error["attr"] for error in response.json()["errors"]] == [parameter]
