"""Fixtures every test can use: two organizations, a user of each role, authenticated clients."""

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Role
from accounts.services import api_key_create

from .factories import LocationFactory, OrganizationFactory, RegionFactory, UserFactory

# No timing in any test: Hypothesis's per-example deadline (200 ms) and its "too slow" health check
# are timed assertions, which a loaded CI machine fails at random. Tests that need fewer or more
# examples say so with their own @settings; everything else comes from this profile.
hypothesis_settings.register_profile(
    "suite", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
hypothesis_settings.load_profile("suite")


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


# Fixtures through which a test reaches the leg's database. A test that uses none of them (a pure
# function, a rule checked in Node.js, a server started on its own SQLite file) gives the same
# answer on every leg.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)


def reaches_the_database(item: pytest.Item) -> bool:
    return (
        bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
        or item.get_closest_marker("django_db") is not None
        or item.get_closest_marker("postgres") is not None
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the second leg of ``scripts/test.sh`` (``TEST_LEG_REPEATS=1``), run only the tests whose
    answer depends on the database: the others have just run on the SQLite leg with the same inputs."""
    if os.environ.get("TEST_LEG_REPEATS") != "1":
        return
    kept = [item for item in items if reaches_the_database(item)]
    repeated = [item for item in items if not reaches_the_database(item)]
    if repeated:
        config.hook.pytest_deselected(items=repeated)
        items[:] = kept
