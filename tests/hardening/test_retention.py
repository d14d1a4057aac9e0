"""Retention: a departed auditor is forgotten while their visits stay; old photos are purged."""

import datetime as dt
import io
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import Role, User
from audits.models import Assignment, AssignmentStatus, Visit, VisitHistory
from core.exceptions import RetentionError
from photos.models import Photo
from photos.services import photos_purge
from tests.factories import AssignmentFactory, ChecklistFactory, PhotoFactory, UserFactory, VisitFactory


def make_visit(*, auditor, location, started_at=None, assignment=None) -> Visit:
    """A stored, scored mystery visit (made through the ORM: retention does not care how)."""
    checklist = assignment.checklist if assignment else ChecklistFactory(organization=location.organization)
    return VisitFactory(
        location=location,
        assignment=assignment,
        checklist=checklist,
        checklist_version=checklist.versions.get(number=1),
        auditor=auditor,
        started_at=started_at or timezone.now() - dt.timedelta(hours=2),
        score=87.5,
        passed=True,
        notes="Friendly barista.",
    )


def make_photo(visit: Visit, *, size: int = 1000) -> Photo:
    pk = uuid.uuid4()
    return PhotoFactory(
        id=pk,
        visit=visit,
        image=default_storage.save(f"photos/{pk}.jpg", ContentFile(b"x" * size)),
        thumbnail=default_storage.save(f"photos/{pk}_thumb.jpg", ContentFile(b"t" * 10)),
        size_bytes=size,
    )


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- forget_auditor ---------------------------------------------------------------------------


@pytest.fixture
def departed(org, location):
    """An auditor with names, e-mail, one submitted visit and one assignment still open."""
    user = UserFactory(
        organization=org,
        role=Role.AUDITOR,
        username="jane.doe",
        display_name="Jane Doe",
        first_name="Jane",
        last_name="Doe",
        email="jane@example.com",
        locations=[location],
    )
    done = AssignmentFactory(location=location, auditor=user, status=AssignmentStatus.SUBMITTED)
    visit = make_visit(auditor=user, location=location, assignment=done)
    VisitHistory.objects.create(visit=visit, action="submitted", actor=user)
    AssignmentFactory(location=location, auditor=user)
    return user


def test_forgetting_erases_personal_data(departed):
    output = run("forget_auditor", "jane.doe", "--yes")

    user = User.objects.get(pk=departed.pk)
    assert user.username == f"deleted-{departed.pk}"
    assert (user.first_name, user.last_name, user.email, user.display_name) == ("", "", "", "")
    assert not user.has_usable_password()
    assert user.is_active is False
    assert user.pseudonymised_at is not None
    assert list(user.locations.all()) == []
    assert f"now deleted-{departed.pk}" in output


def test_forgetting_keeps_the_visits_and_their_history(departed):
    visit = Visit.objects.get(auditor=departed)

    run("forget_auditor", "jane.doe", "--yes")

    visit.refresh_from_db()
    assert visit.auditor_id == departed.pk
    assert visit.score == 87.5 and visit.notes == "Friendly barista."
    entry = VisitHistory.objects.get(visit=visit)
    assert entry.actor.username == f"deleted-{departed.pk}"
    assert "Jane" not in str(entry.actor)


def test_after_forgetting_no_response_names_the_auditor(departed, admin, client_for):
    visit = Visit.objects.get(auditor=departed)
    run("forget_auditor", "jane.doe", "--yes")
    client = client_for(admin)

    responses = [
        client.get(f"/api/v1/visits/{visit.pk}/"),
        client.get(f"/api/v1/visits/{visit.pk}/history/"),
        client.get(f"/api/v1/users/{departed.pk}/"),
        client.get("/api/v1/users/"),
    ]

    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    for response in responses:
        text = response.content.decode().lower()
        assert "jane" not in text and "doe" not in text
    history = responses[1].json()["results"]
    assert history[0]["actor"] == {"id": departed.pk, "display_name": f"deleted-{departed.pk}"}
    assert responses[2].json()["is_active"] is False


def test_forgetting_cancels_open_assignments_so_they_can_be_reassigned(departed):
    run("forget_auditor", "jane.doe", "--yes")

    statuses = sorted(Assignment.objects.filter(auditor=departed).values_list("status", flat=True))
    assert statuses == [AssignmentStatus.CANCELLED, AssignmentStatus.SUBMITTED]


def test_forgotten_auditors_tokens_stop_working(departed, rf):
    token = str(AccessToken.for_user(departed))
    run("forget_auditor", str(departed.pk), "--yes")

    request = rf.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    with pytest.raises(AuthenticationFailed):
        JWTAuthentication().authenticate(request)


def test_forgotten_auditors_refresh_token_gets_no_new_access(departed, anon):
    refresh = str(RefreshToken.for_user(departed))
    run("forget_auditor", "jane.doe", "--yes")

    response = anon.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")

    assert response.status_code == 401


def test_forgotten_auditor_cannot_log_in_under_either_name(departed, anon):
    run("forget_auditor", "jane.doe", "--yes")

    for username in ("jane.doe", f"deleted-{departed.pk}"):
        response = anon.post(
            "/api/v1/auth/token/", {"username": username, "password": "correct-horse-battery"}, format="json"
        )
        assert response.status_code == 401


def test_forget_accepts_a_user_id(departed):
    run("forget_auditor", str(departed.pk), "--yes")

    assert User.objects.get(pk=departed.pk).username == f"deleted-{departed.pk}"


def test_forgetting_twice_changes_nothing(departed):
    run("forget_auditor", "jane.doe", "--yes")
    first = User.objects.get(pk=departed.pk).pseudonymised_at

    output = run("forget_auditor", f"deleted-{departed.pk}", "--yes")

    assert "already forgotten" in output
    assert User.objects.get(pk=departed.pk).pseudonymised_at == first


def test_forget_asks_before_acting_and_a_no_changes_nothing(departed, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda question: "n")

    with pytest.raises(CommandError, match="Aborted"):
        run("forget_auditor", "jane.doe")

    assert User.objects.get(pk=departed.pk).username == "jane.doe"


def test_forget_after_a_yes_at_the_prompt(departed, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda question: "y")

    run("forget_auditor", "jane.doe")

    assert User.objects.get(pk=departed.pk).username == f"deleted-{departed.pk}"


def test_forget_unknown_user_is_an_error(db):
    with pytest.raises(CommandError, match="No user"):
        run("forget_auditor", "nobody", "--yes")


def test_forget_refuses_other_roles_unless_asked(manager):
    with pytest.raises(CommandError, match="not an auditor"):
        run("forget_auditor", manager.username, "--yes")
    assert User.objects.get(pk=manager.pk).username == manager.username

    run("forget_auditor", manager.username, "--yes", "--any-role")

    manager.refresh_from_db()
    assert manager.username == f"deleted-{manager.pk}" and list(manager.regions.all()) == []


def test_forget_leaves_other_people_alone(departed, auditor):
    run("forget_auditor", "jane.doe", "--yes")

    auditor.refresh_from_db()
    assert auditor.username == "otto" and auditor.is_active and auditor.pseudonymised_at is None


# --- purge_photos ------------------------------------------------------------------------------


@pytest.fixture
def old_and_new_photos(auditor, location):
    old_visit = make_visit(
        auditor=auditor, location=location, started_at=timezone.now() - dt.timedelta(days=800)
    )
    new_visit = make_visit(
        auditor=auditor, location=location, started_at=timezone.now() - dt.timedelta(days=10)
    )
    old = [make_photo(old_visit, size=1000), make_photo(old_visit, size=500)]
    new = [make_photo(new_visit)]
    return old, new


def test_purge_deletes_old_photos_objects_and_rows(old_and_new_photos):
    old, new = old_and_new_photos

    output = run("purge_photos", "--older-than-days", "730")

    assert "Deleted 2 photo(s) (4 stored object(s), 1500 byte(s))" in output
    assert list(Photo.objects.values_list("pk", flat=True)) == [new[0].pk]
    for photo in old:
        assert not default_storage.exists(photo.image)
        assert not default_storage.exists(photo.thumbnail)
    assert default_storage.exists(new[0].image) and default_storage.exists(new[0].thumbnail)


def test_purge_keeps_the_visits(old_and_new_photos):
    run("purge_photos", "--older-than-days", "730")

    assert Visit.objects.count() == 2


def test_purge_dry_run_only_counts(old_and_new_photos):
    old, _ = old_and_new_photos

    output = run("purge_photos", "--older-than-days", "730", "--dry-run")

    assert "Dry run: 2 photo(s), 1500 byte(s)" in output
    assert Photo.objects.count() == 3
    assert all(default_storage.exists(photo.image) for photo in old)


@override_settings(PHOTO_RETENTION_DAYS=5)
def test_purge_default_age_comes_from_settings(old_and_new_photos):
    run("purge_photos")

    assert Photo.objects.count() == 0


def test_purge_default_age_is_two_years(old_and_new_photos, monkeypatch):
    monkeypatch.delenv("PHOTO_RETENTION_DAYS", raising=False)

    run("purge_photos")

    assert Photo.objects.count() == 1


def test_purge_twice_is_harmless(old_and_new_photos):
    run("purge_photos", "--older-than-days", "730")

    assert "Deleted 0 photo(s)" in run("purge_photos", "--older-than-days", "730")


class BrokenStorage:
    """A photo store that has gone away."""

    def delete(self, name):
        raise ConnectionError("store unreachable")


def test_purge_stops_on_storage_failure_and_keeps_rows_for_the_next_run(old_and_new_photos):
    with pytest.raises(RetentionError, match="re-run"):
        photos_purge(days=730, storage=BrokenStorage())

    assert Photo.objects.count() == 3
    run("purge_photos", "--older-than-days", "730")
    assert Photo.objects.count() == 1


def test_purge_rejects_a_negative_age(db):
    with pytest.raises(CommandError, match="zero or more"):
        run("purge_photos", "--older-than-days", "-1")
