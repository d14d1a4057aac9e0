"""Opening a dispute: who may, on which visits, idempotency, and every bad input with its path."""

import datetime as dt
import uuid

import pytest

from accounts.models import Role
from audits.models import Visit
from audits.services import visit_review, visit_submit
from disputes.models import Dispute, DisputeItem
from tests.audits.conftest import self_assessment_body
from tests.factories import LocationFactory, UserFactory
from webhooks.models import Event

from .conftest import ANSWERS, decide_body, decision_url, dispute_body, open_url

pytestmark = pytest.mark.django_db


def test_staff_opens_a_dispute(client_for, staff, visit):
    body = dispute_body(("wait_minutes", 2), ("offer", "great"))
    response = client_for(staff).post(open_url(visit), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["id"] == body["id"]
    assert data["visit"] == str(visit.pk)
    assert data["location"] == visit.location_id
    assert data["status"] == "open"
    assert data["created_by_role"] == "staff"
    assert data["decided_at"] is None and data["decision_comment"] == ""
    assert data["comment"] == "The receipt says otherwise."
    assert data["items"][0] == {
        "item": "wait_minutes",
        "reason": "We disagree about wait_minutes.",
        "proposed": {"value": 2, "na": False},
        "original": {"value": 12, "na": False, "score": 0.0},
        "decision": None,
    }
    assert [i["item"] for i in data["items"]] == ["wait_minutes", "offer"]


def test_same_id_and_body_again_answers_200_with_the_stored_dispute(client_for, staff, visit):
    body = dispute_body()
    first = client_for(staff).post(open_url(visit), body, format="json")
    again = client_for(staff).post(open_url(visit), body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Dispute.objects.count() == 1


def test_same_id_with_another_body_is_a_conflict(client_for, staff, visit):
    body = dispute_body()
    client_for(staff).post(open_url(visit), body, format="json")
    other = dict(body, comment="Something else.")
    response = client_for(staff).post(open_url(visit), other, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_conflict"


def test_an_id_used_by_someone_else_is_an_opaque_conflict(client_for, staff, manager, visit):
    body = dispute_body()
    client_for(staff).post(open_url(visit), body, format="json")
    response = client_for(manager).post(open_url(visit), body, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "id_taken"


@pytest.mark.parametrize("role", ["admin", "manager", "staff"])
def test_admins_region_managers_and_location_staff_may_open(client_for, role, request, visit):
    user = request.getfixturevalue(role)
    response = client_for(user).post(open_url(visit), dispute_body(), format="json")
    assert response.status_code == 201
    assert response.json()["created_by_role"] == role


def test_write_api_keys_may_open_read_keys_may_not(key_client_for, org, visit):
    read = key_client_for(org, ["read"]).post(open_url(visit), dispute_body(), format="json")
    assert read.status_code == 403
    write = key_client_for(org, ["read", "write"]).post(open_url(visit), dispute_body(), format="json")
    assert write.status_code == 201
    assert write.json()["created_by_role"] == "api_key"


def test_the_auditor_may_not_dispute_their_own_visit(client_for, auditor, visit):
    assert client_for(auditor).post(open_url(visit), dispute_body(), format="json").status_code == 403


def test_out_of_scope_and_foreign_visits_are_404(client_for, org, other_region, visit, foreign_admin):
    far_staff = UserFactory(
        organization=org, role=Role.STAFF, locations=[LocationFactory(region=other_region)]
    )
    far_manager = UserFactory(organization=org, role=Role.MANAGER, regions=[other_region])
    for user in (far_staff, far_manager, foreign_admin):
        response = client_for(user).post(open_url(visit), dispute_body(), format="json")
        assert response.status_code == 404, user.role
    assert not Dispute.objects.exists()


def test_a_self_assessment_is_not_disputable(client_for, staff, location, checklist):

    own, _ = visit_submit(actor=staff, data=self_assessment_body(location, checklist, answers=ANSWERS))
    response = client_for(staff).post(open_url(own), dispute_body(), format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "not_disputable"


@pytest.mark.parametrize(
    ("decision", "disputable"), [("approve", True), ("reject", False), ("return", False)]
)
def test_only_submitted_or_approved_visits_are_disputable(
    client_for, admin, staff, visit, decision, disputable
):
    visit_review(actor=admin, visit_id=visit.pk, decision=decision, comment="Checked.")
    response = client_for(staff).post(open_url(visit), dispute_body(), format="json")
    assert response.status_code == (201 if disputable else 409)


def test_past_the_window_is_a_conflict(client_for, staff, visit):

    Visit.objects.filter(pk=visit.pk).update(created_at=visit.created_at - dt.timedelta(days=15))
    response = client_for(staff).post(open_url(visit), dispute_body(), format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "dispute_window_closed"


def test_the_window_counts_from_the_first_submission(client_for, staff, visit):

    Visit.objects.filter(pk=visit.pk).update(created_at=visit.created_at - dt.timedelta(days=13, hours=23))
    assert client_for(staff).post(open_url(visit), dispute_body(), format="json").status_code == 201


def test_a_second_open_dispute_is_a_conflict(client_for, staff, manager, visit, open_dispute):
    open_dispute(("wait_minutes", 2))
    response = client_for(manager).post(open_url(visit), dispute_body(("offer", "great")), format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "dispute_already_open"


def test_an_item_is_disputed_once_per_visit(client_for, admin, staff, visit, open_dispute):

    first = open_dispute(("wait_minutes", 2))
    decided = client_for(admin).post(
        decision_url(first["id"]), decide_body(("wait_minutes", "rejected")), format="json"
    )
    assert decided.status_code == 200
    body = dispute_body(("offer", "great"), ("wait_minutes", 3))
    response = client_for(staff).post(open_url(visit), body, format="json")
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {
            "code": "item_already_disputed",
            "detail": "Item 'wait_minutes' of this visit was disputed before; an item is disputed once.",
            "attr": "items.1.item",
        }
    ]
    assert Dispute.objects.count() == 1 and DisputeItem.objects.count() == 1


def _item(item, proposed, **extra):
    return {"item": item, "reason": "Because.", "proposed": proposed, **extra}


BAD_BODIES = [
    ({"items": [_item("nope", {"value": True})]}, "items.0.item", "unknown_item"),
    ({"items": [_item("remarks", {"value": "Nice."})]}, "items.0.item", "unscored_item"),
    ({"items": [_item("storefront", {"value": None})]}, "items.0.item", "unscored_item"),
    (
        {"items": [_item("offer", {"value": "great"}), _item("offer", {"value": "none"})]},
        "items.1.item",
        "duplicate_item",
    ),
    ({"items": [_item("warmth", {"value": 9})]}, "items.0.proposed.value", "out_of_range"),
    ({"items": [_item("greeted", {"value": "yes"})]}, "items.0.proposed.value", "invalid_type"),
    ({"items": [_item("offer", {"value": "free-cake"})]}, "items.0.proposed.value", "invalid_choice"),
    ({"items": [_item("greeted", {"na": True})]}, "items.0.proposed.na", "na_not_allowed"),
    (
        {"items": [_item("offer", {"value": "great", "na": True})]},
        "items.0.proposed.value",
        "no_value_allowed",
    ),
    ({"items": [_item("wait_minutes", {"value": 12})]}, "items.0.proposed", "unchanged"),
    ({"items": [_item("wait_minutes", {"value": 2, "extra": 1})]}, "items.0.proposed.extra", "unknown_field"),
    (
        {"items": [{"item": "wait_minutes", "reason": " ", "proposed": {"value": 2}}]},
        "items.0.reason",
        "blank",
    ),
    ({"items": [_item("wait_minutes", "2")]}, "items.0.proposed", "required"),
    ({"items": []}, "items", "required"),
    ({"items": [_item("wait_minutes", {"value": 2})], "score": 99}, "score", "unknown_field"),
    ({"id": "not-a-uuid", "items": [_item("wait_minutes", {"value": 2})]}, "id", "invalid"),
    (
        {"items": [_item("wait_minutes", {"value": 2})], "comment": "nul\u0000"},
        "comment",
        "null_characters_not_allowed",
    ),
]


@pytest.mark.parametrize(("body", "attr", "code"), BAD_BODIES, ids=[f"{a}-{c}" for _, a, c in BAD_BODIES])
def test_bad_input_is_400_naming_the_path_and_writes_nothing(client_for, staff, visit, body, attr, code):
    events = Event.objects.count()
    payload = {"id": str(uuid.uuid4()), "comment": "", **body}
    response = client_for(staff).post(open_url(visit), payload, format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert {"attr": attr, "code": code} in [{"attr": e["attr"], "code": e["code"]} for e in errors], errors
    assert not Dispute.objects.exists() and not DisputeItem.objects.exists()
    assert Event.objects.count() == events


def test_every_problem_is_reported_at_once(client_for, staff, visit):
    body = dispute_body(("nope", True), ("warmth", 0), ("greeted", None, True))
    response = client_for(staff).post(open_url(visit), body, format="json")
    assert response.status_code == 400
    attrs = {e["attr"] for e in response.json()["errors"]}
    assert attrs == {"items.0.item", "items.1.proposed.value", "items.2.proposed.na"}


def test_a_non_object_body_is_400(client_for, staff, visit):
    response = client_for(staff).post(open_url(visit), [1, 2], format="json")
    assert response.status_code == 400


def test_the_window_is_the_organizations_setting(client_for, org, staff, visit):

    Visit.objects.filter(pk=visit.pk).update(created_at=visit.created_at - dt.timedelta(days=20))
    assert client_for(staff).post(open_url(visit), dispute_body(), format="json").status_code == 409
    org.dispute_window_days = 30
    org.save()
    assert client_for(staff).post(open_url(visit), dispute_body(), format="json").status_code == 201
