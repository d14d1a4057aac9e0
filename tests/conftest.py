"""Fixtures every test can use: two organizations, a user of each role, authenticated clients."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Role
from accounts.services import api_key_create

from .factories import LocationFactory, OrganizationFactory, RegionFactory, UserFactory


def jwt_client(user) -> APIClient:
    client = APIClient()
    # An access token alone: minting a refresh token would also record it (token blacklist), a write.
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    client.principal = user
    return client


def key_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme Coffee")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Rival Roasters")


@pytest.fixture
def region(org):
    return RegionFactory(organization=org, code="NORTH", name="North")


@pytest.fixture
def other_region(org):
    return RegionFactory(organization=org, code="SOUTH", name="South")


@pytest.fixture
def location(region):
    return LocationFactory(region=region, code="AMS-01", name="Amsterdam Centraal")


@pytest.fixture
def other_location(other_region):
    return LocationFactory(region=other_region, code="RTM-01", name="Rotterdam Blaak")


@pytest.fixture
def admin(org):
    return UserFactory(organization=org, role=Role.ADMIN, username="alice")


@pytest.fixture
def manager(org, region):
    return UserFactory(organization=org, role=Role.MANAGER, username="manny", regions=[region])


@pytest.fixture
def auditor(org):
    return UserFactory(organization=org, role=Role.AUDITOR, username="otto")


@pytest.fixture
def staff(org, location):
    return UserFactory(organization=org, role=Role.STAFF, username="stella", locations=[location])


@pytest.fixture
def foreign_admin(other_org):
    return UserFactory(organization=other_org, role=Role.ADMIN, username="mallory")


@pytest.fixture
def client_for():
    """``client_for(user)`` returns an APIClient carrying a real JWT for that user."""
    return jwt_client


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def make_api_key():
    """``make_api_key(org, scopes=["read"])`` returns ``(ApiKey, raw_key)``."""

    def make(organization, scopes=None, name="integration"):
        return api_key_create(
            organization=organization, name=name, scopes=scopes or ["read"], created_by=None
        )

    return make


@pytest.fixture
def key_client_for(make_api_key):
    """``key_client_for(org, scopes)`` returns an APIClient authenticated with a fresh API key."""

    def make(organization, scopes=None):
        _, raw = make_api_key(organization, scopes)
        return key_client(raw)

    return make
