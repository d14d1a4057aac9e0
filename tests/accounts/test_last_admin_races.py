"""Two admins removing each other at once: one succeeds, the other is refused; one admin remains.

Every path that can take an admin away is raced against itself: the first removal runs in a
transaction that stays open until the second (another thread, another connection) has either
finished or is waiting on a lock the first holds. Without an organization-wide lock the second
sees the first's target still as an admin and goes ahead: zero admins. Needs PostgreSQL.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from accounts.models import Role, User
from accounts.services import user_create
from audits.services import auditor_forget
from core.exceptions import RetentionError
from tests.conftest import jwt_client

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def wait_until_blocked_or_done(thread, timeout=20.0):
    """Until ``thread`` has finished or waits on a lock this connection holds (read live in pg_locks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not thread.is_alive():
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("the second removal neither finished nor waited")


def race(first, second):
    """``first()`` in a transaction held open until ``second()`` (another thread) finished or waits."""
    outcome = {}

    def run():
        try:
            outcome["second"] = second()
        except Exception as exc:  # shown in the assertion
            outcome["second"] = repr(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        outcome["first"] = first()
        thread = threading.Thread(target=run)
        thread.start()
        wait_until_blocked_or_done(thread)
    thread.join(30)
    assert not thread.is_alive()
    return outcome


def admin_form(user, **changes):
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "role": user.role,
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# Each path: ``prepare(actor)`` logs the actor in (before the race: minting a token writes a row
# that refers to the user) and returns ``remove(target) -> (status, error code)``.


def api_patch(body):
    def prepare(actor):
        client = jwt_client(actor)

        def remove(target):
            response = client.patch(f"/api/v1/users/{target.pk}/", body, format="json")
            return response.status_code, response.json()["errors"][0][
                "code"
            ] if response.status_code >= 400 else ""

        return remove

    return prepare


def api_delete(actor):
    client = jwt_client(actor)

    def remove(target):
        response = client.delete(f"/api/v1/users/{target.pk}/")
        return response.status_code, response.json()["errors"][0][
            "code"
        ] if response.status_code >= 400 else ""

    return remove


def browser_for(user):
    browser = Client()
    browser.force_login(user)
    return browser


def admin_site_change(**changes):
    def prepare(actor):
        browser = browser_for(actor)

        def remove(target):
            response = browser.post(
                f"/admin/accounts/user/{target.pk}/change/", admin_form(target, **changes)
            )
            if response.status_code == 302:
                return 302, ""
            refused = "at least one active admin" in response.content.decode()
            return response.status_code, "last_admin" if refused else ""

        return remove

    return prepare


def operator():
    return User.objects.get_or_create(
        username="root", defaults={"is_superuser": True, "is_staff": True, "organization": None}
    )[0]


def admin_site_delete(actor):
    browser = browser_for(operator())

    def remove(target):
        response = browser.post(f"/admin/accounts/user/{target.pk}/delete/", {"post": "yes"})
        if response.status_code == 302:
            return 302, ""
        return response.status_code, "last_admin" if "last active admin" in response.content.decode() else ""

    return remove


def admin_site_bulk_delete(actor):
    browser = browser_for(operator())

    def remove(target):
        response = browser.post(
            "/admin/accounts/user/",
            {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"},
        )
        if not User.objects.filter(pk=target.pk).exists():
            return 302, ""
        return response.status_code, "last_admin" if "last active admin" in response.content.decode() else ""

    return remove


def forget(actor):
    def remove(target):
        try:
            auditor_forget(user=target, allow_any_role=True)
        except RetentionError as exc:
            return 409, "last_admin" if "at least one active admin" in str(exc) else str(exc)
        return 200, ""

    return remove


PATHS = {
    "PATCH role": (api_patch({"role": "auditor"}), 200, 409),
    "PATCH is_active": (api_patch({"is_active": False}), 200, 409),
    "DELETE": (api_delete, 204, 409),
    "admin site role": (admin_site_change(role="auditor"), 302, 200),
    "admin site is_active": (admin_site_change(is_active=None), 302, 200),
    "admin site delete": (admin_site_delete, 302, 200),
    "admin site bulk delete": (admin_site_bulk_delete, 302, 200),
    "forget_auditor --any-role": (forget, 200, 409),
}


@pytest.fixture
def two_admins(org):
    alice = user_create(organization=org, username="alice", password="long-enough-1", role=Role.ADMIN)
    bob = user_create(organization=org, username="bob", password="long-enough-1", role=Role.ADMIN)
    return alice, bob


@pytest.mark.parametrize("path", list(PATHS))
def test_two_admins_removing_each_other_at_once_leave_one_admin(path, two_admins):
    prepare, ok, refused = PATHS[path]
    alice, bob = two_admins
    as_alice, as_bob = prepare(alice), prepare(bob)

    outcome = race(lambda: as_alice(bob), lambda: as_bob(alice))

    assert outcome == {"first": (ok, ""), "second": (refused, "last_admin")}
    assert list(User.objects.filter(role=Role.ADMIN, is_active=True).values_list("username", flat=True)) == [
        "alice"
    ]


def test_api_and_admin_site_removals_race_each_other_too(two_admins):
    alice, bob = two_admins

    api_as_alice, site_as_bob = api_patch({"role": "manager"})(alice), admin_site_change(role="auditor")(bob)

    outcome = race(lambda: api_as_alice(bob), lambda: site_as_bob(alice))

    assert outcome == {"first": (200, ""), "second": (200, "last_admin")}
    assert User.objects.filter(role=Role.ADMIN, is_active=True).count() == 1
