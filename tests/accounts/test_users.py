"""People: admins create them with one role and scopes, change them, and deactivate them."""

import pytest

from accounts.models import Role, User
from tests.factories import RegionFactory, UserFactory

USERS = "/api/v1/users/"


@pytest.fixture
def client(admin, client_for):
    return client_for(admin)


def test_admin_creates_a_manager_who_can_log_in(client, anon, region):
    response = client.post(
        USERS,
        {
            "username": "manny2",
            "password": "a-long-passphrase",
            "display_name": "Manny",
            "email": "manny@example.com",
            "role": "manager",
            "region_ids": [region.pk],
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "manager"
    assert body["region_ids"] == [region.pk]
    assert body["location_ids"] == []
    assert "password" not in body
    assert "a-long-passphrase" not in response.content.decode()
    login = anon.post(
        "/api/v1/auth/token/", {"username": "manny2", "password": "a-long-passphrase"}, format="json"
    )
    assert login.status_code == 200


def test_password_is_validated(client):
    response = client.post(
        USERS, {"username": "shorty", "password": "short", "role": "auditor"}, format="json"
    )

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"password"}
    assert not User.objects.filter(username="shorty").exists()


def test_scopes_must_belong_to_the_organization(client, other_org):
    foreign_region = RegionFactory(organization=other_org)

    response = client.post(
        USERS,
        {"username": "m", "password": "long-enough-1", "role": "manager", "region_ids": [foreign_region.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "region_ids"


def test_scopes_must_fit_the_role(client, location, region):
    response = client.post(
        USERS,
        {"username": "m", "password": "long-enough-1", "role": "manager", "location_ids": [location.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "location_ids"


def test_invalid_role_and_ids_are_named_by_path(client):
    response = client.post(
        USERS,
        {"username": "bad name!", "password": "long-enough-1", "role": "boss", "region_ids": ["x"]},
        format="json",
    )

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"username", "role", "region_ids.0"}


@pytest.mark.parametrize("username", ["stella", "STELLA"])
def test_taken_username_is_a_conflict(client, staff, username):
    response = client.post(
        USERS, {"username": username, "password": "long-enough-1", "role": "auditor"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "username_taken"


def test_username_taken_in_another_organization_is_a_conflict_too(client, foreign_admin):
    response = client.post(
        USERS, {"username": "mallory", "password": "long-enough-1", "role": "auditor"}, format="json"
    )

    assert response.status_code == 409


def test_changing_role_drops_scopes_that_no_longer_fit(client, manager, region):
    response = client.patch(f"{USERS}{manager.pk}/", {"role": "auditor"}, format="json")

    assert response.status_code == 200
    assert response.json()["role"] == "auditor"
    assert response.json()["region_ids"] == []
    assert not manager.regions.exists()


def test_admin_rescopes_staff_to_other_locations(client, staff, location, other_location):
    response = client.patch(
        f"{USERS}{staff.pk}/", {"location_ids": [other_location.pk, location.pk]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["location_ids"] == sorted([location.pk, other_location.pk])


def test_delete_deactivates_and_keeps_the_person(client, client_for, staff):
    staff_client = client_for(staff)

    assert client.delete(f"{USERS}{staff.pk}/").status_code == 204

    staff.refresh_from_db()
    assert staff.is_active is False
    assert client.get(f"{USERS}{staff.pk}/").json()["is_active"] is False
    assert staff_client.get("/api/v1/me/").status_code == 401


def test_patch_reactivates(client, org):
    gone = UserFactory(organization=org, is_active=False)

    response = client.patch(f"{USERS}{gone.pk}/", {"is_active": True}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is True


def test_the_last_active_admin_cannot_leave(client, admin):
    assert client.delete(f"{USERS}{admin.pk}/").status_code == 409
    demoted = client.patch(f"{USERS}{admin.pk}/", {"role": "auditor"}, format="json")
    assert demoted.status_code == 409
    assert demoted.json()["errors"][0]["code"] == "last_admin"
    admin.refresh_from_db()
    assert admin.is_active and admin.role == Role.ADMIN


def test_an_admin_may_leave_when_another_remains(client, admin, org):
    UserFactory(organization=org, role=Role.ADMIN)

    assert client.delete(f"{USERS}{admin.pk}/").status_code == 204


def test_admin_resets_a_password(client, anon, staff):
    assert (
        client.patch(f"{USERS}{staff.pk}/", {"password": "brand-new-secret"}, format="json").status_code
        == 200
    )

    login = anon.post(
        "/api/v1/auth/token/", {"username": "stella", "password": "brand-new-secret"}, format="json"
    )
    assert login.status_code == 200


def test_users_list_is_the_organization_only(client, admin, staff, foreign_admin):
    usernames = [row["username"] for row in client.get(USERS).json()["results"]]

    assert usernames == ["alice", "stella"]


def test_admin_role_grants_the_admin_site_and_losing_it_takes_it_away(client, org, admin):
    created = client.post(
        USERS, {"username": "ada", "password": "long-enough-1", "role": "admin"}, format="json"
    )
    ada = User.objects.get(pk=created.json()["id"])
    assert ada.is_staff and not ada.is_superuser

    client.patch(f"{USERS}{ada.pk}/", {"role": "manager"}, format="json")
    ada.refresh_from_db()
    assert not ada.is_staff


@pytest.mark.parametrize(
    ("field", "value"), [("is_active", "false"), ("is_active", 0), ("role", 1), ("location_ids", [True])]
)
def test_values_of_the_wrong_json_type_are_refused_not_coerced(client, staff, field, value):
    response = client.patch(f"{USERS}{staff.pk}/", {field: value}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"].split(".")[0] == field
    staff.refresh_from_db()
    assert staff.is_active
