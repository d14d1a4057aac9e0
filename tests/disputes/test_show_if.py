"""Disputes on checklists with show_if: hidden items cannot be disputed; a re-score recomputes them."""

import pytest

from accounts.models import Role
from audits.models import Answer, VisitHistory
from tests.factories import ChecklistFactory, UserFactory

from .conftest import decide_body, decision_url, dispute_body, open_url, submit_visit

pytestmark = pytest.mark.django_db

SECTIONS = [
    {
        "key": "greeting",
        "title": "Greeting",
        "weight": 1,
        "items": [
            {"key": "greeted", "prompt": "Greeted?", "type": "yes_no", "weight": 1},
            {
                "key": "apologised",
                "prompt": "Did they apologise instead?",
                "type": "yes_no",
                "weight": 1,
                "show_if": {"===": [{"var": "greeted"}, False]},
            },
        ],
    },
    {
        "key": "service",
        "title": "Service",
        "weight": 1,
        "items": [{"key": "wait_minutes", "prompt": "Minutes", "type": "number", "pass_max": 5, "weight": 1}],
    },
]


@pytest.fixture
def logic_checklist(org):
    return ChecklistFactory(organization=org, sections=SECTIONS)


def answers(greeted, apologised=None):
    out = [{"item": "greeted", "value": greeted}, {"item": "wait_minutes", "value": 3}]
    if apologised is not None:
        out.append({"item": "apologised", "value": apologised})
    return out


def test_a_hidden_item_cannot_be_disputed(client_for, staff, location, logic_checklist, auditor):
    visit = submit_visit(location, logic_checklist, auditor, answers(True))
    assert visit.hidden_items == ["apologised"]
    response = client_for(staff).post(open_url(visit), dispute_body(("apologised", True)), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0] | {"detail": None} == {
        "code": "hidden_item",
        "attr": "items.0.item",
        "detail": None,
    }


def test_upholding_an_answer_hides_what_it_hid(
    client_for, org, staff, admin, location, logic_checklist, auditor
):
    visit = submit_visit(location, logic_checklist, auditor, answers(False, False))
    assert visit.score == 50.0
    dispute = client_for(staff).post(open_url(visit), dispute_body(("greeted", True)), format="json").json()
    client_for(admin).post(decision_url(dispute["id"]), decide_body(("greeted", "upheld")), format="json")
    visit.refresh_from_db()
    assert (visit.score, visit.hidden_items, visit.original_score) == (100.0, ["apologised"], 50.0)
    assert Answer.objects.get(visit=visit, item_key="apologised").score is None
    changes = VisitHistory.objects.get(visit=visit, action="rescored").changes
    assert changes["hidden_items"] == [[], ["apologised"]]
    assert changes["answers"]["apologised"] == {"score": [0.0, None]}


def test_upholding_an_answer_shows_an_unanswered_item(
    client_for, staff, admin, location, logic_checklist, auditor
):
    visit = submit_visit(location, logic_checklist, auditor, answers(True))
    dispute = client_for(staff).post(open_url(visit), dispute_body(("greeted", False)), format="json").json()
    client_for(admin).post(decision_url(dispute["id"]), decide_body(("greeted", "upheld")), format="json")
    visit.refresh_from_db()
    assert (visit.hidden_items, visit.unanswered_items) == ([], ["apologised"])
    assert visit.score == 50.0  # greeting 0 (apologised left out of scoring), service 100
    shown = client_for(admin).get(f"/api/v1/visits/{visit.pk}/").json()
    assert shown["unanswered_items"] == ["apologised"]
    # The newly shown item may now be disputed itself, and its proposed answer gets stored.
    second = client_for(staff).post(open_url(visit), dispute_body(("apologised", True)), format="json")
    assert second.status_code == 201, second.json()
    other_admin = UserFactory(organization=visit.organization, role=Role.ADMIN)
    client_for(other_admin).post(
        decision_url(second.json()["id"]), decide_body(("apologised", "upheld")), format="json"
    )
    visit.refresh_from_db()
    assert (visit.unanswered_items, visit.score) == ([], 75.0)
    assert Answer.objects.get(visit=visit, item_key="apologised").value is True
