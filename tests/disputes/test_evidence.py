"""Evidence photos: the visit photos' pipeline and rules, on an open dispute, apart from the visit's photos."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from photos.models import Photo
from tests.photos.images import jpeg, scene
from webhooks.models import Event

from .conftest import decide_body, decision_url

pytestmark = pytest.mark.django_db


def upload(client, dispute_id, data=None, *, photo_id=None, item="", name="receipt.jpg"):
    body = {"id": str(photo_id or uuid.uuid4()), "item": item}
    body["image"] = SimpleUploadedFile(
        name, data if data is not None else jpeg(scene()), content_type="image/jpeg"
    )
    return client.post(f"/api/v1/disputes/{dispute_id}/evidence/", body, format="multipart")


def test_staff_add_evidence_listed_with_the_dispute_not_the_visit(client_for, staff, visit, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    events = Event.objects.count()
    response = upload(client_for(staff), dispute["id"], item="wait_minutes")
    assert response.status_code == 201, response.json()
    photo = response.json()
    assert (photo["dispute"], photo["visit"], photo["item"]) == (dispute["id"], str(visit.pk), "wait_minutes")
    assert photo["url"] and photo["thumbnail_url"] and photo["width"] > 0
    listed = client_for(staff).get(f"/api/v1/disputes/{dispute['id']}/evidence/").json()["results"]
    assert [p["id"] for p in listed] == [photo["id"]]
    assert client_for(staff).get(f"/api/v1/visits/{visit.pk}/photos/").json()["results"] == []
    assert Event.objects.count() == events  # the visit's photos did not change: no photo.added


def test_evidence_does_not_count_as_the_visits_photos(client_for, admin, staff, visit, open_dispute):
    before = client_for(admin).get(f"/api/v1/visits/{visit.pk}/").json()["photos_missing"]
    dispute = open_dispute(("wait_minutes", 2))
    upload(client_for(staff), dispute["id"], item="")
    after = client_for(admin).get(f"/api/v1/visits/{visit.pk}/").json()["photos_missing"]
    assert after == before == [{"item": "storefront", "missing": 1}]


def test_the_same_id_again_is_the_stored_photo(client_for, staff, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    photo_id = uuid.uuid4()
    first = upload(client_for(staff), dispute["id"], photo_id=photo_id)
    again = upload(client_for(staff), dispute["id"], photo_id=photo_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Photo.objects.count() == 1


def test_an_id_of_a_visit_photo_is_a_conflict(client_for, auditor, staff, visit, open_dispute):
    photo_id = uuid.uuid4()
    own = client_for(auditor).post(
        f"/api/v1/visits/{visit.pk}/photos/",
        {"id": str(photo_id), "item": "", "image": SimpleUploadedFile("a.jpg", jpeg(scene()), "image/jpeg")},
        format="multipart",
    )
    assert own.status_code == 201
    dispute = open_dispute(("wait_minutes", 2))
    response = upload(client_for(staff), dispute["id"], photo_id=photo_id)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "photo_id_conflict"


def test_only_while_open(client_for, admin, staff, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    client_for(admin).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "rejected")), format="json"
    )
    response = upload(client_for(staff), dispute["id"])
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "dispute_closed"


def test_an_item_outside_the_dispute_is_400(client_for, staff, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    response = upload(client_for(staff), dispute["id"], item="greeted")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "item"


def test_the_items_photo_max_counts_this_disputes_evidence(client_for, staff, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    for seed in range(3):  # FULL_SECTIONS: photo.max 3
        assert (
            upload(client_for(staff), dispute["id"], jpeg(scene(seed=seed)), item="wait_minutes").status_code
            == 201
        )
    response = upload(client_for(staff), dispute["id"], item="wait_minutes")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "photo_limit"


def test_content_not_names_decides_the_type(client_for, staff, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    response = upload(client_for(staff), dispute["id"], b"%PDF-1.4 not a picture", name="x.jpg")
    assert response.status_code == 415


def test_the_auditor_sees_evidence_but_may_not_add_any(client_for, auditor, staff, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    upload(client_for(staff), dispute["id"])
    assert upload(client_for(auditor), dispute["id"]).status_code == 403
    assert len(client_for(auditor).get(f"/api/v1/disputes/{dispute['id']}/evidence/").json()["results"]) == 1


def test_evidence_is_never_a_reuse_candidate_for_an_auditor(
    client_for, auditor, staff, make_visit, location, open_dispute
):
    picture = jpeg(scene(seed=7))
    dispute = open_dispute(("wait_minutes", 2))
    assert upload(client_for(staff), dispute["id"], picture).status_code == 201
    later = make_visit(location)
    response = client_for(auditor).post(
        f"/api/v1/visits/{later.pk}/photos/",
        {"id": str(uuid.uuid4()), "item": "", "image": SimpleUploadedFile("a.jpg", picture, "image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["reused"] is False
