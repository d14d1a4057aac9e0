"""``summary``: a window's visits, average score and pass rate, the figures the other reports give."""

import datetime as dt

import pytest
from django.utils import timezone

from audits.models import VisitKind, VisitStatus
from reports.selectors import ReportFilters, change, location_ranking, perception_gap, summary
from tests.factories import VisitFactory

pytestmark = pytest.mark.django_db


def _window(days=30):
    today = timezone.now().date()
    return ReportFilters(date_from=today - dt.timedelta(days=days - 1), date_to=today)


def test_summary_counts_what_the_reports_count(admin, location, other_location):
    now = timezone.now()
    for place, score, passed, days in (
        (location, 90.0, True, 1),
        (location, 70.0, False, 2),
        (other_location, 81.25, True, 3),
        (other_location, 40.0, False, 45),  # the window before
    ):
        VisitFactory(location=place, score=score, passed=passed, started_at=now - dt.timedelta(days=days))
    VisitFactory(
        location=location, score=10.0, status=VisitStatus.RETURNED, started_at=now - dt.timedelta(days=1)
    )
    VisitFactory(
        location=location, score=99.0, kind=VisitKind.SELF_ASSESSMENT, started_at=now - dt.timedelta(days=1)
    )

    figures = summary(principal=admin, filters=_window())
    assert (figures.visits, figures.average_score, figures.pass_rate) == (3, 80.42, 66.67)
    assert figures.visits == sum(row.visits for row in location_ranking(principal=admin, filters=_window()))
    assert figures.average_score == perception_gap(principal=admin, filters=_window()).overall.mystery_score
    before = summary(principal=admin, filters=_window().previous())
    assert (before.visits, before.average_score, before.pass_rate) == (1, 40.0, 0.0)
    assert change(figures.average_score, before.average_score) == 40.42


def test_an_empty_window_has_no_average_and_no_rate(admin, manager, location, other_location):
    VisitFactory(location=other_location, score=50.0, started_at=timezone.now() - dt.timedelta(days=1))
    empty = summary(principal=manager, filters=_window())  # the manager's region has no visit
    assert (empty.visits, empty.average_score, empty.pass_rate) == (0, None, None)
    assert change(None, 12.5) is None
