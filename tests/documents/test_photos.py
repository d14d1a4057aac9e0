"""Thumbnails in the report come from the photo store, local or S3; one the store cannot give is a
placeholder, never a failed report."""

import io
import uuid

import pypdf
import pytest
from botocore.exceptions import EndpointConnectionError
from django.core.files.storage import default_storage

from disputes.services import dispute_open, evidence_add
from documents.thumbnails import load_thumbnails
from photos.models import Photo
from tests.photos.conftest import BUCKET
from tests.photos.images import jpeg, scene

from .conftest import add_photo, dispute_body, pdf_text, report_url

pytestmark = pytest.mark.django_db

PLACEHOLDER = "Photo unavailable"


def embedded_images(content: bytes) -> int:
    return sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_thumbnails_come_from_local_storage(client_for, manager, auditor, visit):
    add_photo(visit, auditor, item="storefront", seed=1)
    add_photo(visit, auditor, seed=2)
    response = client_for(manager).get(report_url(visit))
    assert embedded_images(response.content) == 2
    text = pdf_text(response.content)
    assert "Photos Photo of the storefront" in text and "General" in text and PLACEHOLDER not in text


def test_a_missing_thumbnail_is_a_placeholder(client_for, manager, auditor, visit):
    kept = add_photo(visit, auditor, item="storefront", seed=1)
    lost = add_photo(visit, auditor, seed=2)
    default_storage.delete(Photo.objects.get(pk=lost.photo.pk).thumbnail)
    response = client_for(manager).get(report_url(visit))
    assert response.status_code == 200
    assert embedded_images(response.content) == 1
    assert pdf_text(response.content).count(PLACEHOLDER) == 1
    assert kept.photo.pk != lost.photo.pk


def test_a_thumbnail_that_is_not_a_picture_is_a_placeholder(client_for, manager, auditor, visit):
    added = add_photo(visit, auditor, seed=1)
    name = Photo.objects.get(pk=added.photo.pk).thumbnail
    default_storage.delete(name)
    default_storage.save(name, io.BytesIO(b"not a jpeg at all"))
    response = client_for(manager).get(report_url(visit))
    assert response.status_code == 200 and PLACEHOLDER in pdf_text(response.content)


def test_dispute_evidence_is_not_among_the_visits_photos(client_for, manager, staff, auditor, visit):

    add_photo(visit, auditor, seed=1)
    dispute, _ = dispute_open(actor=staff, visit_id=visit.pk, data=dispute_body())
    evidence_add(
        actor=staff,
        dispute=dispute,
        photo_id=uuid.uuid4(),
        item_key="",
        image=io.BytesIO(jpeg(scene(seed=9))),
    )
    response = client_for(manager).get(report_url(visit))
    assert embedded_images(response.content) == 1
    assert "Evidence: 1 photo (in the app, with the dispute)" in pdf_text(response.content)


def test_thumbnails_come_from_s3(s3, client_for, manager, auditor, visit):
    first = add_photo(visit, auditor, item="storefront", seed=1)
    second = add_photo(visit, auditor, seed=2)
    keys = {entry["Key"] for entry in s3.client().list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert Photo.objects.get(pk=first.photo.pk).thumbnail in keys
    response = client_for(manager).get(report_url(visit))
    assert embedded_images(response.content) == 2

    s3.client().delete_object(Bucket=BUCKET, Key=Photo.objects.get(pk=second.photo.pk).thumbnail)
    response = client_for(manager).get(report_url(visit))
    assert response.status_code == 200
    assert embedded_images(response.content) == 1
    assert pdf_text(response.content).count(PLACEHOLDER) == 1


def test_s3_down_still_gives_the_report(flaky_s3, client_for, manager, auditor, visit):
    for seed in (1, 2, 3):
        add_photo(visit, auditor, seed=seed)
    flaky_s3.stop()
    client = client_for(manager)
    client.raise_request_exception = False
    response = client.get(report_url(visit))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert text.count(PLACEHOLDER) == 3 and "Score 33.33" in text
    flaky_s3.start()


class _DownStore:
    """A store whose every read fails as an unreachable S3 endpoint does."""

    def __init__(self):
        self.reads = 0

    def open(self, name, mode="rb"):
        self.reads += 1
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")


def test_a_store_that_is_down_is_asked_once():
    store = _DownStore()
    found = load_thumbnails([(n, f"photos/{n}.jpg") for n in range(5)], storage=store)
    assert found == dict.fromkeys(range(5))
    assert store.reads == 1


class _Store:
    """A store holding the given objects in memory."""

    def __init__(self, objects):
        self.objects = objects

    def open(self, name, mode="rb"):
        if name not in self.objects:
            raise FileNotFoundError(name)
        return io.BytesIO(self.objects[name])


def _png(size):
    out = io.BytesIO()
    scene(size).save(out, "PNG")
    return out.getvalue()


def test_a_thumbnail_in_another_format_is_turned_into_a_jpeg():
    found = load_thumbnails([(1, "a.png")], storage=_Store({"a.png": _png((160, 120))}))
    assert found[1].data.startswith(b"\xff\xd8\xff") and (found[1].width, found[1].height) == (160, 120)


def test_what_cannot_be_a_thumbnail_is_skipped_and_the_rest_read():
    store = _Store(
        {
            "huge.png": _png((2100, 2000)),  # more pixels than a thumbnail ever has
            "text.jpg": b"hello",
            "fine.jpg": jpeg(scene((400, 300))),
        }
    )
    names = [(1, "huge.png"), (2, "text.jpg"), (3, "gone.jpg"), (4, ""), (5, "fine.jpg")]
    found = load_thumbnails(names, storage=store)
    assert [key for key, thumbnail in found.items() if thumbnail is not None] == [5]
