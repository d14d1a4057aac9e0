"""An upheld dispute re-scores a visit: the flags that depend on item scores follow."""

import uuid

from audits.models import VisitFlag
from audits.services import visit_review
from disputes.services import dispute_decide, dispute_open
from tests.factories import ChecklistFactory

from .conftest import submit_visit

TEN_ITEMS = [
    {
        "key": "service",
        "title": "Service",
        "weight": 1,
        "items": [
            {"key": f"q{n}", "prompt": f"Question {n}?", "type": "yes_no", "weight": 1, "critical": False}
            for n in range(10)
        ],
    }
]


def _answers(*failed):
    return [{"item": f"q{n}", "value": n not in failed, "na": False, "comment": ""} for n in range(10)]


def test_upholding_the_one_different_answer_makes_the_visit_straight_lined(
    org, location, auditor, staff, admin
):
    checklist = ChecklistFactory(organization=org, sections=TEN_ITEMS)
    visit = submit_visit(location, checklist, auditor, answers=_answers(3))
    assert "straight_lining" not in [flag["code"] for flag in visit.flags]
    visit_review(actor=admin, visit_id=visit.pk, decision="approve")
    dispute, _ = dispute_open(
        actor=staff,
        visit_id=visit.pk,
        data={
            "id": str(uuid.uuid4()),
            "items": [{"item": "q3", "reason": "We did.", "proposed": {"value": True, "na": False}}],
        },
    )
    dispute_decide(
        actor=admin,
        dispute_id=dispute.pk,
        data={"comment": "", "items": [{"item": "q3", "decision": "upheld"}]},
    )
    visit.refresh_from_db()
    assert [flag["code"] for flag in visit.flags] == ["straight_lining"] and visit.risk == 1
    assert list(VisitFlag.objects.filter(visit=visit).values_list("code", flat=True)) == ["straight_lining"]
