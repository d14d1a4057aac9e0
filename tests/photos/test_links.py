"""Local storage: photo links are signed, expire within 15 minutes, and are never a public path."""

import io
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from PIL import Image

from photos import storage
from photos.models import Photo
from photos.services import photo_delete

from . import images

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo_body(client_for, auditor, visit, upload):
    return upload(client_for(auditor), visit, images.jpeg(images.scene((900, 600))), item="storefront").json()


def link_parts(url: str):
    parts = urlsplit(url)
    return parts.path, {key: values[0] for key, values in parse_qs(parts.query).items()}


def test_links_download_the_display_image_and_the_thumbnail_without_credentials(anon, photo_body):
    for key, size in (("url", (900, 600)), ("thumbnail_url", (400, 267))):
        path, query = link_parts(photo_body[key])
        assert path == f"/api/v1/photos/{photo_body['id']}/file/"
        response = anon.get(path, query, HTTP_ACCEPT="image/*")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == size


def test_links_expire_within_15_minutes(photo_body):
    _, query = link_parts(photo_body["url"])
    assert 0 < int(query["exp"]) - time.time() <= 900


def test_an_expired_link_is_403_in_the_error_shape(anon, photo_body):
    path, query = link_parts(photo_body["url"])
    expired = int(time.time()) - 1
    query.update(exp=str(expired), sig=storage.link_signature(photo_body["id"], "display", expired))
    response = anon.get(path, query)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"


@pytest.mark.parametrize(
    "tamper",
    [
        {"sig": "forged"},
        {"sig": "A"},
        {"exp": "9999999999"},
        {"variant": "original"},
        {"exp": "soon"},
    ],
)
def test_a_tampered_link_is_404(anon, photo_body, tamper):
    path, query = link_parts(photo_body["url"])
    query.update(tamper)
    response = anon.get(path, query)
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


def test_a_signature_for_the_thumbnail_does_not_open_the_display_image(anon, photo_body):
    path, query = link_parts(photo_body["thumbnail_url"])
    query["variant"] = "display"
    assert anon.get(path, query).status_code == 404


def test_a_link_signed_with_another_secret_is_404(anon, photo_body):
    path, query = link_parts(photo_body["url"])
    with override_settings(SECRET_KEY="another-secret-key-entirely-0123456789abcdef"):
        assert anon.get(path, query).status_code == 404


def test_media_files_are_not_served_publicly(anon, photo_body):

    photo = Photo.objects.get(pk=photo_body["id"])
    assert anon.get(f"/media/{photo.image}").status_code == 404


def test_the_link_of_a_deleted_photo_is_404(anon, photo_body):

    path, query = link_parts(photo_body["url"])
    photo_delete(photo=Photo.objects.get(pk=photo_body["id"]))
    assert anon.get(path, query).status_code == 404
