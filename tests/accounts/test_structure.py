"""Regions and locations: who sees which, search and filters, unique codes, time zones."""

import pytest

from tests.factories import AssignmentFactory, LocationFactory, RegionFactory

REGIONS = "/api/v1/regions/"
LOCATIONS = "/api/v1/locations/"


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.fixture
def client(admin, client_for):
    return client_for(admin)


# --- who sees what ------------------------------------------------------------------------------


def test_manager_sees_their_regions_locations_and_their_empty_region(
    client_for, manager, org, location, other_location
):
    empty = RegionFactory(organization=org, code="EMPTY")
    manager.regions.add(empty)
    client = client_for(manager)

    assert codes(client.get(LOCATIONS)) == ["AMS-01"]
    assert codes(client.get(REGIONS)) == ["EMPTY", "NORTH"]


def test_staff_see_their_locations_and_their_regions_once(
    client_for, staff, region, location, other_location
):
    second = LocationFactory(region=region, code="AMS-02")
    staff.locations.add(second)
    client = client_for(staff)

    assert codes(client.get(LOCATIONS)) == ["AMS-01", "AMS-02"]
    assert codes(client.get(REGIONS)) == ["NORTH"]


def test_auditor_sees_the_locations_they_are_sent_to_once(client_for, auditor, location, other_location):
    AssignmentFactory(location=location, auditor=auditor)
    AssignmentFactory(location=location, auditor=auditor)
    client = client_for(auditor)

    assert codes(client.get(LOCATIONS)) == ["AMS-01"]
    assert codes(client.get(REGIONS)) == ["NORTH"]
    assert client.get(f"{LOCATIONS}{other_location.pk}/").status_code == 404


def test_auditor_without_assignments_sees_no_locations(client_for, auditor, location):
    client = client_for(auditor)

    assert codes(client.get(LOCATIONS)) == []
    assert codes(client.get(REGIONS)) == []


def test_another_auditors_assignment_shows_nothing(client_for, auditor, location, org):
    AssignmentFactory(location=location)  # someone else's

    assert codes(client_for(auditor).get(LOCATIONS)) == []


# --- search and filters -------------------------------------------------------------------------


def test_locations_filter_by_region_and_search_name_code_address(client, region, other_region):
    LocationFactory(region=region, code="AMS-01", name="Centraal", address="Stationsplein 1")
    LocationFactory(region=region, code="AMS-02", name="Zuid", address="Gustav Mahlerplein 5")
    LocationFactory(region=other_region, code="RTM-01", name="Blaak", address="Binnenrotte 1")

    assert codes(client.get(LOCATIONS, {"region": region.pk})) == ["AMS-01", "AMS-02"]
    assert codes(client.get(LOCATIONS, {"search": "blaak"})) == ["RTM-01"]
    assert codes(client.get(LOCATIONS, {"search": "ams-02"})) == ["AMS-02"]
    assert codes(client.get(LOCATIONS, {"search": "plein"})) == ["AMS-01", "AMS-02"]
    assert codes(client.get(LOCATIONS, {"region": other_region.pk, "search": "plein"})) == []


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "-1", "1.5", ""])
def test_a_region_filter_that_is_no_id_is_a_400_naming_it(client, value):
    response = client.get(LOCATIONS, {"region": value})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "region"


def test_lists_are_paginated_in_a_stable_code_order(client, region):
    for code in ["C", "A", "B"]:
        LocationFactory(region=region, code=code)

    first = client.get(LOCATIONS, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [r["code"] for r in first["results"]] == ["A", "B"]
    assert [r["code"] for r in second["results"]] == ["C"]
    assert second["next"] is None and second["previous"] is not None


# --- writes -------------------------------------------------------------------------------------

NEW_LOCATION = {
    "code": "UTR-01",
    "name": "Utrecht Centraal",
    "address": "Stationshal 1",
    "latitude": 52.089,
    "longitude": 5.110,
    "timezone": "Europe/Amsterdam",
    "phone": "+31 30 000 0000",
    "website": "https://example.com/utr",
    "geofence_m": 250,
}


def test_admin_creates_and_edits_a_location(client, region, other_region):
    created = client.post(LOCATIONS, {**NEW_LOCATION, "region": region.pk}, format="json")

    assert created.status_code == 201
    assert created.json() == {"id": created.json()["id"], **NEW_LOCATION, "region": region.pk}
    moved = client.patch(
        f"{LOCATIONS}{created.json()['id']}/",
        {"region": other_region.pk, "timezone": "America/New_York"},
        format="json",
    )
    assert moved.status_code == 200
    assert moved.json()["region"] == other_region.pk
    assert moved.json()["timezone"] == "America/New_York"


def test_location_defaults(client, region):
    body = client.post(LOCATIONS, {"code": "X", "name": "X", "region": region.pk}, format="json").json()

    assert body["timezone"] == "UTC"
    assert body["geofence_m"] == 500


@pytest.mark.parametrize(
    "timezone", ["Mars/Olympus_Mons", "europe/amsterdam", "../../etc/passwd", "", "localtime", "Factory"]
)
def test_timezone_must_be_an_iana_name(client, region, timezone):
    response = client.post(
        LOCATIONS, {"code": "X", "name": "X", "region": region.pk, "timezone": timezone}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "timezone"


@pytest.mark.parametrize(
    ("field", "value"),
    [("geofence_m", 0), ("geofence_m", -5), ("latitude", 91), ("longitude", -181), ("website", "not a url")],
)
def test_out_of_range_location_fields_are_named(client, location, field, value):
    response = client.patch(f"{LOCATIONS}{location.pk}/", {field: value}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == field


def test_location_in_a_region_of_another_organization_is_a_400(client, other_org):
    foreign = RegionFactory(organization=other_org)

    response = client.post(LOCATIONS, {"code": "X", "name": "X", "region": foreign.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "region"


def test_location_code_is_unique_in_the_organization(client, region, location, other_location):
    duplicate = client.post(
        LOCATIONS, {"code": "AMS-01", "name": "Again", "region": region.pk}, format="json"
    )
    renamed = client.patch(f"{LOCATIONS}{other_location.pk}/", {"code": "AMS-01"}, format="json")

    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["code"] == "duplicate_code"
    assert renamed.status_code == 409


def test_the_same_code_is_fine_in_another_organization(client_for, foreign_admin, other_org, location):
    region = RegionFactory(organization=other_org)

    response = client_for(foreign_admin).post(
        LOCATIONS, {"code": "AMS-01", "name": "Theirs", "region": region.pk}, format="json"
    )

    assert response.status_code == 201


def test_admin_creates_and_renames_regions_with_unique_codes(client, region):
    created = client.post(REGIONS, {"code": "EAST", "name": "East"}, format="json")
    clash = client.post(REGIONS, {"code": "NORTH", "name": "Another north"}, format="json")
    renamed = client.patch(f"{REGIONS}{created.json()['id']}/", {"name": "Far East"}, format="json")
    recoded = client.patch(f"{REGIONS}{created.json()['id']}/", {"code": "NORTH"}, format="json")

    assert created.status_code == 201
    assert created.json() == {"id": created.json()["id"], "code": "EAST", "name": "East"}
    assert clash.status_code == 409
    assert renamed.json()["name"] == "Far East"
    assert recoded.status_code == 409


def test_regions_and_locations_cannot_be_deleted_or_replaced(client, region, location):
    for path in [f"{REGIONS}{region.pk}/", f"{LOCATIONS}{location.pk}/"]:
        assert client.delete(path).status_code == 405
        assert client.put(path, {}, format="json").status_code == 405


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("geofence_m", "500"),
        ("geofence_m", True),
        ("latitude", "52.1"),
        ("name", 12),
        ("region", "1"),
        ("code", None),
    ],
)
def test_values_of_the_wrong_json_type_are_refused_not_coerced(client, location, field, value):
    response = client.patch(f"{LOCATIONS}{location.pk}/", {field: value}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == field


def test_an_empty_website_is_fine_and_shown_as_empty(client, location):
    response = client.patch(f"{LOCATIONS}{location.pk}/", {"website": ""}, format="json")

    assert response.status_code == 200
    assert response.json()["website"] == ""
