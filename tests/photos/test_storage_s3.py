"""The S3 path for real, over HTTP, against moto's server on 127.0.0.1: objects, presigned links,
and what happens when the store is down (503, nothing half-written, the retry succeeds)."""

import io
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image

from audits.models import Visit
from photos.models import Photo
from webhooks.models import Event

from . import images
from .conftest import BUCKET

pytestmark = pytest.mark.django_db


def bucket_keys(server) -> set[str]:
    listing = server.client().list_objects_v2(Bucket=BUCKET)
    return {entry["Key"] for entry in listing.get("Contents", [])}


def test_upload_writes_both_derivatives_to_the_bucket(s3, client_for, auditor, visit, upload):
    response = upload(client_for(auditor), visit, images.jpeg(images.scene((2000, 1500))), item="storefront")
    assert response.status_code == 201, response.content
    photo = Photo.objects.get()
    assert bucket_keys(s3) == {photo.image, photo.thumbnail}
    assert photo.image.startswith(f"photos/{visit.organization_id}/{visit.pk}/{photo.pk}/")


def test_presigned_urls_expire_within_15_minutes_and_download_over_http(
    s3, client_for, auditor, visit, upload
):
    body = upload(client_for(auditor), visit, images.jpeg(images.scene((2000, 1500)))).json()
    for key, size in (("url", (1600, 1200)), ("thumbnail_url", (400, 300))):
        url = body[key]
        assert url.startswith(s3.endpoint)
        query = parse_qs(urlsplit(url).query)
        assert 0 < int(query["X-Amz-Expires"][0]) <= 900
        assert "X-Amz-Signature" in query
        downloaded = requests.get(url, timeout=10)
        assert downloaded.status_code == 200
        image = Image.open(io.BytesIO(downloaded.content))
        assert image.format == "JPEG" and image.size == size and len(image.getexif()) == 0


def test_store_down_is_503_then_the_same_upload_retried_succeeds(
    flaky_s3, client_for, auditor, visit, upload
):
    client = client_for(auditor)
    client.raise_request_exception = False  # a 5xx is reported through Django's signal; read the response
    photo_id = uuid.uuid4()
    data = images.jpeg(images.scene((1200, 900)))
    visit_before = Visit.objects.filter(pk=visit.pk).values().get()

    flaky_s3.stop()
    response = upload(client, visit, data, photo_id=photo_id, item="storefront")
    assert response.status_code == 503
    assert response.json()["type"] == "server_error"
    assert response.json()["errors"][0]["code"] == "storage_unavailable"
    assert response["Retry-After"]
    assert not Photo.objects.exists() and not Event.objects.exists()
    assert Visit.objects.filter(pk=visit.pk).values().get() == visit_before

    flaky_s3.start()
    retried = upload(client, visit, data, photo_id=photo_id, item="storefront")
    assert retried.status_code == 201
    photo = Photo.objects.get()
    assert str(photo.pk) == retried.json()["id"]
    assert bucket_keys(flaky_s3) == {photo.image, photo.thumbnail}
    assert requests.get(retried.json()["url"], timeout=10).status_code == 200


def test_readyz_reports_storage_down_and_back(flaky_s3, anon, settings):
    settings.READINESS_TIMEOUT_SECONDS = 15  # a busy machine must not read as a store that is down
    assert anon.get("/readyz").status_code == 200
    flaky_s3.stop()
    response = anon.get("/readyz")
    assert response.status_code == 503
    assert response.json()["storage"] == "unavailable"
    assert response.json()["database"] == "ok"
    flaky_s3.start()
    assert anon.get("/readyz").status_code == 200


def test_listing_still_answers_while_the_store_is_down(flaky_s3, client_for, auditor, visit, upload):
    """Presigning is local computation: a reviewer can still see which photos exist."""
    upload(client_for(auditor), visit, images.jpeg())
    flaky_s3.stop()
    response = client_for(auditor).get(f"/api/v1/visits/{visit.pk}/photos/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
