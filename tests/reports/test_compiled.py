"""Reports reuse their compiled SQL per shape: the answers are those of a fresh ORM build.

The first call of a shape compiles its SQL; later calls only fill in dates and ids. These tests
run the same shape with other values, other callers and other filters after a warm-up and compare
every answer with the one computed from an empty cache.
"""

import datetime as dt
from dataclasses import asdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Location, Role
from reports import compiled, selectors
from reports.selectors import ReportFilters
from tests.factories import LocationFactory, UserFactory

from .factories import local, make_visit

MAY = ReportFilters(date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 5, 31))
JUNE = ReportFilters(date_from=dt.date(2026, 6, 1), date_to=dt.date(2026, 6, 30))


@pytest.fixture
def stores(region, other_region, location, other_location, checklist):
    """Two stores per region; visits in April, May and June with distinct scores."""
    second = LocationFactory(region=region, code="UTR-01", name="Utrecht", timezone="Europe/Amsterdam")
    third = LocationFactory(region=other_region, code="EIN-01", name="Eindhoven", timezone="Europe/Amsterdam")
    score = 50.0
    for store in (location, second, other_location, third):
        for day in ("2026-04-20", "2026-05-03", "2026-05-17", "2026-06-09", "2026-06-28"):
            for kind in ("mystery", "self_assessment"):
                score = (score * 7 + 13) % 100
                make_visit(
                    location=store,
                    checklist=checklist,
                    started_at=local(f"{day} 10:00", store.timezone),
                    score=score,
                    kind=kind,
                    sections={"greeting": score},
                    answers=[
                        ("greeting", "smile", score / 100),
                        ("greeting", "greeted_within_30s", 1 - score / 100),
                    ],
                )
    return [location, second, other_location, third]


def every_report(principal, filters: ReportFilters) -> dict:
    return {
        "trend": selectors.trend(principal=principal, filters=filters, period="week"),
        "ranking": selectors.location_ranking(principal=principal, filters=filters),
        "items": selectors.item_performance(principal=principal, filters=filters),
        "gap": selectors.perception_gap(principal=principal, filters=filters),
    }


def fresh(principal, filters: ReportFilters) -> dict:
    compiled._templates.clear()
    return every_report(principal, filters)


def test_a_warm_shape_with_other_dates_and_ids_answers_like_a_fresh_build(
    admin, region, other_region, stores
):
    cases = [
        MAY,
        JUNE,
        ReportFilters(date_from=MAY.date_from, date_to=MAY.date_to, region_id=region.pk),
        ReportFilters(date_from=JUNE.date_from, date_to=JUNE.date_to, region_id=other_region.pk),
        ReportFilters(date_from=MAY.date_from, date_to=JUNE.date_to, location_id=stores[1].pk),
        ReportFilters(date_from=JUNE.date_from, date_to=JUNE.date_to, location_id=stores[3].pk),
        ReportFilters(date_from=JUNE.date_from, date_to=JUNE.date_to, status="approved"),
    ]
    expected = [fresh(admin, filters) for filters in cases]
    compiled._templates.clear()
    warm = [every_report(admin, filters) for filters in cases]

    assert warm == expected
    assert expected[2] != expected[3]  # the values really change the answers
    assert expected[6]["ranking"] == []  # nothing approved: the status is part of the shape


def test_callers_of_the_same_role_never_share_a_scope(org, region, other_region, stores):
    north = UserFactory(organization=org, role=Role.MANAGER, regions=[region])
    south = UserFactory(organization=org, role=Role.MANAGER, regions=[other_region])
    staff = UserFactory(organization=org, role=Role.STAFF, locations=[stores[3]])

    first = {who.pk: every_report(who, MAY) for who in (north, south, staff)}
    again = {who.pk: every_report(who, MAY) for who in (staff, south, north)}

    ranked = {pk: {row.location.code for row in body["ranking"]} for pk, body in first.items()}
    assert ranked == {north.pk: {"AMS-01", "UTR-01"}, south.pk: {"RTM-01", "EIN-01"}, staff.pk: {"EIN-01"}}
    assert again == first
    assert first[north.pk] == fresh(north, MAY)
    assert first[staff.pk] == fresh(staff, MAY)


def test_a_warm_report_runs_the_same_queries_and_builds_nothing(
    admin, region, stores, django_assert_num_queries
):
    filters = ReportFilters(date_from=MAY.date_from, date_to=MAY.date_to, region_id=region.pk)
    compiled._templates.clear()
    with CaptureQueriesContext(connection) as cold:
        selectors.perception_gap(principal=admin, filters=filters)
    with django_assert_num_queries(len(cold.captured_queries)):
        selectors.perception_gap(principal=admin, filters=filters)


def test_a_value_that_changes_the_sql_text_is_built_afresh_every_time(location, other_location):
    def build(values):
        # A build whose SQL text depends on the value: it cannot be a template.
        lookup = "pk__gte" if values["n"] > 0 else "pk__lte"
        return (
            Location.objects.filter(**{lookup: values["n"]})
            .values_list("pk")
            .order_by("pk")
            .query.sql_with_params()
        )

    compiled._templates.clear()
    everything = compiled.fetch_all(("test",), build, {"n": 1})
    after_the_first = compiled.fetch_all(("test",), build, {"n": location.pk + 1})

    assert [row[0] for row in everything] == sorted([location.pk, other_location.pk])
    assert [row[0] for row in after_the_first] == [other_location.pk]
    assert compiled._templates[(connection.vendor, "test")] is compiled._UNUSABLE


def test_a_caller_without_an_organization_sees_nothing_and_costs_no_query(django_assert_num_queries, db):
    class Nobody:
        role = "admin"
        pk = None
        organization_id = None

    with django_assert_num_queries(0):
        assert selectors.location_ranking(principal=Nobody(), filters=MAY) == []
        assert selectors.item_performance(principal=Nobody(), filters=MAY) == []
        trend = selectors.trend(principal=Nobody(), filters=MAY, period="month")
    assert asdict(trend)["series"] == [
        {
            "period_start": dt.date(2026, 5, 1),
            "visits": 0,
            "average_score": None,
            "pass_rate": None,
            "sections": {},
        }
    ]


def test_a_managers_new_regions_show_at_once_despite_the_cached_sql(stores, manager, other_region):
    """Scopes are SQL joins, not ids baked into a template: a scope change is seen on the next call."""
    compiled._templates.clear()
    before = {row.location.code for row in selectors.location_ranking(principal=manager, filters=MAY)}
    manager.regions.add(other_region)
    widened = {row.location.code for row in selectors.location_ranking(principal=manager, filters=MAY)}
    manager.regions.remove(other_region)
    narrowed = {row.location.code for row in selectors.location_ranking(principal=manager, filters=MAY)}

    assert before == narrowed == {"AMS-01", "UTR-01"}
    assert widened == {"AMS-01", "UTR-01", "RTM-01", "EIN-01"}
