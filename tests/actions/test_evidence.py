"""Evidence of a fix: photos on an action, through the visit photos' pipeline and storage, kept
apart from the visit's own photos, sent by the location's staff while the action is open or resolved."""

import io
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Role
from actions.models import Action, ActionSource
from actions.services import action_resolve, action_verify
from audits.services import visit_review
from disputes.services import dispute_decide, dispute_open
from photos.models import Photo
from tests.disputes.conftest import decide_body, dispute_body
from tests.factories import UserFactory
from tests.photos.images import encode, jpeg, scene
from webhooks.models import Event

from .conftest import action_url, submit

pytestmark = pytest.mark.django_db

SMALL = jpeg(scene((160, 120)))


def upload(
    client, action_id, data=None, *, photo_id=None, item="", name="fixed.jpg", content_type="image/jpeg"
):
    body = {"id": str(photo_id or uuid.uuid4()), "item": item}
    body["image"] = SimpleUploadedFile(name, SMALL if data is None else data, content_type=content_type)
    return client.post(action_url(action_id, "evidence/"), body, format="multipart")


def listed(client, action_id):
    response = client.get(action_url(action_id, "evidence/"))
    assert response.status_code == 200, response.json()
    return [photo["id"] for photo in response.json()["results"]]


def visit_photo(client, visit, *, photo_id=None, item="", data=None):
    body = {"id": str(photo_id or uuid.uuid4()), "item": item}
    body["image"] = SimpleUploadedFile("visit.jpg", data or SMALL, content_type="image/jpeg")
    return client.post(f"/api/v1/visits/{visit.pk}/photos/", body, format="multipart")


def error_code(response):
    return response.json()["errors"][0]["code"]


@pytest.fixture
def manual_action(create_action):
    """A manual action at ``location`` with no visit and no item."""
    return create_action()["id"]


@pytest.fixture
def failed(make_approved, location):
    """An approved visit of ``location`` that failed ``solved``: its critical and low-score actions."""
    visit = make_approved(location)
    actions = {a.source: str(a.pk) for a in Action.objects.filter(visit=visit)}
    return visit, actions[ActionSource.CRITICAL_FAILURE], actions[ActionSource.LOW_SCORE]


def test_staff_add_evidence_and_list_it(client_for, staff, manager, admin, manual_action):
    events = Event.objects.count()
    response = upload(client_for(staff), manual_action)
    assert response.status_code == 201, response.json()
    photo = response.json()
    assert (photo["action"], photo["visit"], photo["item"]) == (manual_action, None, "")
    assert (photo["width"], photo["height"]) == (160, 120)
    for reader in (staff, manager, admin):
        assert listed(client_for(reader), manual_action) == [photo["id"]]
    assert Event.objects.count() == events  # no visit's photos changed: no photo.added


def test_the_same_id_again_answers_the_stored_photo(client_for, staff, manual_action):
    photo_id = uuid.uuid4()
    first = upload(client_for(staff), manual_action, photo_id=photo_id)
    again = upload(client_for(staff), manual_action, jpeg(scene((160, 120), seed=3)), photo_id=photo_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] == str(photo_id)
    assert Photo.objects.filter(action_id=manual_action).count() == 1


def test_evidence_is_taken_while_resolved_and_refused_once_verified(
    client_for, staff, manager, manual_action
):
    client = client_for(staff)
    before = uuid.uuid4()
    assert upload(client, manual_action, photo_id=before).status_code == 201
    action_resolve(actor=staff, action_id=manual_action, resolution="New rota.")
    assert upload(client, manual_action).status_code == 201
    action_verify(actor=manager, action_id=manual_action)
    refused = upload(client, manual_action)
    assert refused.status_code == 409
    assert error_code(refused) == "action_closed"
    # A phone resending an upload that was taken before the verification still gets its photo.
    assert upload(client, manual_action, photo_id=before).status_code == 200
    assert len(listed(client, manual_action)) == 2


def test_a_cancelled_action_takes_no_evidence(client_for, staff, admin, failed):
    visit, critical, _ = failed
    opened, _ = dispute_open(actor=staff, visit_id=visit.pk, data=dispute_body(("solved", True)))
    dispute_decide(actor=admin, dispute_id=opened.pk, data=decide_body(("solved", "upheld")))
    assert Action.objects.get(pk=critical).status == "cancelled"
    refused = upload(client_for(staff), critical)
    assert refused.status_code == 409
    assert error_code(refused) == "action_closed"


def test_the_item_is_empty_or_the_actions_item(client_for, staff, manual_action, failed):
    _, critical, _ = failed
    client = client_for(staff)
    assert upload(client, critical, item="solved").status_code == 201
    assert upload(client, critical, item="").status_code == 201
    for action_id, item in ((critical, "greeted"), (critical, "no_such_item"), (manual_action, "solved")):
        response = upload(client, action_id, item=item)
        assert response.status_code == 400, (action_id, item)
        assert response.json()["errors"][0]["attr"] == "item"
    assert Photo.objects.filter(action_id=critical).count() == 2


def test_at_most_ten_photos_per_action_and_item(client_for, staff, failed):
    _, critical, low_score = failed
    client = client_for(staff)
    for _ in range(10):
        assert upload(client, critical, item="solved").status_code == 201
    refused = upload(client, critical, item="solved")
    assert refused.status_code == 409
    assert error_code(refused) == "photo_limit"
    # The limit is per action and item: without an item, and on another action, photos are still taken.
    assert upload(client, critical, item="").status_code == 201
    assert upload(client, low_score).status_code == 201
    assert Photo.objects.filter(action_id=critical, item_key="solved").count() == 10


def test_managers_and_auditors_may_not_send_evidence(client_for, manager, auditor, manual_action):
    assert upload(client_for(manager), manual_action).status_code == 403
    assert upload(client_for(auditor), manual_action).status_code == 403
    assert client_for(auditor).get(action_url(manual_action, "evidence/")).status_code == 403
    assert not Photo.objects.exists()


def test_admins_and_write_keys_may_send_evidence_read_keys_may_not(
    client_for, admin, key_client_for, org, manual_action
):
    assert upload(client_for(admin), manual_action).status_code == 201
    assert upload(key_client_for(org, ["read", "write"]), manual_action).status_code == 201
    assert upload(key_client_for(org, ["read"]), manual_action).status_code == 403
    assert Photo.objects.count() == 2


def test_staff_of_another_location_and_other_organizations_get_404(
    client_for, org, other_location, foreign_admin, manual_action
):
    elsewhere = UserFactory(organization=org, role=Role.STAFF, locations=[other_location])
    for outsider in (elsewhere, foreign_admin):
        assert upload(client_for(outsider), manual_action).status_code == 404
        assert client_for(outsider).get(action_url(manual_action, "evidence/")).status_code == 404
    assert not Photo.objects.exists()


def test_an_id_already_used_by_a_visit_photo_or_another_action_is_a_conflict(
    client_for, auditor, staff, location, checklist, manual_action, create_action
):
    visit = submit(location, checklist, auditor)
    taken = uuid.uuid4()
    assert visit_photo(client_for(auditor), visit, photo_id=taken).status_code == 201
    response = upload(client_for(staff), manual_action, photo_id=taken)
    assert response.status_code == 409
    assert error_code(response) == "photo_id_conflict"

    other = create_action()["id"]
    mine = uuid.uuid4()
    assert upload(client_for(staff), manual_action, photo_id=mine).status_code == 201
    assert error_code(upload(client_for(staff), other, photo_id=mine)) == "photo_id_conflict"
    assert listed(client_for(staff), other) == []


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.4 not a picture", "fixed.jpg"),
        (encode(scene((160, 120)), "GIF"), "fixed.png"),
        (b"just some text, honestly\n" * 10, "fixed.jpg"),
    ],
    ids=["pdf", "gif", "text"],
)
def test_a_file_that_is_not_a_photo_is_415(client_for, staff, manual_action, data, name):
    response = upload(client_for(staff), manual_action, data, name=name)
    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"
    assert not Photo.objects.exists()


def test_a_truncated_photo_is_400_on_image(client_for, staff, manual_action):
    response = upload(client_for(staff), manual_action, jpeg(scene((800, 600)))[:3000])
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "image"
    assert not Photo.objects.exists()


def test_png_is_taken_and_stored_as_the_visit_photos_are(anon, client_for, staff, manual_action):
    """The links are the photo links of visit photos: signed, served without credentials, JPEG."""
    response = upload(
        client_for(staff),
        manual_action,
        encode(scene((900, 600)), "PNG"),
        name="fixed.png",
        content_type="image/png",
    )
    assert response.status_code == 201, response.json()
    photo = response.json()
    for key, size in (("url", (900, 600)), ("thumbnail_url", (400, 267))):
        parts = urlsplit(photo[key])
        assert parts.path == f"/api/v1/photos/{photo['id']}/file/"
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        served = anon.get(parts.path, query, HTTP_ACCEPT="image/*")
        assert served.status_code == 200
        assert served["Content-Type"] == "image/jpeg"
        picture = Image.open(io.BytesIO(b"".join(served.streaming_content)))
        assert (picture.format, picture.size) == ("JPEG", size)


def test_listing_shows_only_that_actions_evidence_never_the_visits_photos(
    client_for, auditor, admin, staff, location, checklist
):
    visit = submit(location, checklist, auditor)
    own = visit_photo(client_for(auditor), visit, item="storefront").json()["id"]
    visit_review(actor=admin, visit_id=visit.pk, decision="approve")
    critical = str(Action.objects.get(visit=visit, source=ActionSource.CRITICAL_FAILURE).pk)
    low_score = str(Action.objects.get(visit=visit, source=ActionSource.LOW_SCORE).pk)

    evidence = upload(client_for(staff), critical, item="solved").json()
    assert evidence["visit"] is None

    assert listed(client_for(admin), critical) == [evidence["id"]]
    assert listed(client_for(admin), low_score) == []
    visit_photos = client_for(admin).get(f"/api/v1/visits/{visit.pk}/photos/").json()["results"]
    assert [p["id"] for p in visit_photos] == [own]


def test_evidence_of_an_action_with_a_visit_is_not_counted_among_the_visits_photos(
    client_for, auditor, admin, staff, location, checklist, create_action
):
    """A manual action follows up a visit still under review: its evidence for ``greeted`` (photo max
    3) neither fills the visit's quota for that item nor shows as a missing photo found."""
    visit = submit(location, checklist, auditor)
    action = create_action(visit=str(visit.pk), item="greeted")
    detail = client_for(admin).get(f"/api/v1/visits/{visit.pk}/").json()
    for seed in range(3):
        assert (
            upload(
                client_for(staff), action["id"], jpeg(scene((160, 120), seed=seed)), item="greeted"
            ).status_code
            == 201
        )

    for _ in range(3):
        assert visit_photo(client_for(auditor), visit, item="greeted").status_code == 201
    full = visit_photo(client_for(auditor), visit, item="greeted")
    assert full.status_code == 409 and error_code(full) == "photo_limit"

    after = client_for(admin).get(f"/api/v1/visits/{visit.pk}/").json()
    assert after["photos_missing"] == detail["photos_missing"] == [{"item": "storefront", "missing": 1}]
    visit_photos = client_for(admin).get(f"/api/v1/visits/{visit.pk}/photos/").json()["results"]
    assert len(visit_photos) == 3
    assert not set(p["id"] for p in visit_photos) & set(listed(client_for(admin), action["id"]))


def test_evidence_is_never_a_reuse_candidate_for_an_auditor(
    client_for, auditor, staff, location, checklist, manual_action
):
    picture = jpeg(scene((320, 240), seed=11))
    assert upload(client_for(staff), manual_action, picture).status_code == 201
    visit = submit(location, checklist, auditor)
    response = visit_photo(client_for(auditor), visit, data=picture)
    assert response.status_code == 201
    assert response.json()["reused"] is False
