"""Reports read rollups kept by every write; they equal the raw computation exactly.

Random sequences of the real writes (submit, self-assess, revise, approve, return, reject, a dispute
upheld) at random local dates, and moves of locations between regions (region rollup rows follow the
location); then every report, for several callers, windows (whole months, month
edges, weeks), status and scope filters, read from rollups equals the same report computed from
visits and answers (``*_raw``), figure for figure. Rebuilding the rollups from scratch (what the
migration and ``generate_load`` do) gives the very rows the writes kept.
"""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Location
from accounts.services import location_update
from audits.models import ItemRollup, SectionRollup, Visit, VisitRollup, VisitStatus
from audits.rollups import rollups_rebuild
from audits.services import visit_review, visit_revise, visit_submit
from disputes.services import dispute_decide, dispute_open
from reports import selectors
from reports.selectors import ReportFilters
from tests.audits.conftest import FULL_SECTIONS, self_assessment_body, visit_body
from tests.disputes.conftest import dispute_body
from tests.factories import AssignmentFactory, ChecklistFactory, LocationFactory, UserFactory

answers = st.fixed_dictionaries(
    {
        "greeted": st.booleans(),
        "warmth": st.integers(1, 5),
        "offer": st.sampled_from(["none", "some", "great"]),
        "wait_minutes": st.integers(0, 15),
        "solved": st.booleans(),
        "remarks": st.just("Fine."),
    }
).map(lambda values: [{"item": k, "value": v, "na": False, "comment": ""} for k, v in values.items()])
days_ago = st.integers(0, 100)
operation = st.one_of(
    st.tuples(st.just("submit"), st.integers(0, 2), days_ago, answers),
    st.tuples(st.just("self"), st.integers(0, 1), days_ago, answers),  # the staff member's two sites
    st.tuples(st.just("move"), st.integers(0, 2), st.integers(0, 1)),
    st.tuples(st.just("review"), st.integers(0, 20), st.sampled_from(["approve", "return", "reject"])),
    st.tuples(st.just("revise"), st.integers(0, 20), days_ago, answers),
    st.tuples(
        st.just("dispute"),
        st.integers(0, 20),
        st.sampled_from([("wait_minutes", 2), ("greeted", True), ("offer", "great"), ("solved", False)]),
    ),
)

TODAY = timezone.localdate()


def windows(location, region, checklist, other_region):
    whole = ReportFilters(date_from=TODAY - dt.timedelta(days=110), date_to=TODAY + dt.timedelta(days=1))
    edges = ReportFilters(date_from=TODAY - dt.timedelta(days=47), date_to=TODAY - dt.timedelta(days=9))
    return [
        whole,
        edges,
        ReportFilters(date_from=whole.date_from, date_to=whole.date_to, status="approved"),
        ReportFilters(date_from=edges.date_from, date_to=edges.date_to, region_id=region.pk),
        ReportFilters(date_from=whole.date_from, date_to=whole.date_to, region_id=other_region.pk),
        ReportFilters(
            date_from=whole.date_from, date_to=whole.date_to, status="approved", region_id=region.pk
        ),
        ReportFilters(date_from=whole.date_from, date_to=whole.date_to, location_id=location.pk),
        ReportFilters(
            date_from=edges.date_from, date_to=edges.date_to, checklist_id=checklist.pk, status="submitted"
        ),
    ]


def every_report(principal, filters, *, raw: bool) -> dict:
    suffix = "_raw" if raw else ""
    reports = {
        name: getattr(selectors, name + suffix)(principal=principal, filters=filters)
        for name in ("location_ranking", "item_performance", "perception_gap", "summary")
    }
    if filters.location_id or filters.region_id:
        for period in ("week", "month", "quarter"):
            reports[period] = getattr(selectors, "trend" + suffix)(
                principal=principal, filters=filters, period=period
            )
    return reports


def rollup_rows(organization) -> set:
    rows = set()
    for model in (VisitRollup, SectionRollup, ItemRollup):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        values = model.objects.filter(organization=organization).values_list(*fields)
        measures = {"visits", "scored", "score_sum", "passed", "answers"}
        positions = [i for i, name in enumerate(fields) if name in measures]
        rows |= {(model.__name__, *row) for row in values if any(row[i] for i in positions)}
    return rows


@pytest.fixture
def world(org, region, other_region, location, other_location, admin, manager, staff):
    checklist = ChecklistFactory(organization=org, sections=FULL_SECTIONS)
    tokyo = LocationFactory(region=region, code="TYO-01", name="Tokyo", timezone="Asia/Tokyo")
    staff.locations.add(tokyo)
    auditor = UserFactory(organization=org, role="auditor", username="ada")
    return {
        "checklist": checklist,
        "sites": [location, tokyo, other_location],
        "auditor": auditor,
        "region": region,
        "regions": [region, other_region],
    }


class Writer:
    """Applies one operation through the services; impossible ones (a review of a returned visit)
    are skipped, so every sequence runs to its end."""

    def __init__(self, world, admin, manager, staff):
        self.world, self.admin, self.manager, self.staff = world, admin, manager, staff
        self.visits: list[Visit] = []
        self.disputed: set = set()

    def started(self, days: int) -> dict:
        start = timezone.now() - dt.timedelta(days=days, hours=1)
        return {"started_at": start.isoformat(), "ended_at": (start + dt.timedelta(minutes=17)).isoformat()}

    def pick(self, index: int) -> Visit | None:
        if not self.visits:
            return None
        visit = self.visits[index % len(self.visits)]
        visit.refresh_from_db()
        return visit

    def submit(self, site: int, days: int, values: list) -> None:
        assignment = AssignmentFactory(
            organization=self.world["region"].organization,
            location=self.world["sites"][site],
            checklist=self.world["checklist"],
            checklist_version=self.world["checklist"].versions.get(number=1),
            auditor=self.world["auditor"],
            due_from=timezone.now() - dt.timedelta(days=200),
        )
        body = visit_body(assignment, answers=values, **self.started(days))
        self.visits.append(visit_submit(actor=self.world["auditor"], data=body)[0])

    def self_assess(self, site: int, days: int, values: list) -> None:
        body = self_assessment_body(
            self.world["sites"][site], self.world["checklist"], answers=values, **self.started(days)
        )
        self.visits.append(visit_submit(actor=self.staff, data=body)[0])

    def review(self, index: int, decision: str) -> None:
        visit = self.pick(index)
        if visit is None or visit.status != VisitStatus.SUBMITTED:
            return
        comment = "Check the wait." if decision == "return" else ""
        if not self.manager.regions.filter(locations=visit.location_id).exists():
            return  # a site moved out of (or never in) the manager's region
        visit_review(actor=self.manager, visit_id=visit.pk, decision=decision, comment=comment)

    def revise(self, index: int, days: int, values: list) -> None:
        visit = self.pick(index)
        if visit is None or visit.kind != "mystery" or visit.status != VisitStatus.RETURNED:
            return  # only a returned mystery visit's auditor revises
        body = visit_body(visit.assignment, answers=values, id=str(visit.pk), **self.started(days))
        visit_revise(actor=self.world["auditor"], visit_id=visit.pk, data=body)

    def dispute(self, index: int, proposal: tuple) -> None:
        visit = self.pick(index)
        if visit is None or visit.kind != "mystery" or visit.status not in ("submitted", "approved"):
            return
        if (visit.pk, proposal[0]) in self.disputed or visit.pk in {key for key, _ in self.disputed}:
            return  # one dispute per visit here: a decided one cannot be reopened on the same item
        if not self.staff.locations.filter(pk=visit.location_id).exists():
            return  # the staff member disputes their own sites' visits only
        if visit.answers.get(item_key=proposal[0]).value == proposal[1]:
            return  # nothing to dispute
        self.disputed.add((visit.pk, proposal[0]))
        dispute, _ = dispute_open(actor=self.staff, visit_id=visit.pk, data=dispute_body(proposal))
        dispute_decide(
            actor=self.admin,
            dispute_id=dispute.pk,
            data={"comment": "Checked.", "items": [{"item": proposal[0], "decision": "upheld"}]},
        )

    def move(self, site: int, region: int) -> None:
        """The location to one of the two regions (its own region: a save that moves nothing)."""
        location = Location.objects.get(pk=self.world["sites"][site].pk)
        location_update(location=location, region=self.world["regions"][region])

    def apply(self, op: tuple) -> None:
        name, *args = op
        {
            "submit": self.submit,
            "self": self.self_assess,
            "review": self.review,
            "revise": self.revise,
            "dispute": self.dispute,
            "move": self.move,
        }[name](*args)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=10))
def test_reports_from_rollups_equal_the_raw_computation_after_any_writes(
    operations, world, org, admin, manager, staff
):
    with transaction.atomic():
        writer = Writer(world, admin, manager, staff)
        for op in operations:
            writer.apply(op)
        location, region, checklist = world["sites"][0], world["region"], world["checklist"]
        for principal in (admin, manager, staff):
            for filters in windows(location, region, checklist, world["regions"][1]):
                assert every_report(principal, filters, raw=False) == every_report(
                    principal, filters, raw=True
                ), (principal.role, filters)
        kept = rollup_rows(org)
        rollups_rebuild(organization_id=org.pk)
        assert rollup_rows(org) == kept
        transaction.set_rollback(True)


def test_the_rollups_are_what_reports_read(org, admin, world):
    """Reports do read the rollups: rows changed behind the services' back change the report."""
    writer = Writer(world, admin, None, None)
    writer.submit(0, 3, visit_body()["answers"])
    filters = ReportFilters(date_from=TODAY - dt.timedelta(days=30), date_to=TODAY + dt.timedelta(days=1))
    assert selectors.summary(principal=admin, filters=filters).visits == 1
    VisitRollup.objects.filter(organization=org).update(visits=5)
    assert selectors.summary(principal=admin, filters=filters).visits == 5
    assert selectors.summary_raw(principal=admin, filters=filters).visits == 1


def test_region_rows_follow_a_location_moved_to_another_region(org, admin, world):
    """Moved by the service or by a plain save (the admin site): the region reports of both regions
    equal the raw computation, and the rows kept are the rows a rebuild computes."""
    writer = Writer(world, admin, None, None)
    for site, days in ((0, 3), (1, 40), (2, 5), (0, 70)):
        writer.submit(site, days, visit_body()["answers"])
    north, south = world["regions"]
    filters = [
        ReportFilters(
            date_from=TODAY - dt.timedelta(days=100), date_to=TODAY + dt.timedelta(days=1), region_id=r.pk
        )
        for r in (north, south)
    ]

    def check() -> None:
        for f in filters:
            assert every_report(admin, f, raw=False) == every_report(admin, f, raw=True)
        kept = rollup_rows(org)
        rollups_rebuild(organization_id=org.pk)
        assert rollup_rows(org) == kept

    location_update(location=Location.objects.get(pk=world["sites"][0].pk), region=south)
    assert selectors.summary(principal=admin, filters=filters[1]).visits == 3
    check()
    moved = Location.objects.get(pk=world["sites"][1].pk)
    moved.region = south
    moved.save()
    assert selectors.summary(principal=admin, filters=filters[0]).visits == 0
    assert selectors.summary(principal=admin, filters=filters[1]).visits == 4
    check()
    location_update(location=Location.objects.get(pk=world["sites"][0].pk), region=north, name="Back home")
    assert selectors.summary(principal=admin, filters=filters[0]).visits == 2
    check()
