"""Same accounts, same scopes: who lands where, who sees what, and what stays hidden from whom."""

import pytest
from django.test import Client

from tests.dashboard.conftest import AUDITOR_NAME, AUDITOR_USERNAME, FOREIGN_CODE, FOREIGN_NAME, visible_text
from tests.factories import LocationFactory, OrganizationFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _pages(world, visit=None):
    visit = visit or world.submitted
    return [
        "/dashboard/overview/",
        "/dashboard/overview/?window=364",
        "/dashboard/locations/",
        "/dashboard/locations/?window=364",
        f"/dashboard/locations/{world.amsterdam.pk}/?window=364",
        f"/dashboard/visits/{visit.pk}/",
        f"/dashboard/visits/{world.disputed.pk}/",
        "/dashboard/actions/",
        "/dashboard/disputes/?window=364",
    ]


def test_each_role_lands_where_it_works(world, browse):
    assert browse(world.manager).get("/dashboard/")["Location"] == "/dashboard/overview/"
    assert browse(world.admin).get("/dashboard/")["Location"] == "/dashboard/overview/"
    assert browse(world.staff).get("/dashboard/")["Location"] == f"/dashboard/locations/{world.amsterdam.pk}/"
    auditor = browse(world.auditor).get("/dashboard/")
    assert auditor.status_code == 200
    assert "your work is on your phone" in auditor.content.decode()


def test_staff_of_several_locations_land_on_their_ranking(world, browse):
    world.staff.locations.add(world.utrecht)
    assert browse(world.staff).get("/dashboard/")["Location"] == "/dashboard/locations/"


def test_auditors_get_the_phone_page_on_every_page(world, browse):
    client = browse(world.auditor)
    for url in _pages(world):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "your work is on your phone" in response.content.decode()


def test_signed_out_visitors_are_sent_to_the_login_page_and_back(world):
    response = Client().get("/dashboard/locations/?window=28")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/login/?next=/dashboard/locations/%3Fwindow%3D28"


def test_a_manager_never_sees_another_regions_location_on_any_page(world, browse):
    client = browse(world.manager)
    for url in _pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        assert FOREIGN_NAME not in text and FOREIGN_CODE not in text, url
        assert "South" not in text, url  # nor the region in the filter bar
    # ...while an admin sees it (the check above can fail).
    admin_text = visible_text(browse(world.admin).get("/dashboard/locations/?window=364").content.decode())
    assert FOREIGN_NAME in admin_text


def test_another_regions_location_visit_and_filter_are_not_found(world, browse):
    client = browse(world.manager)
    foreign_visit = next(v for v in world.visits if v.location_id == world.rotterdam.pk)
    assert client.get(f"/dashboard/locations/{world.rotterdam.pk}/").status_code == 404
    assert client.get(f"/dashboard/visits/{foreign_visit.pk}/").status_code == 404
    assert client.get(f"/dashboard/actions/?location={world.rotterdam.pk}").status_code == 404
    refused = client.get(f"/dashboard/overview/?region={world.south.pk}")
    assert refused.status_code == 400
    assert FOREIGN_NAME not in refused.content.decode()
    # Missing and not-yours are the same answer.
    assert client.get("/dashboard/locations/999999/").status_code == 404
    assert client.get("/dashboard/locations/99999999999999999999999/").status_code == 404


def test_staff_never_see_the_auditors_name_anywhere(world, browse):
    client = browse(world.staff)
    for url in _pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert AUDITOR_NAME not in html and AUDITOR_USERNAME not in html, url
    # Managers do see who audited (the check above can fail).
    manager_page = browse(world.manager).get(f"/dashboard/visits/{world.submitted.pk}/").content.decode()
    assert AUDITOR_NAME in manager_page


def test_staff_see_only_their_location(world, browse):
    client = browse(world.staff)
    assert client.get(f"/dashboard/locations/{world.utrecht.pk}/").status_code == 404
    ranking = visible_text(client.get("/dashboard/locations/?window=364").content.decode())
    assert "Amsterdam Centraal" in ranking and "Utrecht Neude" not in ranking


def test_another_organizations_people_see_nothing_of_this_one(world, browse):
    rival = OrganizationFactory(name="Rival Roasters")
    site = LocationFactory(region=RegionFactory(organization=rival), code="RIV-01")
    boss = UserFactory(organization=rival, role="admin", username="mallory")
    client = browse(boss)
    assert client.get(f"/dashboard/locations/{world.amsterdam.pk}/").status_code == 404
    assert client.get(f"/dashboard/visits/{world.submitted.pk}/").status_code == 404
    overview = visible_text(client.get("/dashboard/overview/?window=364").content.decode())
    assert "Amsterdam" not in overview and "North" not in overview
    assert client.get(f"/dashboard/locations/{site.pk}/").status_code == 200


def test_the_api_schema_does_not_describe_the_dashboard(world):
    schema = Client().get("/api/schema/?format=json").json()
    assert schema["paths"] and not [path for path in schema["paths"] if "dashboard" in path]
