"""Review, revision and history: transitions, who may do what, and who sees who did it."""

import pytest

from accounts.models import Role
from audits.models import Answer, Visit, VisitHistory
from audits.services import visit_submit
from tests.audits.conftest import GOOD_ANSWERS, self_assessment_body, visit_body
from tests.factories import UserFactory
from webhooks.models import Event


def review_url(visit):
    return f"/api/v1/visits/{visit.pk}/review/"


def visit_url(visit):
    return f"/api/v1/visits/{visit.pk}/"


def history_url(visit):
    return f"/api/v1/visits/{visit.pk}/history/"


@pytest.fixture
def visit(assignment, auditor):
    return visit_submit(actor=auditor, data=visit_body(assignment))[0]


@pytest.fixture
def returned(client_for, manager, visit):
    response = client_for(manager).post(
        review_url(visit), {"decision": "return", "comment": "Check the wait time."}, format="json"
    )
    assert response.status_code == 200
    return visit


def corrected_body(visit, **changes):
    body = dict(visit.request_body)
    answers = [dict(a) for a in body["answers"]]
    answers[3]["value"] = 12  # the wait was longer than reported: wait_minutes fails
    body.update(answers=answers, **changes)
    return body


# --- review -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("decision", "status"), [("approve", "approved"), ("reject", "rejected")])
def test_a_manager_in_scope_approves_or_rejects_a_submitted_visit(
    client_for, manager, visit, decision, status
):
    response = client_for(manager).post(review_url(visit), {"decision": decision}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == status
    entry = VisitHistory.objects.filter(visit=visit).last()
    assert entry.action == status and entry.actor == manager
    assert entry.changes == {"status": ["submitted", status]}
    assert Event.objects.filter(type="visit.reviewed").count() == 1


def test_returning_needs_a_comment(client_for, admin, visit):
    response = client_for(admin).post(
        review_url(visit), {"decision": "return", "comment": "  "}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "comment"
    assert Visit.objects.get(pk=visit.pk).status == "submitted"


@pytest.mark.parametrize("first", ["approve", "reject"])
@pytest.mark.parametrize("second", ["approve", "return", "reject"])
def test_a_reviewed_visit_cannot_be_reviewed_again(client_for, admin, visit, first, second):
    client = client_for(admin)
    assert client.post(review_url(visit), {"decision": first}, format="json").status_code == 200
    response = client.post(review_url(visit), {"decision": second, "comment": "again"}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "invalid_transition"


def test_a_returned_visit_cannot_be_reviewed_until_corrected(client_for, admin, returned):
    response = client_for(admin).post(review_url(returned), {"decision": "approve"}, format="json")
    assert response.status_code == 409


@pytest.mark.parametrize("who", ["auditor", "staff"])
def test_those_who_see_a_visit_but_may_not_review_get_403(client_for, request, visit, who):
    user = request.getfixturevalue(who)
    assert client_for(user).post(review_url(visit), {"decision": "approve"}, format="json").status_code == 403


def test_a_manager_of_another_region_gets_404(client_for, org, other_region, visit):
    elsewhere = UserFactory(organization=org, role=Role.MANAGER, regions=[other_region])
    assert (
        client_for(elsewhere).post(review_url(visit), {"decision": "approve"}, format="json").status_code
        == 404
    )


def test_another_organization_gets_404(client_for, foreign_admin, visit):
    client = client_for(foreign_admin)
    assert client.post(review_url(visit), {"decision": "approve"}, format="json").status_code == 404
    assert client.get(visit_url(visit)).status_code == 404
    assert client.get(history_url(visit)).status_code == 404
    assert client.put(visit_url(visit), visit.request_body, format="json").status_code == 404


def test_a_read_key_may_not_review_and_a_write_key_may(key_client_for, org, visit):
    assert (
        key_client_for(org, ["read"])
        .post(review_url(visit), {"decision": "approve"}, format="json")
        .status_code
        == 403
    )
    response = key_client_for(org, ["read", "write"]).post(
        review_url(visit), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 200
    entry = VisitHistory.objects.filter(visit=visit).last()
    assert entry.actor is None and entry.actor_api_key is not None


def test_an_unknown_decision_is_400(client_for, admin, visit):
    response = client_for(admin).post(review_url(visit), {"decision": "maybe"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "decision"


# --- revision ---------------------------------------------------------------------------------


def test_the_auditor_corrects_a_returned_visit_and_it_is_rescored(client_for, auditor, returned):
    response = client_for(auditor).put(visit_url(returned), corrected_body(returned), format="json")
    assert response.status_code == 200, response.json()
    revised = response.json()
    assert revised["status"] == "submitted"
    # service: offer 1, wait 0, solved 1 (w2) -> 75; visit (2*100 + 75) / 3
    assert revised["score"] == 91.67
    assert {a["item"]: a["score"] for a in revised["answers"]}["wait_minutes"] == 0.0
    assert Answer.objects.filter(visit=returned).count() == len(GOOD_ANSWERS)
    entry = VisitHistory.objects.filter(visit=returned).last()
    assert entry.action == "revised"
    assert entry.changes == {"status": ["returned", "submitted"], "score": [100.0, 91.67]}
    assert Event.objects.filter(type="visit.revised").count() == 1


def test_resending_an_accepted_correction_changes_nothing(client_for, auditor, returned):
    client = client_for(auditor)
    body = corrected_body(returned)
    first = client.put(visit_url(returned), body, format="json")
    again = client.put(visit_url(returned), body, format="json")
    assert again.status_code == 200 and again.json() == first.json()
    assert VisitHistory.objects.filter(visit=returned, action="revised").count() == 1


def test_a_visit_that_is_not_returned_cannot_be_revised(client_for, auditor, visit):
    response = client_for(auditor).put(visit_url(visit), corrected_body(visit), format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "not_returned"


def test_a_correction_is_validated_like_a_submission(client_for, auditor, returned):
    body = corrected_body(returned, location=returned.location_id + 1000, kind="self_assessment")
    body["answers"][0]["value"] = "yes"
    response = client_for(auditor).put(visit_url(returned), body, format="json")
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"location", "kind", "answers.0.value"}
    assert Visit.objects.get(pk=returned.pk).status == "returned"


def test_a_correction_may_leave_out_what_cannot_change(client_for, auditor, returned):
    body = corrected_body(returned)
    for key in ("id", "kind", "assignment", "location", "checklist", "checklist_version"):
        body.pop(key)
    assert client_for(auditor).put(visit_url(returned), body, format="json").status_code == 200


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_only_its_auditor_may_correct_a_visit(client_for, request, returned, who):
    user = request.getfixturevalue(who)
    assert (
        client_for(user).put(visit_url(returned), corrected_body(returned), format="json").status_code == 403
    )


def test_another_auditor_cannot_even_see_it(client_for, org, returned):
    other = UserFactory(organization=org, role=Role.AUDITOR)
    assert (
        client_for(other).put(visit_url(returned), corrected_body(returned), format="json").status_code == 404
    )


def test_a_returned_self_assessment_is_corrected_by_its_staff(client_for, staff, admin, location, checklist):
    visit, _ = visit_submit(actor=staff, data=self_assessment_body(location, checklist))
    client_for(admin).post(review_url(visit), {"decision": "return", "comment": "Be honest."}, format="json")
    response = client_for(staff).put(visit_url(visit), corrected_body(visit), format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"


# --- history ----------------------------------------------------------------------------------


def _full_story(client_for, auditor, manager, returned):
    client_for(auditor).put(visit_url(returned), corrected_body(returned), format="json")
    client_for(manager).post(review_url(returned), {"decision": "approve"}, format="json")


def test_history_tells_every_change_oldest_first_to_managers(client_for, auditor, manager, returned):
    _full_story(client_for, auditor, manager, returned)
    entries = client_for(manager).get(history_url(returned)).json()["results"]
    assert [e["action"] for e in entries] == ["submitted", "returned", "revised", "approved"]
    assert [e["actor"]["id"] for e in entries] == [auditor.pk, manager.pk, auditor.pk, manager.pk]
    assert entries[0]["actor"]["display_name"] == auditor.display_name
    assert entries[1]["changes"] == {"status": ["submitted", "returned"], "comment": "Check the wait time."}
    assert entries[2]["changes"]["score"] == [100.0, 91.67]
    assert set(entries[0]) == {"at", "action", "actor", "changes"}


def test_staff_and_api_keys_never_see_who_audited(
    client_for, key_client_for, org, staff, auditor, manager, returned
):
    _full_story(client_for, auditor, manager, returned)
    for client in (client_for(staff), key_client_for(org)):
        entries = client.get(history_url(returned)).json()["results"]
        assert [e["actor"] for e in entries if e["action"] in ("submitted", "revised")] == [None, None]
        assert str(auditor.pk) not in {str(e["actor"] and e["actor"]["id"]) for e in entries}
        # Who reviewed is not a secret.
        assert entries[1]["actor"]["id"] == manager.pk


def test_staff_and_api_keys_read_visits_without_auditor(client_for, key_client_for, org, staff, admin, visit):
    assert client_for(admin).get(visit_url(visit)).json()["auditor"] == visit.auditor_id
    assert client_for(staff).get(visit_url(visit)).json()["auditor"] is None
    assert key_client_for(org).get(visit_url(visit)).json()["auditor"] is None
    assert Event.objects.get(type="visit.submitted").data["auditor"] is None


def test_history_query_count_is_constant(
    client_for, manager, auditor, returned, django_assert_max_num_queries
):
    _full_story(client_for, auditor, manager, returned)
    with django_assert_max_num_queries(4):  # auth, visit, page with actors joined, manager's regions
        client_for(manager).get(history_url(returned))
