"""Concurrent decisions and a dispute opened during a review, with real threads (PostgreSQL only)."""

import pytest
from django.db import connection

from accounts.models import Role
from audits.models import Visit, VisitHistory
from audits.services import visit_review
from disputes.models import Dispute
from disputes.services import dispute_decide, dispute_open
from tests.concurrency import race as shared_race
from tests.factories import UserFactory
from webhooks.models import Event

from .conftest import decide_body, dispute_body

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's real row locks"),
    pytest.mark.django_db(transaction=True),
]


def race(*calls):
    """The calls at the same moment; each success is ``"done"``."""
    return shared_race(*calls, outcome=lambda _: "done")


def test_two_decisions_at_once_take_exactly_one(org, visit, staff, admin, manager):
    other_admin = UserFactory(organization=org, role=Role.ADMIN)
    opened, _ = dispute_open(actor=staff, visit_id=visit.pk, data=dispute_body(("wait_minutes", 2)))
    outcomes = race(
        lambda: dispute_decide(
            actor=admin, dispute_id=opened.pk, data=decide_body(("wait_minutes", "upheld"))
        ),
        lambda: dispute_decide(
            actor=manager, dispute_id=opened.pk, data=decide_body(("wait_minutes", "rejected"))
        ),
        lambda: dispute_decide(
            actor=other_admin, dispute_id=opened.pk, data=decide_body(("wait_minutes", "upheld"))
        ),
    )
    assert outcomes == ["dispute_decided", "dispute_decided", "done"]
    dispute = Dispute.objects.get()
    rescored = VisitHistory.objects.filter(visit=visit, action="rescored").count()
    assert Event.objects.filter(type="dispute.decided").count() == 1
    visit.refresh_from_db()
    if dispute.status == "upheld":
        assert (rescored, visit.score, visit.original_score) == (1, 52.08, 43.75)
    else:
        assert (rescored, visit.score, visit.original_score) == (0, 43.75, None)


def test_a_dispute_opened_while_a_review_happens_leaves_both_consistent(visit, staff, admin):
    outcomes = race(
        lambda: visit_review(actor=admin, visit_id=visit.pk, decision="approve", comment="Fine."),
        lambda: dispute_open(actor=staff, visit_id=visit.pk, data=dispute_body(("wait_minutes", 2))),
    )
    assert outcomes == ["done", "done"]
    visit = Visit.objects.get()
    assert visit.status == "approved"
    assert Dispute.objects.get().status == "open"
    assert [h.action for h in VisitHistory.objects.filter(visit=visit)] == ["submitted", "approved"]


def test_a_reject_racing_an_opening_leaves_no_dispute_on_a_rejected_visit(visit, staff, admin):
    outcomes = race(
        lambda: visit_review(actor=admin, visit_id=visit.pk, decision="reject", comment="Void."),
        lambda: dispute_open(actor=staff, visit_id=visit.pk, data=dispute_body(("wait_minutes", 2))),
    )
    visit = Visit.objects.get()
    assert visit.status == "rejected"
    # Either the dispute came first (and stays open on what is now a rejected visit) or it was refused.
    assert outcomes in (["done", "done"], ["done", "not_disputable"])
    assert Dispute.objects.count() == (1 if outcomes == ["done", "done"] else 0)


def test_twins_of_one_dispute_open_it_once(visit, staff):
    body = dispute_body(("wait_minutes", 2))
    outcomes = race(
        *[lambda: dispute_open(actor=staff, visit_id=visit.pk, data=dict(body)) for _ in range(4)]
    )
    assert outcomes == ["done"] * 4
    assert Dispute.objects.count() == 1
    assert Event.objects.filter(type="dispute.opened").count() == 1
