"""``notifications`` on ``/api/v1/me/``: role defaults, switching kinds off and on, strict input."""

import pytest

from accounts.models import Role, User
from tests.factories import UserFactory

KINDS = [
    "critical_failure",
    "low_score",
    "dispute_opened",
    "dispute_decided",
    "action_assigned",
    "action_overdue",
    "weekly_digest",
]


def settings_of(client):
    return client.get("/api/v1/me/").json()["notifications"]


@pytest.mark.parametrize(
    ("role", "on"),
    [
        (Role.ADMIN, {"critical_failure", "low_score", "dispute_opened", "weekly_digest"}),
        (Role.MANAGER, {"critical_failure", "low_score", "dispute_opened", "weekly_digest"}),
        (Role.STAFF, {"dispute_decided", "action_assigned", "action_overdue", "weekly_digest"}),
        (Role.AUDITOR, set()),
    ],
)
def test_each_role_starts_with_what_it_hears_switched_on(client_for, org, role, on):
    person = UserFactory(organization=org, role=role)

    assert settings_of(client_for(person)) == {kind: kind in on for kind in KINDS}


def test_a_manager_switches_the_digest_off_and_keeps_the_rest(client_for, manager):
    client = client_for(manager)

    response = client.patch("/api/v1/me/", {"notifications": {"weekly_digest": False}}, format="json")

    assert response.status_code == 200
    assert response.json()["notifications"]["weekly_digest"] is False
    assert response.json()["notifications"]["critical_failure"] is True
    assert settings_of(client)["weekly_digest"] is False
    assert User.objects.get(pk=manager.pk).notification_settings == {"weekly_digest": False}


def test_a_kind_switched_off_can_be_switched_on_again(client_for, staff):
    client = client_for(staff)
    client.patch("/api/v1/me/", {"notifications": {"action_overdue": False}}, format="json")

    response = client.patch("/api/v1/me/", {"notifications": {"action_overdue": True}}, format="json")

    assert response.json()["notifications"]["action_overdue"] is True


def test_unknown_kinds_are_refused_each_at_its_path(client_for, admin):
    response = client_for(admin).patch(
        "/api/v1/me/", {"notifications": {"birthday": True, "sms": False, "low_score": False}}, format="json"
    )

    assert response.status_code == 400
    assert sorted(e["attr"] for e in response.json()["errors"]) == [
        "notifications.birthday",
        "notifications.sms",
    ]
    assert User.objects.get(pk=admin.pk).notification_settings == {}  # nothing half-applied


def test_a_kind_the_role_never_hears_cannot_be_switched_on(client_for, staff):
    response = client_for(staff).patch(
        "/api/v1/me/", {"notifications": {"critical_failure": True, "weekly_digest": False}}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == ("notifications.critical_failure", "not_for_role")
    assert settings_of(client_for(staff))["weekly_digest"] is True


def test_switching_off_a_kind_the_role_never_hears_is_harmless(client_for, auditor):
    response = client_for(auditor).patch(
        "/api/v1/me/", {"notifications": dict.fromkeys(KINDS, False)}, format="json"
    )

    assert response.status_code == 200
    assert set(response.json()["notifications"].values()) == {False}


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"notifications": {"weekly_digest": "false"}}, "notifications.weekly_digest"),
        ({"notifications": {"weekly_digest": 0}}, "notifications.weekly_digest"),
        ({"notifications": {"weekly_digest": None}}, "notifications.weekly_digest"),
        ({"notifications": ["weekly_digest"]}, "notifications.non_field_errors"),
        ({"notifications": None}, "notifications"),
        ({"display_name": "Me"}, "display_name"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(client_for, manager, body, attr):
    response = client_for(manager).patch("/api/v1/me/", body, format="json")

    assert response.status_code == 400
    assert attr in [e["attr"] for e in response.json()["errors"]]


def test_a_role_change_brings_the_new_roles_defaults_and_keeps_choices(client_for, org, location):
    person = UserFactory(organization=org, role=Role.MANAGER)
    client_for(person).patch("/api/v1/me/", {"notifications": {"weekly_digest": False}}, format="json")
    # A plain UPDATE: a role change through save() would also end the person's tokens.
    User.objects.filter(pk=person.pk).update(role=Role.STAFF)
    person.locations.set([location])

    notifications = settings_of(client_for(User.objects.get(pk=person.pk)))

    assert notifications["critical_failure"] is False  # no longer heard
    assert notifications["action_assigned"] is True  # the new role's default
    assert notifications["weekly_digest"] is False  # their own choice stays


def test_an_empty_patch_changes_nothing(client_for, staff):
    response = client_for(staff).patch("/api/v1/me/", {}, format="json")

    assert response.status_code == 200 and response.json()["notifications"]["weekly_digest"] is True


def test_api_keys_have_no_notification_settings(key_client_for, org):
    client = key_client_for(org, ["read", "write"])

    response = client.patch("/api/v1/me/", {"notifications": {"weekly_digest": False}}, format="json")

    assert response.status_code == 403


def test_patching_me_costs_a_fixed_number_of_queries(client_for, manager, django_assert_num_queries):
    client = client_for(manager)
    client.get("/api/v1/me/")

    # authentication, BEGIN, the locked row, the update, COMMIT, the organization, regions, locations
    with django_assert_num_queries(8):
        response = client.patch("/api/v1/me/", {"notifications": {"low_score": False}}, format="json")
    assert response.status_code == 200
