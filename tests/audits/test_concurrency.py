"""Concurrent duplicate submissions with real threads and connections (PostgreSQL only)."""

import threading
import uuid

import pytest
from django.db import connection, connections

from audits.models import Answer, Visit, VisitHistory
from audits.services import visit_review, visit_submit
from core.exceptions import DomainConflict
from tests.audits.conftest import GOOD_ANSWERS, self_assessment_body, visit_body

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's real row locks"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 6


def race(actor, bodies):
    """Submit every body at the same moment, each from its own thread and database connection."""
    barrier = threading.Barrier(len(bodies))
    outcomes = []
    lock = threading.Lock()

    def submit(body):
        try:
            barrier.wait(timeout=10)
            _, created = visit_submit(actor=actor, data=body)
            outcome = "created" if created else "replayed"
        except DomainConflict as exc:
            outcome = exc.code
        except Exception as exc:  # anything else fails the test with its name
            outcome = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=submit, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_concurrent_duplicates_of_a_mystery_visit_create_one_row(assignment, auditor):
    body = visit_body(assignment)
    outcomes = race(auditor, [dict(body) for _ in range(THREADS)])
    assert outcomes == ["created"] + ["replayed"] * (THREADS - 1)
    assert Visit.objects.count() == 1
    assert Answer.objects.count() == len(GOOD_ANSWERS)


def test_concurrent_duplicates_of_a_self_assessment_create_one_row(staff, location, checklist):
    body = self_assessment_body(location, checklist)
    outcomes = race(staff, [dict(body) for _ in range(THREADS)])
    assert outcomes == ["created"] + ["replayed"] * (THREADS - 1)
    assert Visit.objects.count() == 1


def test_concurrent_different_visits_for_one_assignment_keep_one(assignment, auditor):
    bodies = [visit_body(assignment, id=str(uuid.uuid4())) for _ in range(THREADS)]
    outcomes = race(auditor, bodies)
    assert outcomes == ["assignment_submitted"] * (THREADS - 1) + ["created"]
    assert Visit.objects.count() == 1


def test_concurrent_reviews_take_one_decision(assignment, auditor, admin, manager):

    visit, _ = visit_submit(actor=auditor, data=visit_body(assignment))
    barrier = threading.Barrier(2)
    outcomes = []

    def review(actor, decision):
        try:
            barrier.wait(timeout=10)
            visit_review(actor=actor, visit_id=visit.pk, decision=decision, comment="Looked at it.")
            outcomes.append("reviewed")
        except DomainConflict as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=review, args=(admin, "approve")),
        threading.Thread(target=review, args=(manager, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["invalid_transition", "reviewed"]
    assert VisitHistory.objects.filter(visit=visit).count() == 2  # submitted + one review
