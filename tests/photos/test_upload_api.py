"""POST/GET /api/v1/visits/{id}/photos/: who may upload, what is taken, what the phone gets back."""

import io
import uuid

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from rest_framework.test import APIRequestFactory, force_authenticate

from accounts.models import Role
from audits.models import VisitKind, VisitStatus
from photos.models import Photo
from photos.views import VisitPhotosView
from tests.factories import LocationFactory, UserFactory
from webhooks.models import Event

from . import images
from .factories import make_visit

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"type", "errors"}, body
    return body["errors"][0]


def test_auditor_adds_a_photo_and_gets_the_contract_shape(client_for, auditor, visit, upload):
    photo_id = uuid.uuid4()
    data = images.jpeg(images.scene((2000, 1500)), taken="2026:11:20 10:05:00", offset="+01:00")
    response = upload(client_for(auditor), visit, data, photo_id=photo_id, item="storefront")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {
        "id",
        "item",
        "width",
        "height",
        "taken_at",
        "url",
        "thumbnail_url",
        "reused",
        "created_at",
    }
    assert body["id"] == str(photo_id)
    assert body["item"] == "storefront"
    assert (body["width"], body["height"]) == (1600, 1200)
    assert body["taken_at"] == "2026-11-20T09:05:00Z"
    assert body["reused"] is False
    assert "/media/" not in body["url"]


def test_stored_objects_are_upright_metadata_free_jpegs(client_for, auditor, visit, upload):
    data = images.jpeg(images.marked((600, 400)), orientation=6, gps=True, maker_note=True)
    response = upload(client_for(auditor), visit, data)
    assert (response.json()["width"], response.json()["height"]) == (400, 600)
    photo = Photo.objects.get()
    for name in (photo.image, photo.thumbnail):
        with default_storage.open(name) as handle:
            stored = handle.read()
        image = Image.open(io.BytesIO(stored))
        assert image.format == "JPEG" and len(image.getexif()) == 0
        assert b"SECRET-MAKER-NOTE" not in stored
    assert Image.open(default_storage.open(photo.image)).size == (400, 600)


def test_same_id_again_answers_200_with_the_same_photo(client_for, auditor, visit, upload):
    photo_id = uuid.uuid4()
    data = images.jpeg()
    first = upload(client_for(auditor), visit, data, photo_id=photo_id, item="storefront")
    again = upload(client_for(auditor), visit, data, photo_id=photo_id, item="storefront")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["width"] == first.json()["width"]
    assert Photo.objects.count() == 1
    assert Event.objects.filter(type="photo.added").count() == 1


def test_same_id_on_another_visit_is_a_conflict(client_for, auditor, visit, location, upload):
    photo_id = uuid.uuid4()
    upload(client_for(auditor), visit, images.jpeg(), photo_id=photo_id)
    second_visit = make_visit(location=location, auditor=auditor)
    response = upload(client_for(auditor), second_visit, images.jpeg(), photo_id=photo_id)
    assert response.status_code == 409
    assert error(response)["code"] == "photo_id_conflict"


def test_unknown_item_key_is_a_400_on_item(client_for, auditor, visit, upload):
    response = upload(client_for(auditor), visit, images.jpeg(), item="no_such_item")
    assert response.status_code == 400
    assert error(response)["attr"] == "item"
    assert not Photo.objects.exists()


def test_item_photo_max_is_enforced_with_a_409(client_for, auditor, visit, upload):
    client = client_for(auditor)
    assert upload(client, visit, images.jpeg(images.scene(seed=1)), item="storefront").status_code == 201
    assert upload(client, visit, images.jpeg(images.scene(seed=2)), item="storefront").status_code == 201
    response = upload(client, visit, images.jpeg(images.scene(seed=3)), item="storefront")
    assert response.status_code == 409
    assert error(response)["code"] == "photo_limit"
    assert Photo.objects.filter(item_key="storefront").count() == 2


def test_items_without_a_photo_rule_take_up_to_three(client_for, auditor, visit, upload):
    client = client_for(auditor)
    codes = [
        upload(client, visit, images.jpeg(images.scene(seed=s)), item="no_rule").status_code for s in range(4)
    ]
    assert codes == [201, 201, 201, 409]


def test_missing_fields_are_named(client_for, auditor, visit):
    response = client_for(auditor).post(
        f"/api/v1/visits/{visit.pk}/photos/", {"item": ""}, format="multipart"
    )
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"id", "image"}


def test_unknown_multipart_field_is_rejected(client_for, auditor, visit):
    body = {"id": str(uuid.uuid4()), "image": io.BytesIO(images.jpeg()), "caption": "hi"}
    body["image"].name = "a.jpg"
    response = client_for(auditor).post(f"/api/v1/visits/{visit.pk}/photos/", body, format="multipart")
    assert response.status_code == 400
    assert error(response)["attr"] == "caption"


def test_a_json_body_is_415(client_for, auditor, visit):
    response = client_for(auditor).post(
        f"/api/v1/visits/{visit.pk}/photos/", {"id": str(uuid.uuid4()), "image": "aGVsbG8="}, format="json"
    )
    assert response.status_code == 415
    assert response.json()["type"] == "client_error"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"just some text, honestly\n" * 10, "photo.jpg"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "photo.jpg"),
        (images.zip_bytes(), "photo.jpg"),
        (images.encode(images.scene(), "GIF"), "photo.png"),
    ],
    ids=["text-named-jpg", "html", "zip", "gif"],
)
def test_non_photos_are_415_whatever_their_name_or_header(client_for, auditor, visit, upload, data, name):
    response = upload(client_for(auditor), visit, data, name=name, content_type="image/jpeg")
    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media_type"
    assert not Photo.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>" * 5,
        b"\xff\xd8\xff\xe0" + images.zip_bytes(),
        images.png_declaring(100_000, 100_000),
        images.jpeg(images.scene((800, 600)))[:3000],
    ],
    ids=["html-polyglot", "zip-polyglot", "png-bomb", "truncated-jpeg"],
)
def test_corrupt_polyglot_bomb_and_truncated_files_are_400(client_for, auditor, visit, upload, data):
    response = upload(client_for(auditor), visit, data)
    assert response.status_code == 400
    assert error(response)["attr"] == "image"
    assert not Photo.objects.exists()
    assert not Event.objects.exists()


def test_heic_from_an_iphone_is_taken(client_for, auditor, visit, upload):
    response = upload(client_for(auditor), visit, images.heic(orientation=6), name="IMG_0001.HEIC")
    assert response.status_code == 201
    assert (response.json()["width"], response.json()["height"]) == (480, 640)


def test_over_20_mib_is_413(client_for, auditor, visit, upload):
    data = images.jpeg() + b"\x00" * (20 * MiB + 1 - len(images.jpeg()))
    assert len(data) == 20 * MiB + 1
    response = upload(client_for(auditor), visit, data)
    assert response.status_code == 413
    assert error(response)["code"] == "too_large"
    assert not Photo.objects.exists()


def test_exactly_20_mib_is_taken(client_for, auditor, visit, upload):
    picture = images.jpeg()
    data = picture + b"\x00" * (20 * MiB - len(picture))  # trailing bytes after EOI are ignored
    response = upload(client_for(auditor), visit, data)
    assert response.status_code == 201, response.content


def test_oversized_content_length_is_refused_before_the_body_is_read(auditor, visit):

    class TrackingStream(io.BytesIO):
        bytes_read = 0

        def read(self, *args):
            chunk = super().read(*args)
            TrackingStream.bytes_read += len(chunk)
            return chunk

    request = APIRequestFactory().post(
        f"/api/v1/visits/{visit.pk}/photos/", b"--x--", content_type="multipart/form-data; boundary=x"
    )
    request.META["CONTENT_LENGTH"] = str(64 * MiB)
    request.META["wsgi.input"] = TrackingStream(b"A" * 1024)
    request._stream = request.META["wsgi.input"]
    force_authenticate(request, user=auditor)
    response = VisitPhotosView.as_view()(request, visit_id=visit.pk)
    assert response.status_code == 413
    assert TrackingStream.bytes_read == 0


def test_photo_added_event_is_recorded_with_the_row(client_for, auditor, visit, upload):
    response = upload(client_for(auditor), visit, images.jpeg(), item="storefront")
    event = Event.objects.get(type="photo.added")
    assert event.organization_id == visit.organization_id
    assert event.data["id"] == response.json()["id"]
    assert event.data["visit"] == str(visit.pk) and event.data["item"] == "storefront"


# --- Who may upload and read ------------------------------------------------------------------------


def test_admin_may_add_photos(client_for, admin, visit, upload):
    assert upload(client_for(admin), visit, images.jpeg()).status_code == 201


def test_manager_may_not_add_photos(client_for, manager, visit, upload):
    assert upload(client_for(manager), visit, images.jpeg()).status_code == 403


def test_another_auditor_cannot_even_see_the_visit(client_for, org, visit, upload):
    stranger = UserFactory(organization=org, role=Role.AUDITOR)
    assert upload(client_for(stranger), visit, images.jpeg()).status_code == 404


def test_staff_add_photos_to_their_own_self_assessment_only(client_for, org, staff, location, upload):
    own = make_visit(location=location, auditor=staff, kind=VisitKind.SELF_ASSESSMENT)
    colleague = UserFactory(organization=org, role=Role.STAFF, locations=[location])
    theirs = make_visit(location=location, auditor=colleague, kind=VisitKind.SELF_ASSESSMENT)
    assert upload(client_for(staff), own, images.jpeg()).status_code == 201
    assert upload(client_for(staff), theirs, images.jpeg()).status_code == 403


def test_read_only_api_key_may_not_upload_but_a_write_key_may(key_client_for, org, visit, upload):
    assert upload(key_client_for(org, ["read"]), visit, images.jpeg()).status_code == 403
    assert upload(key_client_for(org, ["read", "write"]), visit, images.jpeg()).status_code == 201


@pytest.mark.parametrize("closed", [VisitStatus.APPROVED, VisitStatus.REJECTED])
def test_photos_are_taken_only_while_the_visit_is_open(client_for, auditor, location, upload, closed):
    visit = make_visit(location=location, auditor=auditor, status=closed)
    response = upload(client_for(auditor), visit, images.jpeg())
    assert response.status_code == 409
    assert error(response)["code"] == "visit_closed"


def test_a_returned_visit_takes_photos(client_for, auditor, location, upload):
    visit = make_visit(location=location, auditor=auditor, status=VisitStatus.RETURNED)
    assert upload(client_for(auditor), visit, images.jpeg()).status_code == 201


def test_a_retry_after_the_visit_closed_still_answers_the_stored_photo(client_for, auditor, visit, upload):
    photo_id = uuid.uuid4()
    upload(client_for(auditor), visit, images.jpeg(), photo_id=photo_id)
    visit.status = VisitStatus.APPROVED
    visit.save(update_fields=["status"])
    assert upload(client_for(auditor), visit, images.jpeg(), photo_id=photo_id).status_code == 200


def test_everyone_who_sees_the_visit_lists_its_photos(
    client_for, key_client_for, org, admin, manager, auditor, staff, visit, upload
):
    upload(client_for(auditor), visit, images.jpeg(images.scene(seed=1)), item="storefront")
    upload(client_for(auditor), visit, images.jpeg(images.scene(seed=2)))
    for client in (
        client_for(admin),
        client_for(manager),
        client_for(auditor),
        client_for(staff),
        key_client_for(org),
    ):
        response = client.get(f"/api/v1/visits/{visit.pk}/photos/")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        assert [p["item"] for p in body["results"]] == ["storefront", ""]


def test_listing_costs_the_same_queries_for_one_photo_or_many(
    client_for, auditor, visit, upload, django_assert_max_num_queries
):
    client = client_for(auditor)
    for seed in range(5):
        upload(client, visit, images.jpeg(images.scene((200, 150), seed=seed)))
    with django_assert_max_num_queries(3):
        response = client.get(f"/api/v1/visits/{visit.pk}/photos/")
    assert len(response.json()["results"]) == 5


def test_other_organizations_get_404_on_lists_uploads_and_ids(
    client_for, key_client_for, foreign_admin, other_org, auditor, visit, upload
):
    upload(client_for(auditor), visit, images.jpeg())
    assert client_for(foreign_admin).get(f"/api/v1/visits/{visit.pk}/photos/").status_code == 404
    assert key_client_for(other_org).get(f"/api/v1/visits/{visit.pk}/photos/").status_code == 404
    assert upload(client_for(foreign_admin), visit, images.jpeg()).status_code == 404
    assert client_for(foreign_admin).get(f"/api/v1/visits/{uuid.uuid4()}/photos/").status_code == 404
    assert client_for(foreign_admin).get("/api/v1/visits/not-a-uuid/photos/").status_code == 404


def test_manager_of_another_region_gets_404(client_for, org, other_region, auditor, visit, upload):
    upload(client_for(auditor), visit, images.jpeg())
    outsider = UserFactory(organization=org, role=Role.MANAGER, regions=[other_region])
    assert client_for(outsider).get(f"/api/v1/visits/{visit.pk}/photos/").status_code == 404


def test_anonymous_callers_are_401(anon, visit, upload):
    assert anon.get(f"/api/v1/visits/{visit.pk}/photos/").status_code == 401
    assert upload(anon, visit, images.jpeg()).status_code == 401


# --- Reuse ------------------------------------------------------------------------------------------


def test_a_resized_reencoded_copy_on_another_visit_is_flagged_reused(
    client_for, auditor, location, visit, upload
):
    client = client_for(auditor)
    original = images.scene((1600, 1200), seed=11)
    assert upload(client, visit, images.jpeg(original)).json()["reused"] is False
    later = make_visit(location=location, auditor=auditor)
    copy = images.encode(original.resize((800, 600)), "JPEG", quality=55)
    assert upload(client, later, copy).json()["reused"] is True


def test_a_different_photo_is_not_flagged(client_for, auditor, location, visit, upload):
    client = client_for(auditor)
    upload(client, visit, images.jpeg(images.scene(seed=11)))
    later = make_visit(location=location, auditor=auditor)
    assert upload(client, later, images.jpeg(images.scene(seed=12))).json()["reused"] is False


def test_the_same_picture_twice_on_one_visit_is_not_reuse(client_for, auditor, visit, upload):
    client = client_for(auditor)
    upload(client, visit, images.jpeg(images.scene(seed=11)))
    assert upload(client, visit, images.jpeg(images.scene(seed=11))).json()["reused"] is False


def test_a_photo_of_another_organization_is_not_reuse(client_for, auditor, visit, other_org, upload):
    foreign_location = LocationFactory(region__organization=other_org)
    foreign_auditor = UserFactory(organization=other_org, role=Role.AUDITOR)
    foreign_visit = make_visit(location=foreign_location, auditor=foreign_auditor)
    upload(client_for(foreign_auditor), foreign_visit, images.jpeg(images.scene(seed=11)))
    assert upload(client_for(auditor), visit, images.jpeg(images.scene(seed=11))).json()["reused"] is False
