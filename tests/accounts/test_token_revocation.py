"""Refresh tokens rotate and are single-use; a password change, deactivation, role change or
forgetting ends every token the person holds, access tokens included, at once."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.services import user_create
from audits.services import auditor_forget
from tests.factories import UserFactory

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
ME = "/api/v1/me/"
PASSWORD = "correct-horse-battery"  # the factories' password


def login(username, password=PASSWORD):
    response = APIClient().post(TOKEN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def me(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get(ME)


def refresh(token):
    return APIClient().post(REFRESH, {"refresh": token}, format="json")


def assert_revoked(tokens):
    """Both tokens fail now: the access token on the very next call, the refresh token at refresh."""
    denied = me(tokens["access"])
    assert denied.status_code == 401
    assert denied.json()["errors"][0]["code"] == "token_not_valid"
    refused = refresh(tokens["refresh"])
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "token_not_valid"


# --- rotation -----------------------------------------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_token_is_spent(auditor):
    tokens = login("otto")

    first = refresh(tokens["refresh"])
    again = refresh(tokens["refresh"])

    assert first.status_code == 200
    assert set(first.json()) == {"access", "refresh"}
    assert first.json()["refresh"] != tokens["refresh"]
    assert me(first.json()["access"]).status_code == 200
    assert again.status_code == 401
    assert again.json()["errors"][0]["code"] == "token_not_valid"
    assert refresh(first.json()["refresh"]).status_code == 200  # the new one works, once


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real parallel requests need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_one_refresh_token_used_twice_at_once_rotates_once(org):
    UserFactory(organization=org, username="otto")
    token = login("otto")["refresh"]
    start = threading.Barrier(8)
    statuses = []

    def use():
        try:
            start.wait()
            statuses.append(refresh(token).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(statuses) == [200] + [401] * 7


# --- revocation ---------------------------------------------------------------------------------


def test_password_change_through_the_api_ends_old_tokens(client_for, admin, auditor):
    tokens = login("otto")

    changed = client_for(admin).patch(
        f"/api/v1/users/{auditor.pk}/", {"password": "a-new-passphrase"}, format="json"
    )

    assert changed.status_code == 200
    assert_revoked(tokens)
    assert me(login("otto", "a-new-passphrase")["access"]).status_code == 200


def test_password_change_in_the_admin_site_ends_old_tokens(org, auditor):
    tokens = login("otto")
    operator = User.objects.create_superuser("root", password="long-enough-1")
    browser = Client()
    browser.force_login(operator)

    response = browser.post(
        f"/admin/accounts/user/{auditor.pk}/password/",
        {"usable_password": "true", "password1": "a-new-passphrase", "password2": "a-new-passphrase"},
    )

    assert response.status_code == 302
    assert_revoked(tokens)


def test_set_password_from_a_shell_ends_old_tokens(auditor):
    tokens = login("otto")
    user = User.objects.get(username="otto")

    user.set_password("a-new-passphrase")
    user.save()

    assert_revoked(tokens)


def test_changepassword_command_ends_old_tokens(auditor, monkeypatch):
    tokens = login("otto")
    monkeypatch.setattr("getpass.getpass", lambda *args, **kwargs: "a-new-passphrase")

    call_command("changepassword", "otto", verbosity=0)

    assert_revoked(tokens)


@pytest.mark.parametrize(
    "change",
    [{"is_active": False}, {"role": "staff"}, {"role": "manager"}],
    ids=["deactivated", "made staff", "made manager"],
)
def test_deactivation_or_a_role_change_ends_old_tokens(client_for, admin, auditor, change):
    tokens = login("otto")

    assert client_for(admin).patch(f"/api/v1/users/{auditor.pk}/", change, format="json").status_code == 200

    assert_revoked(tokens)


def test_demoted_admin_loses_their_tokens(client_for, admin, org):
    user_create(organization=org, username="bob", password="long-enough-1", role=Role.ADMIN)
    tokens = login("bob", "long-enough-1")
    bob = User.objects.get(username="bob")

    assert (
        client_for(admin).patch(f"/api/v1/users/{bob.pk}/", {"role": "manager"}, format="json").status_code
        == 200
    )

    assert_revoked(tokens)


def test_tokens_of_a_deactivated_person_stay_dead_after_reactivation(client_for, admin, auditor):
    tokens = login("otto")
    client = client_for(admin)

    assert client.delete(f"/api/v1/users/{auditor.pk}/").status_code == 204
    assert client.patch(f"/api/v1/users/{auditor.pk}/", {"is_active": True}, format="json").status_code == 200

    assert_revoked(tokens)
    assert me(login("otto")["access"]).status_code == 200


def test_admin_site_deactivation_or_demotion_ends_old_tokens(org, auditor):
    tokens = login("otto")
    operator = User.objects.create_superuser("root", password="long-enough-1")
    browser = Client()
    browser.force_login(operator)

    response = browser.post(
        f"/admin/accounts/user/{auditor.pk}/change/",
        {"username": "otto", "organization": org.pk, "role": "auditor", "display_name": "", "email": ""},
    )

    assert response.status_code == 302
    assert_revoked(tokens)


def test_forgetting_ends_old_tokens(auditor):
    tokens = login("otto")

    auditor_forget(user=auditor)

    assert_revoked(tokens)


def test_unrelated_changes_keep_tokens_working(client_for, admin, auditor):
    tokens = login("otto")

    changed = client_for(admin).patch(
        f"/api/v1/users/{auditor.pk}/", {"display_name": "Otto O.", "email": "o@example.com"}, format="json"
    )

    assert changed.status_code == 200
    assert me(tokens["access"]).status_code == 200
    assert refresh(tokens["refresh"]).status_code == 200


def test_other_peoples_tokens_are_untouched(client_for, admin, auditor, staff):
    theirs = login("stella")

    client_for(admin).patch(f"/api/v1/users/{auditor.pk}/", {"password": "a-new-passphrase"}, format="json")

    assert me(theirs["access"]).status_code == 200
