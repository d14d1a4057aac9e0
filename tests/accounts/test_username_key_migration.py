"""The migration that adds ``username_key`` fills it for people who exist already, and stops,
naming them, when two existing names are one name once normalized."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def _node(executor, suffix):
    return next(
        key for key in executor.loader.graph.nodes if key[0] == "accounts" and key[1].endswith(suffix)
    )


@pytest.fixture
def before_keys():
    """Migrates accounts back to just before the key; returns (historical User model, migrate_forward)."""
    executor = MigrationExecutor(connection)
    fill = _node(executor, "_user_username_key_token_generation")
    unique = _node(executor, "_user_username_key_unique")
    previous = [dep for dep in executor.loader.get_migration(*fill).dependencies if dep[0] == "accounts"]
    executor.migrate(previous)
    old_user = executor.loader.project_state(previous).apps.get_model("accounts", "User")

    def forward():
        fresh = MigrationExecutor(connection)
        fresh.migrate([unique])

    yield old_user, forward
    old_user.objects.all().delete()
    latest = MigrationExecutor(connection)
    latest.migrate(latest.loader.graph.leaf_nodes())


def test_existing_people_get_their_key(before_keys):
    old_user, forward = before_keys
    old_user.objects.create(username="Élise", password="x")
    old_user.objects.create(username="ＢＯＢ", password="x")

    forward()

    with connection.cursor() as cursor:
        cursor.execute("SELECT username, username_key FROM accounts_user ORDER BY id")
        assert cursor.fetchall() == [("Élise", "élise"), ("ＢＯＢ", "bob")]


def test_names_that_collide_once_normalized_stop_the_migration(before_keys):
    old_user, forward = before_keys
    old_user.objects.create(username="élise", password="x")
    old_user.objects.create(username="ÉLISE", password="x")

    with pytest.raises(RuntimeError, match=r"'élise' \(id \d+\), 'ÉLISE' \(id \d+\)"):
        forward()
