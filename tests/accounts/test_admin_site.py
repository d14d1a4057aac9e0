"""The Django admin: operators see everything; an organization's admins only their organization."""

import pytest
from django.test import Client

from accounts.models import ApiKey, Region, Role
from accounts.services import user_create
from tests.factories import LocationFactory, RegionFactory, UserFactory


@pytest.fixture
def operator(db):
    return UserFactory(organization=None, username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def org_admin_browser(org):
    """A browser logged in as the organization's admin (made staff by the user service)."""
    user = user_create(organization=org, username="ada", password="long-enough-1", role=Role.ADMIN)
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.mark.parametrize(
    "page",
    [
        "/admin/accounts/organization/?q=acme",
        "/admin/accounts/user/?q=stella&role__exact=staff&is_active__exact=1",
        "/admin/accounts/region/?q=north",
        "/admin/accounts/location/?q=ams&timezone=Europe%2FAmsterdam",
        "/admin/accounts/apikey/?q=integration&revoked_at__isnull=True",
    ],
)
def test_operator_searches_and_filters_every_model(page, operator, staff, location, org, make_api_key):
    make_api_key(org)
    browser = Client()
    browser.force_login(operator)

    response = browser.get(page)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_organization_admin_sees_only_their_organization(org_admin_browser, location, other_org):
    LocationFactory(region=RegionFactory(organization=other_org), code="THEIRS")

    response = org_admin_browser.get("/admin/accounts/location/")

    assert response.status_code == 200
    assert [loc.code for loc in response.context["cl"].result_list] == ["AMS-01"]


def test_organization_admin_cannot_open_another_organizations_row(org_admin_browser, other_org):
    theirs = RegionFactory(organization=other_org)

    response = org_admin_browser.get(f"/admin/accounts/region/{theirs.pk}/change/")

    assert response.status_code == 302  # "does not exist" redirect, like a missing id
    assert Region.objects.get(pk=theirs.pk).name == theirs.name


def test_organization_admin_adds_a_region_to_their_organization_and_codes_stay_unique(
    org_admin_browser, org, region
):
    added = org_admin_browser.post("/admin/accounts/region/add/", {"code": "EAST", "name": "East"})
    duplicate = org_admin_browser.post("/admin/accounts/region/add/", {"code": "NORTH", "name": "Again"})

    assert added.status_code == 302
    assert Region.objects.get(code="EAST").organization == org
    assert duplicate.status_code == 200  # the form again, with the error
    assert "already used in your organization" in duplicate.content.decode()


def test_organization_admin_never_sees_platform_rights(org_admin_browser, staff):
    page = org_admin_browser.get(f"/admin/accounts/user/{staff.pk}/change/").content.decode()

    assert 'name="is_superuser"' not in page
    assert 'name="organization"' not in page


def test_people_without_the_admin_role_are_kept_out(org, staff):
    browser = Client()
    browser.force_login(UserFactory(organization=org, role=Role.MANAGER, is_staff=True))

    assert browser.get("/admin/accounts/location/").status_code == 403


def test_keys_are_revoked_from_the_admin(org_admin_browser, org, make_api_key):
    api_key, _ = make_api_key(org)

    response = org_admin_browser.post(
        "/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]}
    )

    assert response.status_code == 302
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is not None


def test_admin_site_refuses_a_time_zone_that_is_no_iana_name(org_admin_browser, region):
    response = org_admin_browser.post(
        "/admin/accounts/location/add/",
        {"region": region.pk, "code": "X", "name": "X", "timezone": "localtime", "geofence_m": 500},
    )

    assert response.status_code == 200
    assert "is not an IANA time zone name" in response.content.decode()


def test_the_last_admin_cannot_demote_themselves_in_the_admin_site(org):
    ada = user_create(organization=org, username="ada", password="long-enough-1", role=Role.ADMIN)
    browser = Client()
    browser.force_login(ada)

    response = browser.post(
        f"/admin/accounts/user/{ada.pk}/change/",
        {
            "username": "ada",
            "role": "auditor",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00",
        },
    )

    assert response.status_code == 200
    assert "at least one active admin" in response.content.decode()
    ada.refresh_from_db()
    assert ada.role == Role.ADMIN
