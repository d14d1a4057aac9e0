"""``generate_load``'s two paths write visits that read exactly like real ones.

The PostgreSQL server-side path (``INSERT ... SELECT``, the default there) and the Python path
(``--python``, the only one on SQLite): period keys are ``audits.periods.period_keys`` of the
visit's start in its location's zone, every score is what ``audits.scoring`` computes from the
stored answers, and every report read from the rebuilt rollups equals its raw computation.
"""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Organization, Role
from audits.models import Answer, Visit
from audits.periods import period_keys
from audits.scoring import AnswerInput, score_visit
from core.validation import round_half_up
from demo.management.commands.generate_load import load_definition
from reports import selectors
from reports.selectors import ReportFilters
from tests.factories import UserFactory

END = dt.date(2026, 11, 20)
DAYS = 400

paths = [
    pytest.param(True, id="python"),
    pytest.param(
        False,
        id="server-side",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                connection.vendor != "postgresql", reason="the server-side path is PostgreSQL's"
            ),
        ],
    ),
]


@pytest.mark.parametrize("python", paths)
def test_generated_visits_carry_the_period_keys_and_scores_of_their_answers(db, python):
    call_command(
        "generate_load",
        visits=120,
        locations=6,
        end=END,
        days=DAYS,
        python=python,
        chunk=50,
        stdout=io.StringIO(),
    )

    org = Organization.objects.get(name="Load Test Org")
    visits = Visit.objects.filter(organization=org).select_related("location")
    assert visits.count() == 120
    answers: dict = {}
    for answer in Answer.objects.filter(visit__organization=org):
        answers.setdefault(answer.visit_id, []).append(answer)
    definition = load_definition()
    items = {item["key"]: item for section in definition for item in section["items"]}
    first = dt.datetime.combine(END - dt.timedelta(days=DAYS - 1), dt.time(), tzinfo=dt.UTC)
    kinds, statuses = set(), set()
    for visit in visits:
        assert first <= visit.started_at < first + dt.timedelta(days=DAYS)
        assert visit.ended_at - visit.started_at == dt.timedelta(minutes=20)
        keys = period_keys(visit.started_at, visit.location.timezone)
        assert (visit.local_date, visit.week_start, visit.month_start, visit.quarter_start) == (
            keys.local_date,
            keys.week_start,
            keys.month_start,
            keys.quarter_start,
        )
        stored = sorted(answers[visit.pk], key=lambda a: a.position)
        assert [a.item_key for a in stored] == list(items)
        result = score_visit(definition, {a.item_key: AnswerInput(a.value, a.na) for a in stored}, 80)
        for answer in stored:
            assert answer.score == float(round_half_up(result.items[answer.item_key].score, 4))
            assert answer.section_key == result.items[answer.item_key].section_key
        assert visit.score == float(round_half_up(result.score, 2))
        assert visit.passed is result.passed
        assert visit.critical_failures == result.critical_failures == []
        assert visit.section_scores == [
            {"key": s.key, "score": float(round_half_up(s.score, 2))} for s in result.sections
        ]
        assert (visit.auditor_id is None) == (visit.kind == "self_assessment")
        kinds.add(visit.kind)
        statuses.add(visit.status)
    assert kinds == {"mystery", "self_assessment"}
    assert statuses == {"submitted", "approved"}

    admin = UserFactory(organization=org, role=Role.ADMIN)
    region = org.regions.order_by("code").first()
    for window in (
        ReportFilters(date_from=END - dt.timedelta(days=DAYS - 1), date_to=END),
        ReportFilters(date_from=dt.date(2026, 2, 11), date_to=dt.date(2026, 8, 3), region_id=region.pk),
    ):
        for name in ("summary", "location_ranking", "item_performance", "perception_gap"):
            rollup = getattr(selectors, name)(principal=admin, filters=window)
            assert rollup == getattr(selectors, name + "_raw")(principal=admin, filters=window), name
        for period in ("week", "month", "quarter"):
            trend = selectors.trend(principal=admin, filters=window, period=period)
            assert trend == selectors.trend_raw(principal=admin, filters=window, period=period), period
