"""An upheld dispute that removes a failure cancels its action; one that adds a failure makes one."""

import uuid

import pytest

from actions.models import Action
from disputes.services import dispute_decide, dispute_open
from webhooks.models import Event

from .conftest import FAILING, submit


def _dispute(visit, staff, *items):
    dispute, _ = dispute_open(
        actor=staff,
        visit_id=visit.pk,
        data={
            "id": str(uuid.uuid4()),
            "items": [
                {"item": key, "reason": "The log says otherwise.", "proposed": {"value": value, "na": False}}
                for key, value in items
            ],
        },
    )
    return dispute


def _decide(dispute, admin, decision="upheld"):
    items = [{"item": key, "decision": decision} for key in dispute.item_keys]
    return dispute_decide(actor=admin, dispute_id=dispute.pk, data={"comment": "", "items": items})


@pytest.fixture
def approved(make_approved, location, manager):
    return make_approved(location, by=manager)


def _actions(visit):
    return {a.source: a for a in Action.objects.filter(visit=visit)}


def test_upholding_the_critical_item_cancels_its_action_and_keeps_the_low_score_one(approved, staff, admin):
    _decide(_dispute(approved, staff, ("solved", True)), admin)
    actions = _actions(approved)
    assert actions["critical_failure"].status == "cancelled"
    assert actions["low_score"].status == "open"  # still below 80
    history = list(actions["critical_failure"].history.values_list("step", flat=True))
    assert history == ["created", "cancelled"]
    cancelled = Event.objects.get(type="action.cancelled")
    assert cancelled.data["id"] == str(actions["critical_failure"].pk)
    assert cancelled.data["status"] == "cancelled"


def test_a_rejected_dispute_changes_no_action(approved, staff, admin):
    _decide(_dispute(approved, staff, ("solved", True)), admin, decision="rejected")
    assert {a.status for a in _actions(approved).values()} == {"open"}


def test_a_rescore_above_the_pass_cancels_the_low_score_action(make_approved, location, staff, admin):
    # No critical failure; not greeted and a 12-minute wait: 75.00, below the pass of 80.
    answers = [dict(a) for a in FAILING]
    for answer, value in zip(answers, [False, 5, "great", 12, True, "Fine."], strict=True):
        answer["value"] = value
    visit = make_approved(location, answers=answers)
    assert visit.score == 75.0 and set(_actions(visit)) == {"low_score"}
    _decide(_dispute(visit, staff, ("wait_minutes", 2)), admin)
    visit.refresh_from_db()
    assert visit.passed is True
    assert _actions(visit)["low_score"].status == "cancelled"


def test_a_verified_action_stays_verified_when_its_failure_is_overturned(
    approved, staff, admin, manager, client_for
):
    critical = _actions(approved)["critical_failure"]
    assert (
        client_for(staff)
        .post(f"/api/v1/actions/{critical.pk}/resolve/", {"resolution": "Called back."}, format="json")
        .status_code
        == 200
    )
    assert (
        client_for(manager).post(f"/api/v1/actions/{critical.pk}/verify/", {}, format="json").status_code
        == 200
    )
    _decide(_dispute(approved, staff, ("solved", True)), admin)
    critical.refresh_from_db()
    assert critical.status == "verified"


def test_a_rescore_that_adds_a_failure_makes_its_action(make_approved, location, staff, admin):
    answers = [dict(a) for a in FAILING]
    answers[4]["value"] = True  # solved: no critical failure at approval
    visit = make_approved(location, answers=answers)
    assert set(_actions(visit)) == {"low_score"}
    _decide(_dispute(visit, staff, ("solved", False)), admin)
    actions = _actions(visit)
    assert actions["critical_failure"].status == "open" and actions["critical_failure"].item_key == "solved"
    assert Event.objects.filter(type="action.created", data__source="critical_failure").count() == 1


def test_a_rescore_of_a_visit_not_yet_approved_makes_no_action(location, checklist, auditor, staff, admin):
    visit = submit(location, checklist, auditor)
    _decide(_dispute(visit, staff, ("solved", True)), admin)
    assert not Action.objects.filter(visit=visit).exists()
