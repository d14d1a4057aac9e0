"""Rollups under real concurrency (PostgreSQL): writers of the same rows queue, none is lost."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from audits.models import Visit
from audits.rollups import rollups_rebuild
from audits.services import visit_review, visit_submit
from reports import selectors
from reports.selectors import ReportFilters
from tests.audits.conftest import FULL_SECTIONS, GOOD_ANSWERS, self_assessment_body, visit_body
from tests.concurrency import race
from tests.factories import AssignmentFactory, ChecklistFactory

from .test_rollups import rollup_rows

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's real row locks"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 6


def test_concurrent_submissions_and_reviews_of_one_location_and_day_all_count(
    org, location, auditor, staff, admin, manager
):
    checklist = ChecklistFactory(organization=org, sections=FULL_SECTIONS)
    version = checklist.versions.get(number=1)
    assignments = [
        AssignmentFactory(
            organization=org,
            location=location,
            checklist=checklist,
            checklist_version=version,
            auditor=auditor,
        )
        for _ in range(THREADS)
    ]
    reviewed = [visit_submit(actor=auditor, data=visit_body(a))[0] for a in assignments[: THREADS // 2]]
    fresh = assignments[THREADS // 2 :]
    answers = [dict(a, value=False) if a["item"] == "greeted" else a for a in GOOD_ANSWERS]

    outcomes = race(
        *(lambda a=a: visit_submit(actor=auditor, data=visit_body(a))[0].status for a in fresh),
        *(
            lambda: (
                visit_submit(actor=staff, data=self_assessment_body(location, checklist, answers=answers))[
                    0
                ].status
            )
            for _ in range(2)
        ),
        *(
            lambda v=v: visit_review(actor=manager, visit_id=v.pk, decision="approve").status
            for v in reviewed
        ),
    )

    assert outcomes == sorted(["submitted"] * (len(fresh) + 2) + ["approved"] * len(reviewed))
    assert Visit.objects.count() == THREADS + 2
    today = timezone.localdate()
    filters = ReportFilters(date_from=today - dt.timedelta(days=3), date_to=today + dt.timedelta(days=1))
    assert selectors.summary(principal=admin, filters=filters).visits == THREADS
    for name in ("summary", "location_ranking", "item_performance", "perception_gap"):
        rolled = getattr(selectors, name)(principal=admin, filters=filters)
        assert rolled == getattr(selectors, name + "_raw")(principal=admin, filters=filters), name
    kept = rollup_rows(org)
    rollups_rebuild(organization_id=org.pk)
    assert rollup_rows(org) == kept
