"""One person per name: usernames are unique after NFKC, case folding and dotted/dotless-i folding,
enforced by a unique index on the stored key, on every path that writes a username."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from accounts.models import Role, User
from accounts.services import user_create
from accounts.usernames import username_key
from audits.services import auditor_forget
from tests.conftest import jwt_client
from tests.factories import UserFactory

USERS = "/api/v1/users/"
TOKEN = "/api/v1/auth/token/"


def create(client, username):
    return client.post(
        USERS, {"username": username, "password": "long-enough-1", "role": "auditor"}, format="json"
    )


@pytest.mark.parametrize(
    ("existing", "variant"),
    [
        ("élise", "ÉLISE"),  # non-ASCII case: SQLite's LIKE/iexact only folds ASCII
        ("admin", "ＡＤＭＩＮ"),  # fullwidth
        ("admin", "ａｄｍｉｎ"),
        ("admin", "ADMİN"),  # capital I with dot above
        ("admin", "admın"),  # dotless i
        ("strasse", "STRAßE"),  # casefold, not lower()
        ("ﬁne", "fine"),  # a ligature
    ],
)
def test_case_and_lookalike_variants_of_a_taken_name_are_a_conflict(client_for, admin, existing, variant):
    client = client_for(admin)
    assert create(client, existing).status_code == 201

    response = create(client, variant)

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "username_taken"
    assert User.objects.filter(username_key=username_key(existing)).count() == 1


def test_the_database_refuses_a_variant_whatever_path_writes_it(org):
    UserFactory(organization=org, username="élise")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(organization=org, username="ÉLISE")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(organization=org, username="ÉlisE")])


def test_names_are_stored_in_nfkc_and_answer_as_stored(client_for, admin):
    response = create(client_for(admin), "ｋｉｍ")

    assert response.status_code == 201
    assert response.json()["username"] == "kim"


def test_mixed_script_lookalikes_are_refused(client_for, admin):
    response = create(client_for(admin), "аdmin")  # Cyrillic а, then Latin

    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "confusable_username",
        "detail": "Usernames may not mix scripts with look-alike letters (e.g. Cyrillic and Latin).",
        "attr": "username",
    }


def test_a_single_script_name_in_another_alphabet_is_fine(client_for, admin):
    assert create(client_for(admin), "алексей").status_code == 201
    assert create(client_for(admin), "Ελένη").status_code == 201


def test_names_of_forgotten_people_are_reserved(client_for, admin):
    response = create(client_for(admin), "Deleted-42")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "reserved_username"


def test_a_name_too_long_once_normalized_is_a_400_not_a_crash(client_for, admin):
    response = create(client_for(admin), "\ufdfa" * 10)  # each expands to 18 characters under NFKC

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "username"


def test_login_finds_the_person_by_the_normalized_name(anon, org):
    user_create(organization=org, username="Élise", password="long-enough-1", role=Role.AUDITOR)

    for typed in ("Élise", "élise", "ÉLISE", "ＥＬＩＳＥ".replace("Ｅ", "É", 1)):
        response = anon.post(TOKEN, {"username": typed, "password": "long-enough-1"}, format="json")
        assert response.status_code == 200, typed


# --- the admin site -----------------------------------------------------------------------------


@pytest.fixture
def browser(org):
    ada = user_create(organization=org, username="ada", password="long-enough-1", role=Role.ADMIN)
    client = Client()
    client.force_login(ada)
    return client


def change_form(user, username):
    return {
        "username": username,
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role,
        "is_active": "on",
    }


def test_admin_site_refuses_renaming_someone_onto_anothers_name(browser, staff, auditor):
    response = browser.post(f"/admin/accounts/user/{auditor.pk}/change/", change_form(auditor, "STELLA"))

    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    auditor.refresh_from_db()
    assert auditor.username == "otto"


def test_admin_site_rename_keeps_the_key_in_step(browser, auditor, anon):
    response = browser.post(f"/admin/accounts/user/{auditor.pk}/change/", change_form(auditor, "Otto2"))

    assert response.status_code == 302
    auditor.refresh_from_db()
    assert (auditor.username, auditor.username_key) == ("Otto2", "otto2")
    login = anon.post(TOKEN, {"username": "otto2", "password": "correct-horse-battery"}, format="json")
    assert login.status_code == 200


def test_admin_site_refuses_adding_a_variant_of_a_taken_name(browser, staff):
    response = browser.post(
        "/admin/accounts/user/add/",
        {
            "username": "Stella",
            "usable_password": "true",
            "password1": "long-enough-1",
            "password2": "long-enough-1",
            "role": "auditor",
        },
    )

    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.filter(username_key="stella").count() == 1


# --- commands -----------------------------------------------------------------------------------


def test_bootstrap_org_treats_a_case_variant_as_the_same_admin(db, capsys):
    call_command("bootstrap_org", name="Acme", admin="Alice", password="long-enough-1")
    first = capsys.readouterr().out

    call_command("bootstrap_org", name="Acme", admin="alice", password="long-enough-1")

    assert capsys.readouterr().out.splitlines()[0] == first.splitlines()[0]
    assert User.objects.count() == 1


def test_bootstrap_org_refuses_a_variant_of_someone_elses_name(db, staff):
    with pytest.raises(CommandError, match="already belongs to someone else"):
        call_command("bootstrap_org", name="Other", admin="STELLA", password="long-enough-1")


def test_createsuperuser_refuses_a_variant_of_a_taken_name(db, staff, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "long-enough-1")

    with pytest.raises(CommandError, match="already taken"):
        call_command("createsuperuser", username="STELLA", email="", interactive=False, verbosity=0)
    assert not User.objects.filter(is_superuser=True).exists()


def test_forgetting_keeps_the_key_in_step_and_frees_the_name(client_for, admin, auditor):
    auditor_forget(user=auditor)

    auditor.refresh_from_db()
    assert auditor.username_key == f"deleted-{auditor.pk}"
    assert create(client_for(admin), "OTTO").status_code == 201


# --- under concurrency --------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real parallel inserts need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_case_variants_store_exactly_one(org):
    admin = UserFactory(organization=org, role=Role.ADMIN, username="alice")
    variants = ["élise", "Élise", "ÉLISE", "éLISE", "ÉlIsE", "élisE", "ÉliSe", "élIse", "ÉLise", "élISE"]
    variants += ["ｅｌｉｓｅ".replace("ｅ", "é", 1)] + [v + "" for v in variants[:9]]
    start = threading.Barrier(len(variants))
    statuses = []

    def post(name):
        try:
            client = jwt_client(admin)
            start.wait()
            statuses.append(create(client, name).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(name,)) for name in variants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(statuses) == [201] + [409] * (len(variants) - 1)
    assert User.objects.filter(username_key="élise").count() == 1
