"""No row without its objects, no objects without a row: write order, rollback and the sweeper."""

import datetime as dt
import io
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from core.exceptions import StorageUnavailable
from photos import services, storage
from photos.models import Photo
from webhooks.models import Event

from . import images

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_media_root(settings, tmp_path):
    """A media root of this test's own, so listing the store sees only what this test wrote."""
    settings.MEDIA_ROOT = str(tmp_path)


def stored_names() -> set[str]:
    return set(storage.walk_objects())


def add(visit, actor, data=None, photo_id=None, item=""):
    return services.photo_add(
        actor=actor,
        visit=visit,
        photo_id=photo_id or uuid.uuid4(),
        item_key=item,
        image=io.BytesIO(data or images.jpeg()),
    )


def test_a_failed_database_write_removes_the_uploaded_objects(monkeypatch, visit, auditor):
    def broken_event(*args, **kwargs):
        raise RuntimeError("database went away mid-transaction")

    monkeypatch.setattr(services, "photo_added_publish", broken_event)
    with pytest.raises(RuntimeError):
        add(visit, auditor)
    assert not Photo.objects.exists()
    assert stored_names() == set()


def test_a_store_failing_half_way_leaves_neither_objects_nor_a_row(
    monkeypatch, client_for, auditor, visit, upload
):
    real_save = default_storage.save

    def save_then_fail(name, content, *args, **kwargs):
        if name.endswith("-thumb.jpg"):
            raise OSError("disk full")
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(default_storage, "save", save_then_fail)
    client = client_for(auditor)
    client.raise_request_exception = False
    response = upload(client, visit, images.jpeg())
    assert response.status_code == 503
    assert not Photo.objects.exists() and not Event.objects.exists()
    assert stored_names() == set()


def test_every_row_points_at_objects_that_exist(visit, auditor):
    for seed in range(3):
        add(visit, auditor, images.jpeg(images.scene(seed=seed)))
    for photo in Photo.objects.all():
        assert default_storage.exists(photo.image) and default_storage.exists(photo.thumbnail)
    assert stored_names() == {n for p in Photo.objects.all() for n in (p.image, p.thumbnail)}


def stale_first_lookup(monkeypatch) -> None:
    """The loser of a race passed the "already there?" check before the winner committed."""
    real_lookup = services.photo_by_id
    calls = []

    def stale_then_real(pk):
        calls.append(pk)
        return None if len(calls) == 1 else real_lookup(pk)

    monkeypatch.setattr(services, "photo_by_id", stale_then_real)


def test_a_twin_that_lost_the_insert_race_answers_the_winner_and_keeps_its_objects(
    monkeypatch, visit, auditor
):
    photo_id = uuid.uuid4()
    data = images.jpeg()
    winner = add(visit, auditor, data, photo_id=photo_id).photo
    stale_first_lookup(monkeypatch)
    result = add(visit, auditor, data, photo_id=photo_id)
    assert result.created is False and result.photo.pk == winner.pk
    assert stored_names() == {winner.image, winner.thumbnail}


def test_a_twin_with_different_bytes_removes_only_its_own_objects(monkeypatch, visit, auditor):
    photo_id = uuid.uuid4()
    winner = add(visit, auditor, images.jpeg(images.scene(seed=1)), photo_id=photo_id).photo
    real_lookup = services.photo_by_id
    calls = []
    monkeypatch.setattr(
        services,
        "photo_by_id",
        lambda pk: None if not calls.append(pk) and len(calls) == 1 else real_lookup(pk),
    )
    result = add(visit, auditor, images.jpeg(images.scene(seed=2)), photo_id=photo_id)
    assert result.photo.pk == winner.pk and result.photo.content_hash == winner.content_hash
    assert stored_names() == {winner.image, winner.thumbnail}


def test_cleanup_removes_objects_without_rows_and_keeps_the_rest(visit, auditor):
    kept = add(visit, auditor).photo
    orphan = f"photos/{visit.organization_id}/{visit.pk}/{uuid.uuid4()}/0123456789abcdef-display.jpg"
    stray = "photos/not-even-a-photo.txt"
    default_storage.save(orphan, ContentFile(b"left by a crash"))
    default_storage.save(stray, ContentFile(b"?"))

    out = io.StringIO()
    call_command("photos_cleanup", "--older-than-minutes", "0", "--dry-run", stdout=out)
    assert "would remove 2" in out.getvalue()
    assert default_storage.exists(orphan)

    call_command("photos_cleanup", "--older-than-minutes", "0", stdout=io.StringIO())
    assert stored_names() == {kept.image, kept.thumbnail}


def test_cleanup_spares_objects_of_uploads_still_in_flight(visit):
    fresh = f"photos/{visit.organization_id}/{visit.pk}/{uuid.uuid4()}/0123456789abcdef-display.jpg"
    default_storage.save(fresh, ContentFile(b"row about to be committed"))
    assert services.photos_cleanup(older_than=dt.timedelta(minutes=60)) == []
    assert default_storage.exists(fresh)


def test_deleting_a_photo_removes_row_then_objects(django_capture_on_commit_callbacks, visit, auditor):
    photo = add(visit, auditor).photo
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(photo=photo)
    assert not Photo.objects.exists()
    assert stored_names() == set()


def test_storage_unavailable_on_a_renaming_store(monkeypatch):
    """A store that renames objects would leave rows pointing nowhere: refuse instead."""
    monkeypatch.setattr(default_storage, "save", lambda name, content, **kw: name + "_x7Hq2")
    monkeypatch.setattr(default_storage, "delete", lambda name: None)
    with pytest.raises(StorageUnavailable):
        storage.put_objects({"photos/a.jpg": b"1"})
