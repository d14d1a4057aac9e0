"""Deciding a dispute: who may, every item at once, and a rescoring every report sees at once."""

import csv
import io

import pytest

from accounts.models import Role
from audits.models import Answer, Visit, VisitHistory, VisitStatus
from audits.services import visit_review
from disputes.models import Dispute, DisputeItem
from tests.factories import UserFactory
from webhooks.models import Event

from .conftest import ANSWERS, decide_body, decision_url

pytestmark = pytest.mark.django_db


def test_an_upheld_item_rescores_the_visit(client_for, admin, visit, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    response = client_for(admin).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "upheld"
    assert data["items"][0]["decision"] == "upheld"
    assert data["decision_comment"] == "Checked the till log."
    assert data["decided_at"] is not None

    shown = client_for(admin).get(f"/api/v1/visits/{visit.pk}/").json()
    assert shown["score"] == 52.08
    assert shown["original_score"] == 43.75
    assert shown["status"] == "submitted"  # a decision leaves the status as it is
    assert {s["key"]: s["score"] for s in shown["sections"]} == {"greeting": 37.5, "service": 81.25}
    wait = next(a for a in shown["answers"] if a["item"] == "wait_minutes")
    assert (wait["value"], wait["score"]) == (2, 1.0)
    assert Answer.objects.get(visit=visit, item_key="wait_minutes").score == 1.0


def test_the_rescored_history_entry_holds_the_exact_changes(client_for, admin, visit, open_dispute):
    dispute = open_dispute(("wait_minutes", 2), ("greeted", True))
    client_for(admin).post(
        decision_url(dispute["id"]),
        decide_body(("wait_minutes", "upheld"), ("greeted", "rejected")),
        format="json",
    )
    history = client_for(admin).get(f"/api/v1/visits/{visit.pk}/history/").json()["results"]
    assert [entry["action"] for entry in history] == ["submitted", "rescored"]
    entry = history[-1]
    assert entry["actor"]["id"] == admin.pk
    assert entry["changes"] == {
        "dispute": dispute["id"],
        "score": [43.75, 52.08],
        "sections": [
            [{"key": "greeting", "score": 37.5}, {"key": "service", "score": 56.25}],
            [{"key": "greeting", "score": 37.5}, {"key": "service", "score": 81.25}],
        ],
        "answers": {"wait_minutes": {"value": [12, 2], "na": [False, False], "score": [0.0, 1.0]}},
    }


def test_a_critical_failure_upheld_away_passes_the_visit(
    client_for, admin, make_visit, location, open_dispute
):

    answers = [dict(a) for a in ANSWERS]
    for answer in answers:
        answer.update(
            {
                "greeted": {"value": True},
                "warmth": {"value": 5},
                "offer": {"value": "great"},
                "wait_minutes": {"value": 3},
                "solved": {"value": False},
            }.get(answer["item"], {})
        )
    visit = make_visit(location, answers)
    assert (visit.passed, visit.critical_failures) == (False, ["solved"])
    dispute = open_dispute(("solved", True), on=visit)
    client_for(admin).post(decision_url(dispute["id"]), decide_body(("solved", "upheld")), format="json")
    visit.refresh_from_db()
    assert (visit.passed, visit.critical_failures, visit.score) == (True, [], 100.0)
    changes = VisitHistory.objects.get(visit=visit, action="rescored").changes
    assert changes["passed"] == [False, True]
    assert changes["critical_failures"] == [["solved"], []]


def test_a_rejected_dispute_changes_nothing_on_the_visit(client_for, admin, visit, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    response = client_for(admin).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "rejected")), format="json"
    )
    assert response.json()["status"] == "rejected"
    visit.refresh_from_db()
    assert (visit.score, visit.original_score) == (43.75, None)
    assert not VisitHistory.objects.filter(visit=visit, action="rescored").exists()


def test_partly_upheld(client_for, admin, visit, open_dispute):
    dispute = open_dispute(("wait_minutes", 2), ("offer", "great"))
    response = client_for(admin).post(
        decision_url(dispute["id"]),
        decide_body(("offer", "rejected"), ("wait_minutes", "upheld")),
        format="json",
    )
    assert response.json()["status"] == "partially_upheld"
    assert [i["decision"] for i in response.json()["items"]] == ["upheld", "rejected"]


def test_original_score_is_null_until_a_dispute_is_upheld_then_keeps_the_first(
    client_for, admin, visit, open_dispute
):
    assert client_for(admin).get(f"/api/v1/visits/{visit.pk}/").json()["original_score"] is None
    first = open_dispute(("wait_minutes", 2))
    client_for(admin).post(decision_url(first["id"]), decide_body(("wait_minutes", "upheld")), format="json")
    second = open_dispute(("offer", "great"))
    client_for(admin).post(decision_url(second["id"]), decide_body(("offer", "upheld")), format="json")
    visit.refresh_from_db()
    assert visit.original_score == 43.75
    assert visit.score == 58.33  # service (1 + 1 + 2) / 4 = 100: (75 + 100) / 3


def test_decisions_must_cover_every_item_and_write_nothing_otherwise(client_for, admin, visit, open_dispute):
    dispute = open_dispute(("wait_minutes", 2), ("offer", "great"))
    events = Event.objects.count()
    response = client_for(admin).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "items"
    assert response.json()["errors"][0]["code"] == "undecided_items"
    assert Dispute.objects.get().status == "open"
    assert not DisputeItem.objects.exclude(decision="").exists()
    assert Visit.objects.get().score == 43.75
    assert Event.objects.count() == events


@pytest.mark.parametrize(
    ("items", "attr", "code"),
    [
        ([{"item": "greeted", "decision": "upheld"}], "items.0.item", "not_disputed"),
        ([{"item": "wait_minutes", "decision": "maybe"}], "items.0.decision", "invalid_choice"),
        (
            [
                {"item": "wait_minutes", "decision": "upheld"},
                {"item": "wait_minutes", "decision": "rejected"},
            ],
            "items.1.item",
            "duplicate_item",
        ),
        ([{"item": "wait_minutes", "decision": "upheld", "why": "x"}], "items.0.why", "unknown_field"),
        ("all", "items", "required"),
    ],
)
def test_bad_decisions_are_400_naming_the_path(client_for, admin, open_dispute, items, attr, code):
    dispute = open_dispute(("wait_minutes", 2))
    response = client_for(admin).post(decision_url(dispute["id"]), {"items": items}, format="json")
    assert response.status_code == 400
    assert {"attr": attr, "code": code} in [
        {"attr": e["attr"], "code": e["code"]} for e in response.json()["errors"]
    ]
    assert Dispute.objects.get().status == "open"


def test_a_decided_dispute_is_not_decided_again(client_for, admin, manager, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    client_for(admin).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "rejected")), format="json"
    )
    again = client_for(manager).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "dispute_decided"


def test_nobody_decides_a_dispute_they_opened(client_for, org, manager, open_dispute):
    dispute = open_dispute(("wait_minutes", 2), by=manager)
    own = client_for(manager).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"
    )
    assert own.status_code == 403
    colleague = UserFactory(organization=org, role=Role.MANAGER, regions=list(manager.regions.all()))
    other = client_for(colleague).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"
    )
    assert other.status_code == 200


def test_a_region_manager_decides(client_for, manager, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    response = client_for(manager).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"
    )
    assert response.status_code == 200


def test_who_may_not_decide(client_for, key_client_for, org, other_region, staff, auditor, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    far_manager = UserFactory(organization=org, role=Role.MANAGER, regions=[other_region])
    body = decide_body(("wait_minutes", "upheld"))
    assert client_for(far_manager).post(decision_url(dispute["id"]), body, format="json").status_code == 404
    assert client_for(staff).post(decision_url(dispute["id"]), body, format="json").status_code == 403
    assert client_for(auditor).post(decision_url(dispute["id"]), body, format="json").status_code == 403
    assert (
        key_client_for(org, ["read"]).post(decision_url(dispute["id"]), body, format="json").status_code
        == 403
    )
    assert Dispute.objects.get().status == "open"
    write = key_client_for(org, ["read", "write"]).post(decision_url(dispute["id"]), body, format="json")
    assert write.status_code == 200


def test_no_decision_while_the_visit_is_returned(client_for, admin, visit, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    visit_review(actor=admin, visit_id=visit.pk, decision="return", comment="Check the wait.")
    response = client_for(admin).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "visit_returned"


def test_a_review_is_not_stopped_by_an_open_dispute(client_for, admin, visit, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    review = client_for(admin).post(
        f"/api/v1/visits/{visit.pk}/review/", {"decision": "approve"}, format="json"
    )
    assert review.status_code == 200
    decided = client_for(admin).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"
    )
    assert decided.status_code == 200
    visit.refresh_from_db()
    assert (visit.status, visit.score) == (VisitStatus.APPROVED, 52.08)


def test_a_decision_changes_only_its_own_visit(
    client_for, admin, make_visit, location, other_location, visit, open_dispute
):
    neighbour = make_visit(location)
    far = make_visit(other_location)
    dispute = open_dispute(("wait_minutes", 2))
    client_for(admin).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"
    )
    for other in (neighbour, far):
        other.refresh_from_db()
        assert (other.score, other.original_score) == (43.75, None)
        assert Answer.objects.get(visit=other, item_key="wait_minutes").value == 12


def test_reports_the_export_and_the_ranking_see_the_new_scores_at_once(
    client_for, admin, visit, open_dispute
):
    client = client_for(admin)
    ranking = lambda: client.get("/api/v1/reports/location-ranking/").json()["results"][0]["average_score"]  # noqa: E731
    trend = lambda: client.get(f"/api/v1/locations/{visit.location_id}/trend/").json()["series"][-1]  # noqa: E731

    def export():
        response = client.get("/api/v1/exports/visits.csv")
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        return next(
            (r["visit_score"], r["value"], r["item_score"]) for r in rows if r["item"] == "wait_minutes"
        )

    def item_score():
        rows = client.get("/api/v1/reports/item-performance/").json()["results"]
        return next(r["average_item_score"] for r in rows if r["item"] == "wait_minutes")

    assert ranking() == 43.75 and trend()["average_score"] == 43.75 and item_score() == 0.0
    assert export() == ("43.75", "12", "0.0000")
    dispute = open_dispute(("wait_minutes", 2))
    client.post(decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json")
    assert ranking() == 52.08
    assert trend()["average_score"] == 52.08 and trend()["sections"]["service"] == 81.25
    assert item_score() == 100.0
    assert export() == ("52.08", "2", "1.0000")


def test_an_na_proposal_upheld_leaves_the_item_out_of_scoring(client_for, admin, visit, open_dispute):
    dispute = open_dispute(("offer", None, True))
    client_for(admin).post(decision_url(dispute["id"]), decide_body(("offer", "upheld")), format="json")
    answer = Answer.objects.get(visit=visit, item_key="offer")
    assert (answer.value, answer.na, answer.score) == (None, True, None)
    visit.refresh_from_db()
    assert visit.score == 47.22  # service (0 + 2) / 3 = 66.67: (75 + 66.67) / 3
