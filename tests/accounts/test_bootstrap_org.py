"""``manage.py bootstrap_org``: an organization and its first admin, idempotently."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Organization, Role, User


def bootstrap(*args) -> str:
    out = StringIO()
    call_command("bootstrap_org", *args, stdout=out)
    return out.getvalue()


ARGS = ["--name", "Acme Coffee", "--admin", "alice", "--password", "s3cret-enough"]


def test_creates_the_organization_and_its_admin_and_prints_ids(db):
    output = bootstrap(*ARGS)

    organization = Organization.objects.get(name="Acme Coffee")
    admin = User.objects.get(username="alice")
    assert output.splitlines()[0] == f"organization_id={organization.pk} admin_id={admin.pk}"
    assert admin.organization == organization
    assert admin.role == Role.ADMIN
    assert admin.check_password("s3cret-enough")


def test_running_again_changes_nothing_and_prints_the_same_ids(db):
    first = bootstrap(*ARGS)
    alice = User.objects.get(username="alice")

    again = bootstrap("--name", "Acme Coffee", "--admin", "alice", "--password", "a-different-one")

    assert again.splitlines()[0] == first.splitlines()[0]
    assert "nothing changed" in again
    assert Organization.objects.count() == 1 and User.objects.count() == 1
    alice.refresh_from_db()
    assert alice.check_password("s3cret-enough")  # not reset


def test_the_new_admin_can_log_in(db, anon):
    bootstrap(*ARGS)

    response = anon.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "s3cret-enough"}, format="json"
    )

    assert response.status_code == 200


def test_a_username_of_another_organization_is_refused_and_nothing_is_created(db):
    bootstrap(*ARGS)

    with pytest.raises(CommandError, match="belongs to someone else"):
        bootstrap("--name", "Rival Roasters", "--admin", "alice", "--password", "s3cret-enough")

    assert not Organization.objects.filter(name="Rival Roasters").exists()


def test_a_weak_password_is_refused(db):
    with pytest.raises(CommandError, match="too short"):
        bootstrap("--name", "Acme Coffee", "--admin", "alice", "--password", "short")

    assert not Organization.objects.exists()


def test_password_may_come_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("BOOTSTRAP_ADMIN_PASSWORD", "from-the-env-1")
    # the default is read when the parser is built, i.e. at each call
    bootstrap("--name", "Acme Coffee", "--admin", "alice")

    assert User.objects.get(username="alice").check_password("from-the-env-1")
