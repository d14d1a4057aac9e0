"""Another organization's objects, and ids that cannot exist, answer 404 exactly like missing ones."""

import pytest

from accounts.models import Role
from tests.factories import LocationFactory, RegionFactory, UserFactory

OBJECT_PATHS = {
    "users": "/api/v1/users/{}/",
    "api-keys": "/api/v1/api-keys/{}/",
    "regions": "/api/v1/regions/{}/",
    "locations": "/api/v1/locations/{}/",
}
NOT_FOUND = {"type": "client_error", "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}]}


@pytest.fixture
def their_objects(other_org, make_api_key):
    """One object of each type in the *other* organization."""

    region = RegionFactory(organization=other_org, code="THEIRS")
    return {
        "users": UserFactory(organization=other_org, role=Role.STAFF).pk,
        "api-keys": make_api_key(other_org)[0].pk,
        "regions": region.pk,
        "locations": LocationFactory(region=region).pk,
    }


SUPPORTED = [
    ("users", "get"),
    ("users", "patch"),
    ("users", "delete"),
    ("api-keys", "get"),
    ("api-keys", "delete"),
    ("regions", "get"),
    ("regions", "patch"),
    ("locations", "get"),
    ("locations", "patch"),
]


@pytest.mark.parametrize(("kind", "method"), SUPPORTED)
def test_another_organizations_object_is_not_found(kind, method, admin, client_for, their_objects):
    path = OBJECT_PATHS[kind].format(their_objects[kind])

    response = getattr(client_for(admin), method)(path, {}, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("kind", ["regions", "locations"])
def test_another_organizations_key_does_not_see_ours(kind, key_client_for, other_org, location):
    object_id = location.pk if kind == "locations" else location.region_id
    client = key_client_for(other_org, ["read", "write"])

    assert client.get(OBJECT_PATHS[kind].format(object_id)).status_code == 404
    assert client.get(f"/api/v1/{kind}/").json()["results"] == []


@pytest.mark.parametrize("kind", OBJECT_PATHS)
@pytest.mark.parametrize(
    "bad_id", ["abc", "99999999999999999999", "-99999999999999999999", "0", "1e3", "%20"]
)
def test_ids_that_cannot_exist_are_404_not_500(kind, bad_id, admin, client_for):
    response = client_for(admin).get(OBJECT_PATHS[kind].format(bad_id))

    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


def test_huge_ids_on_writes_are_404_too(admin, client_for):
    client = client_for(admin)

    assert (
        client.patch("/api/v1/locations/99999999999999999999/", {"name": "x"}, format="json").status_code
        == 404
    )
    assert client.delete("/api/v1/users/99999999999999999999/").status_code == 404
