"""Every report sees only what the caller sees: organization, manager regions, staff locations."""

import pytest

from tests.factories import ChecklistFactory, LocationFactory

from .factories import local, make_visit

WINDOW = {"from": "2026-05-01", "to": "2026-05-31"}
LIST_REPORTS = [
    "/api/v1/reports/location-ranking/",
    "/api/v1/reports/item-performance/",
    "/api/v1/reports/perception-gap/",
    "/api/v1/exports/visits.csv",
]


@pytest.fixture
def two_stores(location, other_location, checklist):
    """One visit in the manager's/staff member's store (score 90), one outside (score 10)."""
    for place, score, value in ((location, 90.0, 0.9), (other_location, 10.0, 0.1)):
        make_visit(
            location=place,
            checklist=checklist,
            started_at=local("2026-05-12 10:00", place.timezone),
            score=score,
            answers=[("greeting", "smile", value)],
        )
        make_visit(
            location=place,
            checklist=checklist,
            started_at=local("2026-05-12 10:00", place.timezone),
            kind="self_assessment",
            score=score,
            answers=[("greeting", "smile", value)],
        )


def seen_scores(client, url: str) -> list:
    response = client.get(url, WINDOW)
    assert response.status_code == 200
    if url.endswith(".csv"):
        return sorted(
            {line.split(",")[10] for line in b"".join(response.streaming_content).decode().splitlines()[1:]}
        )
    body = response.json()
    if "overall" in body:
        return [body["overall"]["mystery_score"], body["overall"]["self_assessment_score"]]
    return [row.get("average_score", row.get("average_item_score")) for row in body["results"]]


WHOLE_ORG = {  # both stores: 90 and 10, or their mean
    LIST_REPORTS[0]: [90.0, 10.0],
    LIST_REPORTS[1]: [50.0],
    LIST_REPORTS[2]: [50.0, 50.0],
    LIST_REPORTS[3]: ["10.00", "90.00"],
}
OWN_STORE = {
    LIST_REPORTS[0]: [90.0],
    LIST_REPORTS[1]: [90.0],
    LIST_REPORTS[2]: [90.0, 90.0],
    LIST_REPORTS[3]: ["90.00"],
}


@pytest.mark.parametrize("url", LIST_REPORTS)
def test_admin_and_api_key_see_the_whole_organization(
    client_for, admin, key_client_for, org, two_stores, url
):
    assert seen_scores(client_for(admin), url) == WHOLE_ORG[url]
    assert seen_scores(key_client_for(org), url) == WHOLE_ORG[url]


@pytest.mark.parametrize("url", LIST_REPORTS)
@pytest.mark.parametrize("role", ["manager", "staff"])
def test_manager_and_staff_see_only_their_region_or_location(
    client_for, manager, staff, two_stores, url, role
):
    user = {"manager": manager, "staff": staff}[role]

    assert seen_scores(client_for(user), url) == OWN_STORE[url]


@pytest.mark.parametrize(
    "url", [*LIST_REPORTS, "/api/v1/locations/{location}/trend/", "/api/v1/regions/{region}/trend/"]
)
def test_auditors_may_not_read_reports(client_for, auditor, location, region, url):
    response = client_for(auditor).get(url.format(location=location.pk, region=region.pk))

    assert response.status_code == 403


@pytest.mark.parametrize("url", [*LIST_REPORTS, "/api/v1/locations/1/trend/"])
def test_anonymous_callers_are_401(anon, url):
    assert anon.get(url).status_code == 401


def test_another_organization_sees_nothing(client_for, foreign_admin, two_stores):
    for url in LIST_REPORTS[:2]:
        assert seen_scores(client_for(foreign_admin), url) == []
    assert seen_scores(client_for(foreign_admin), LIST_REPORTS[2]) == [None, None]


def test_trends_outside_the_scope_are_404(
    client_for, manager, staff, foreign_admin, location, other_location, region, other_region
):
    assert client_for(manager).get(f"/api/v1/locations/{other_location.pk}/trend/").status_code == 404
    assert client_for(manager).get(f"/api/v1/regions/{other_region.pk}/trend/").status_code == 404
    assert client_for(staff).get(f"/api/v1/locations/{other_location.pk}/trend/").status_code == 404
    assert client_for(staff).get(f"/api/v1/regions/{other_region.pk}/trend/").status_code == 404
    assert client_for(foreign_admin).get(f"/api/v1/locations/{location.pk}/trend/").status_code == 404
    assert client_for(foreign_admin).get(f"/api/v1/regions/{region.pk}/trend/").status_code == 404
    assert client_for(manager).get("/api/v1/locations/999999/trend/").status_code == 404


def test_staff_read_their_location_trend_including_mystery_visits(client_for, staff, location, two_stores):
    response = client_for(staff).get(f"/api/v1/locations/{location.pk}/trend/", {**WINDOW, "period": "month"})

    assert response.status_code == 200
    assert response.json()["series"][0]["visits"] == 1


def test_staff_region_trend_counts_only_their_locations(
    client_for, staff, region, location, checklist, two_stores
):

    neighbour = LocationFactory(region=region, name="Neighbour")
    make_visit(
        location=neighbour,
        checklist=checklist,
        started_at=local("2026-05-12 10:00", neighbour.timezone),
        score=0,
    )

    series = client_for(staff).get(f"/api/v1/regions/{region.pk}/trend/", WINDOW).json()["series"]

    assert [(p["visits"], p["average_score"]) for p in series] == [(1, 90.0)]


def test_manager_may_not_name_a_region_or_location_outside_their_scope(
    client_for, manager, other_region, other_location
):
    client = client_for(manager)

    for params, attr in (
        ({"region": other_region.pk}, "region"),
        ({"location": other_location.pk}, "location"),
    ):
        response = client.get("/api/v1/reports/item-performance/", params)
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == attr


def test_checklist_of_another_org_is_unknown_to_every_report(client_for, admin, other_org):
    foreign = ChecklistFactory(organization=other_org)

    for url in LIST_REPORTS:
        response = client_for(admin).get(url, {"checklist": foreign.pk})
        assert response.status_code == 400, url
